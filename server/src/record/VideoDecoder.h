#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "record/Picture.h"
#include "record/TrackFormat.h"

struct AVCodecContext;
struct AVFrame;
struct AVPacket;
struct SwsContext;

namespace parley::record {

// Decodes one video track's frames (VP8, VP9, or H.264 access units in Annex B form) into
// I420 pictures with libavcodec, for the composer. Frames come whole and in order
// (FrameAssembler never hands out one that follows a loss before the next keyframe), so a
// decode error means a broken publisher: the frame is dropped and counted, and the next
// keyframe starts over. Not thread-safe.
class VideoDecoder {
 public:
  // Null, with `error`, when the codec is not video or libavcodec lacks its decoder.
  static std::unique_ptr<VideoDecoder> create(TrackFormat::Codec codec, std::string* error);
  ~VideoDecoder();
  VideoDecoder(const VideoDecoder&) = delete;
  VideoDecoder& operator=(const VideoDecoder&) = delete;

  static constexpr std::int64_t kMaxPixels = 3840 * 2160;

  // The picture this frame completes, if any (decoders without delay give one per frame).
  std::optional<Picture> decode(std::span<const std::uint8_t> frame, bool keyframe);

  std::uint64_t errors() const { return errors_; }

 private:
  VideoDecoder() = default;
  Picture convert(const AVFrame& frame);

  AVCodecContext* context_ = nullptr;
  AVFrame* frame_ = nullptr;
  AVPacket* packet_ = nullptr;
  SwsContext* converter_ = nullptr;  // for decoders whose output is not already 4:2:0
  bool waitingForKeyframe_ = true;
  std::uint64_t errors_ = 0;
};

}  // namespace parley::record
