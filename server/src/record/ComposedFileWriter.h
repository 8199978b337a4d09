#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "record/Picture.h"

struct AVCodecContext;
struct AVFormatContext;
struct AVFrame;
struct AVPacket;
struct AVStream;

namespace parley::record {

// Encodes the composer's output, H.264 (libx264) and AAC with libavcodec, into a fragmented
// MP4 (libavformat), the one place composed media is encoded. Fragments are cut at every
// keyframe (one a second) and flushed as they are written, so a process killed mid-recording leaves
// a file that plays up to the last whole fragment; finalize() then turns it into an ordinary MP4
// with its index up front (what OpenTok delivers, and what players start quickly). Not thread-safe:
// one composer thread per file.
class ComposedFileWriter {
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

  // Null, with `error`, when the file cannot be created or an encoder cannot open.
  static std::unique_ptr<ComposedFileWriter> create(const std::string& path, Settings settings,
                                                    std::string* error);
  ~ComposedFileWriter();
  ComposedFileWriter(const ComposedFileWriter&) = delete;
  ComposedFileWriter& operator=(const ComposedFileWriter&) = delete;

  // One picture (the settings' size) shown from `ptsMs` on; times increase.
  bool writeVideo(const Picture& picture, std::int64_t ptsMs, std::string* error);
  // Stereo 48 kHz samples (interleaved L R) that follow the previous ones without a gap.
  bool writeAudio(std::span<const float> samples, std::string* error);
  // Drains the encoders and closes the file. Idempotent.
  bool finish(std::string* error);

  std::uint64_t videoFrames() const { return videoFrames_; }
  std::uint64_t audioSamples() const { return audioSamples_; }

  // Copies the fragmented MP4 at `from` (whole, or cut off by a crash: what it holds up to the
  // last readable packet) into an MP4 at `to` with the index first, written to `to`.partial
  // and renamed into place. `durationMs`: how far its packets reach. False, with `error` and
  // nothing at `to`, when `from` holds no packet or the copy fails.
  static bool finalize(const std::string& from, const std::string& to, std::int64_t* durationMs,
                       std::string* error);

 private:
  ComposedFileWriter() = default;
  bool openVideo(std::string* error);
  bool openAudio(std::string* error);
  // Sends `frame` (null: drain) to `codec` and writes what comes out to `stream`.
  bool encode(AVCodecContext* codec, AVStream* stream, AVFrame* frame, std::string* error);
  bool encodeAudioFrame(std::string* error);

  Settings settings_;
  AVFormatContext* format_ = nullptr;
  AVCodecContext* video_ = nullptr;
  AVCodecContext* audio_ = nullptr;
  AVStream* videoStream_ = nullptr;
  AVStream* audioStream_ = nullptr;
  AVFrame* videoFrame_ = nullptr;
  AVFrame* audioFrame_ = nullptr;
  AVPacket* packet_ = nullptr;
  std::vector<float> pendingAudio_;  // interleaved, less than one AAC frame
  std::int64_t lastVideoPtsMs_ = -1;
  std::uint64_t videoFrames_ = 0;
  std::uint64_t audioSamples_ = 0;  // handed to the AAC encoder
  bool finished_ = false;
  bool failed_ = false;
};

}  // namespace parley::record
