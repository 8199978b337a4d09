#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "record/PacketMuxer.h"
#include "record/Picture.h"

struct AVCodecContext;
struct AVFrame;
struct AVPacket;

namespace parley::record {

// Encodes the composer's output once, H.264 (libx264) and AAC with libavcodec (the one place
// composed media is encoded), and hands every packet to each of its muxers: an archive's MP4
// file, a broadcast's HLS stream and RTMP targets. A muxer that is not essential (an RTMP
// target) may fail alone; an essential one failing fails the encoder. Not thread-safe: one
// composer thread per encoder.
class CompositionEncoder {
 public:
  struct Settings {
    int width = 640;
    int height = 480;
    int framesPerSecond = 30;
    bool hasVideo = true;
    bool hasAudio = true;
    int maxBitrate = 0;             // bits/s, 0: the resolution's default cap
    int quantizationParameter = 0;  // 15..40 for constant quality, 0: rate-controlled
  };
  static constexpr int kAudioSampleRate = 48000;
  static constexpr int kAudioBitrate = 128000;

  // Null, with `error`, when an encoder cannot open or a muxer cannot start.
  static std::unique_ptr<CompositionEncoder> create(
      Settings settings, std::vector<std::unique_ptr<PacketMuxer>> muxers, std::string* error);
  // Into one fragmented MP4 file (Mp4FileMuxer) at `path`.
  static std::unique_ptr<CompositionEncoder> create(const std::string& path, Settings settings,
                                                    std::string* error);
  ~CompositionEncoder();
  CompositionEncoder(const CompositionEncoder&) = delete;
  CompositionEncoder& operator=(const CompositionEncoder&) = delete;

  // One picture (the settings' size) shown from `ptsMs` on; times increase.
  bool writeVideo(const Picture& picture, std::int64_t ptsMs, std::string* error);
  // Stereo 48 kHz samples (interleaved L R) that follow the previous ones without a gap.
  bool writeAudio(std::span<const float> samples, std::string* error);
  // Drains the encoders and closes every muxer. Idempotent.
  bool finish(std::string* error);

  std::uint64_t videoFrames() const { return videoFrames_; }
  std::uint64_t audioSamples() const { return audioSamples_; }

 private:
  CompositionEncoder() = default;
  bool openVideo(std::string* error);
  bool openAudio(std::string* error);
  // Sends `frame` (null: drain) to `codec` and hands what comes out to the muxers.
  bool encode(AVCodecContext* codec, AVFrame* frame, std::string* error);
  bool encodeAudioFrame(std::string* error);

  Settings settings_;
  std::vector<std::unique_ptr<PacketMuxer>> muxers_;
  AVCodecContext* video_ = nullptr;
  AVCodecContext* audio_ = nullptr;
  AVFrame* videoFrame_ = nullptr;
  AVFrame* audioFrame_ = nullptr;
  AVPacket* packet_ = nullptr;
  std::vector<float> pendingAudio_;  // interleaved, less than one AAC frame
  std::int64_t lastVideoPtsMs_ = -1;
  std::uint64_t videoFrames_ = 0;
  std::uint64_t audioSamples_ = 0;  // handed to the AAC encoder
  bool finished_ = true;            // until create() has started everything
  bool failed_ = false;
};

}  // namespace parley::record
