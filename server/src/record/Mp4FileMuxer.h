#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "record/MuxedTracks.h"
#include "record/PacketMuxer.h"

struct AVFormatContext;

namespace parley::record {

// A composed archive's file: fragmented MP4 (libavformat), a fragment at each keyframe, each
// flushed as it is written, so a process killed mid-recording leaves a file that plays up to
// the last whole fragment; finalize() then turns it into an ordinary MP4 with its index up
// front (what OpenTok delivers, and what players start quickly).
class Mp4FileMuxer final : public PacketMuxer {
 public:
  explicit Mp4FileMuxer(std::string path) : path_(std::move(path)) {}
  ~Mp4FileMuxer() override;

  bool start(const AVCodecContext* video, const AVCodecContext* audio, std::string* error) override;
  bool write(const AVPacket& packet, bool video, std::string* error) override;
  bool finish(std::string* error) override;

  // Copies the fragmented MP4 at `from` (whole, or cut off by a crash: what it holds up to the
  // last readable packet) into an MP4 at `to` with the index first, written to `to`.partial
  // and renamed into place. `durationMs`: how far its packets reach. False, with `error` and
  // nothing at `to`, when `from` holds no packet or the copy fails.
  static bool finalize(const std::string& from, const std::string& to, std::int64_t* durationMs,
                       std::string* error);

 private:
  std::string path_;
  AVFormatContext* format_ = nullptr;
  MuxedTracks tracks_;
  bool started_ = false;
  bool finished_ = false;
};

}  // namespace parley::record
