#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "record/TrackFormat.h"

struct AVFormatContext;

namespace parley::record {

// Writes encoded frames (no transcoding) to a Matroska file: WebM for VP8/VP9 and Opus,
// plain Matroska when H.264 is in it (its frames are access units in Annex B form, the
// first keyframe carrying SPS and PPS, which become the track's codec private data). The
// one place, with MediaFileReader, that uses FFmpeg's libavformat.
//
// Crash safety: Matroska builds each cluster in memory and writes it whole, so clusters
// are kept to half a second and each is flushed to the file as it is written. A process
// killed mid-recording leaves a file that plays up to the last whole cluster (losing at
// most the last half second); finish() adds the index and the duration.
//
// The header needs every video track's size: when the caller does not know it (RTP does
// not carry it), it is read from the track's first keyframe (VP8's frame header, H.264's
// SPS); frames of other tracks that come before wait in memory (up to kMaxWaitingBytes,
// then the oldest are dropped).
//
// Not thread-safe: one recorder thread per file.
class MediaFileWriter {
 public:
  // Opens `path` (created or truncated) for these tracks. Null, with `error` set, when the
  // file cannot be created or the formats cannot go into the container.
  static std::unique_ptr<MediaFileWriter> create(const std::string& path,
                                                 std::vector<TrackFormat> tracks,
                                                 std::string* error);
  ~MediaFileWriter();
  MediaFileWriter(const MediaFileWriter&) = delete;
  MediaFileWriter& operator=(const MediaFileWriter&) = delete;

  static constexpr std::size_t kMaxWaitingBytes = 4 * 1024 * 1024;
  // The picture size a file states when its video track never had a keyframe.
  static constexpr int kNominalWidth = 640;
  static constexpr int kNominalHeight = 480;

  // One frame of `track`, presented at `ptsMs` from the file's start (non-decreasing per
  // track). Video frames before the track's first keyframe are dropped (a file must start
  // decodable); so are frames after an error. False, with `error` set, on a write failure
  // (disk full, say): the file then keeps what was written. A frame kept waiting for the
  // header counts as written.
  bool write(std::size_t track, std::int64_t ptsMs, bool keyframe,
             std::span<const std::uint8_t> frame, std::string* error);
  // Writes the index and closes the file. Idempotent. Frames still waiting for a video
  // track's first keyframe (audio) are written first, under a nominal picture size.
  bool finish(std::string* error);

  std::uint64_t framesWritten() const { return framesWritten_; }
  std::uint64_t bytesWritten() const { return bytesWritten_; }

 private:
  struct Waiting {
    std::size_t track;
    std::int64_t ptsMs;
    bool keyframe;
    std::vector<std::uint8_t> data;
  };

  MediaFileWriter() = default;
  bool start(std::string* error);
  bool writeNow(std::size_t track, std::int64_t ptsMs, bool keyframe,
                std::span<const std::uint8_t> frame, std::string* error);

  std::string path_;
  std::vector<TrackFormat> tracks_;
  std::vector<std::int64_t> lastPts_;
  std::vector<bool> keyed_;  // video: its first keyframe was taken
  AVFormatContext* context_ = nullptr;
  bool headerWritten_ = false;
  std::deque<Waiting> waiting_;  // frames that came before the header could be written
  std::size_t waitingBytes_ = 0;
  bool finished_ = false;
  bool failed_ = false;
  std::uint64_t framesWritten_ = 0;
  std::uint64_t bytesWritten_ = 0;
};

}  // namespace parley::record
