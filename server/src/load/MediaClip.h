#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "load/ClipCodec.h"
#include "load/ClipFrame.h"

namespace parley::load {

// The frames of one encoded file, loaded whole into memory so that a load generator can loop
// them without touching the disk: VP8 from IVF, H.264 from an Annex B elementary stream (one
// frame per access unit), Opus from Ogg (one frame per packet). The bytes are treated as
// untrusted: anything malformed, truncated where it can be told, or without a keyframe is
// refused with an error rather than played.
class MediaClip {
 public:
  // Reads the file at `path`. `frameRate` only matters for H.264, whose raw stream carries no
  // reliable timing. On failure, nullopt and a reason in *error (when error is not null).
  static std::optional<MediaClip> load(const std::string& path, ClipCodec codec, std::string* error,
                                       double frameRate = 30);
  // The same from bytes already in memory.
  static std::optional<MediaClip> parse(std::span<const uint8_t> bytes, ClipCodec codec,
                                        std::string* error, double frameRate = 30);

  ClipCodec codec() const { return codec_; }
  const std::vector<ClipFrame>& frames() const { return frames_; }
  uint32_t clockRate() const { return codec_ == ClipCodec::Opus ? 48000 : 90000; }
  uint16_t width() const { return width_; }  // 0 for audio, or when the stream does not say
  uint16_t height() const { return height_; }
  // Index of the first keyframe at or after `from`, wrapping to the start (every clip has one).
  size_t nextKeyframe(size_t from) const;
  // Sum of the frame durations, in clockRate() ticks.
  uint64_t totalDuration() const;

  // Samples at 48 kHz in an Opus packet, from its TOC byte and frame count (RFC 6716 section
  // 3.1); 0 when it is not a valid Opus packet (empty, bad frame count, over 120 ms).
  static uint32_t opusPacketSamples(std::span<const uint8_t> packet);

  // Files larger than this are refused: a clip is seconds of media, not a movie.
  static constexpr size_t kMaxFileSize = 256u << 20;

 private:
  explicit MediaClip(ClipCodec codec) : codec_(codec) {}

  bool parseIvf(std::span<const uint8_t> bytes, std::string& error);
  bool parseAnnexB(std::span<const uint8_t> bytes, double frameRate, std::string& error);
  bool parseOgg(std::span<const uint8_t> bytes, std::string& error);

  ClipCodec codec_;
  std::vector<ClipFrame> frames_;
  uint16_t width_ = 0;
  uint16_t height_ = 0;
};

}  // namespace parley::load
