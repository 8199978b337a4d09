#pragma once

#include <string>

struct AVCodecContext;
struct AVFormatContext;
struct AVPacket;
struct AVStream;

namespace parley::record {

// The video and audio tracks a composition's encoders feed in one libavformat output (an MP4
// file, an HLS stream), and the writing of their packets: what Mp4FileMuxer and HlsMuxer share.
class MuxedTracks {
 public:
  MuxedTracks() = default;
  ~MuxedTracks();
  MuxedTracks(const MuxedTracks&) = delete;
  MuxedTracks& operator=(const MuxedTracks&) = delete;

  // Adds a track per encoder given (either may be null) to `format`, video at 90 kHz and audio
  // at its sample rate. False, with `error`, when a track cannot be added.
  bool add(AVFormatContext* format, const AVCodecContext* video, const AVCodecContext* audio,
           std::string* error);
  // Writes `packet` (timestamps in its encoder's time base; it stays the caller's), interleaved
  // with the other track's. True when written, or when there is no such track.
  bool write(const AVPacket& packet, bool video, const char* what, std::string* error);

 private:
  AVFormatContext* format_ = nullptr;
  AVStream* videoStream_ = nullptr;
  AVStream* audioStream_ = nullptr;
  const AVCodecContext* video_ = nullptr;
  const AVCodecContext* audio_ = nullptr;
  AVPacket* scratch_ = nullptr;
};

}  // namespace parley::record
