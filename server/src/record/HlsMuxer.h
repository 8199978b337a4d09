#pragma once

#include <string>

#include "record/MuxedTracks.h"
#include "record/PacketMuxer.h"

struct AVFormatContext;

namespace parley::record {

// A live broadcast's HLS stream (libavformat's HLS muxer): MPEG-TS segments and a playlist,
// kPlaylistName, written into a directory that parleyd serves. Segments are kSegmentSeconds
// long (kLowLatencySegmentSeconds with lowLatency); the playlist keeps the last kLiveSegments
// and removes older segments, or with `dvr` keeps every segment (an event playlist, so a
// viewer can seek back to the start). finish() ends the playlist (EXT-X-ENDLIST).
class HlsMuxer final : public PacketMuxer {
 public:
  struct Settings {
    std::string directory;  // created if missing
    bool dvr = false;
    bool lowLatency = false;
  };
  static constexpr const char* kPlaylistName = "playlist.m3u8";
  static constexpr int kSegmentSeconds = 2;
  static constexpr int kLowLatencySegmentSeconds = 1;
  static constexpr int kLiveSegments = 6;

  explicit HlsMuxer(Settings settings) : settings_(std::move(settings)) {}
  ~HlsMuxer() override;

  bool start(const AVCodecContext* video, const AVCodecContext* audio, std::string* error) override;
  bool write(const AVPacket& packet, bool video, std::string* error) override;
  bool finish(std::string* error) override;

 private:
  Settings settings_;
  AVFormatContext* format_ = nullptr;
  MuxedTracks tracks_;
  bool started_ = false;
  bool finished_ = false;
};

}  // namespace parley::record
