#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "record/TrackFormat.h"

struct AVFormatContext;

namespace parley::record {

// Reads the encoded frames of a media file in file order, without decoding: for tests
// that feed real VP8/Opus through the recorder, and for tools that replay a clip.
// FFmpeg's libavformat, as MediaFileWriter.
class MediaFileReader {
 public:
  struct Frame {
    std::size_t track = 0;
    std::int64_t ptsMs = 0;
    bool keyframe = false;
    std::vector<std::uint8_t> data;
  };

  // Null, with `error` set, when the file cannot be opened or holds a codec other than
  // those of TrackFormat (such tracks are skipped if others remain).
  static std::unique_ptr<MediaFileReader> open(const std::string& path, std::string* error);
  ~MediaFileReader();
  MediaFileReader(const MediaFileReader&) = delete;
  MediaFileReader& operator=(const MediaFileReader&) = delete;

  const std::vector<TrackFormat>& tracks() const { return tracks_; }
  // The next frame of a known track; nullopt at the end or on a read error.
  std::optional<Frame> next();

 private:
  MediaFileReader() = default;

  AVFormatContext* context_ = nullptr;
  std::vector<TrackFormat> tracks_;
  std::vector<int> trackOfStream_;  // -1: skipped
};

}  // namespace parley::record
