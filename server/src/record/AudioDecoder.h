#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

struct AVCodecContext;
struct AVFrame;
struct AVPacket;

namespace parley::record {

// Decodes Opus frames into 48 kHz stereo float samples (interleaved L R), the composer's mix
// format, with libavcodec. A mono stream is copied to both channels. A frame that does not
// decode is counted and gives nothing (the mix plays silence there). Not thread-safe.
class AudioDecoder {
 public:
  static constexpr int kSampleRate = 48000;

  // Null, with `error`, when libavcodec has no Opus decoder.
  static std::unique_ptr<AudioDecoder> create(int channels, std::string* error);
  ~AudioDecoder();
  AudioDecoder(const AudioDecoder&) = delete;
  AudioDecoder& operator=(const AudioDecoder&) = delete;

  // Appends the frame's samples to `out` (stereo pairs); how many pairs it appended.
  std::size_t decode(std::span<const std::uint8_t> frame, std::vector<float>& out);

  std::uint64_t errors() const { return errors_; }

 private:
  AudioDecoder() = default;
  void append(const AVFrame& frame, std::vector<float>& out);

  AVCodecContext* context_ = nullptr;
  AVFrame* frame_ = nullptr;
  AVPacket* packet_ = nullptr;
  std::uint64_t errors_ = 0;
};

}  // namespace parley::record
