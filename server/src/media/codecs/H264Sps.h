#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace parley::media::codecs {

// The parts of an H.264 sequence parameter set (ITU-T H.264 §7.3.2.1.1) that a container
// needs: profile, level and the picture size after cropping. RTP carries no picture size,
// so a recorder reads it here. Emulation-prevention bytes are skipped while reading (no
// copy, no allocation); every read is bounded by the buffer.
class H264Sps {
 public:
  // The largest picture side accepted, in pixels: far beyond any level's limit, small enough
  // that no arithmetic on it can overflow.
  static constexpr int kMaxSide = 16384;

  // `nal`: the whole SPS NAL unit, its one-byte header (type 7) first, without a start code.
  // nullopt when it is not an SPS, is cut short or states values outside the standard.
  static std::optional<H264Sps> parse(const std::uint8_t* nal, std::size_t size);

  std::uint8_t profileIdc() const { return profileIdc_; }
  std::uint8_t constraintFlags() const { return constraintFlags_; }
  std::uint8_t levelIdc() const { return levelIdc_; }
  unsigned chromaFormatIdc() const { return chromaFormatIdc_; }
  bool frameMbsOnly() const { return frameMbsOnly_; }
  int width() const { return width_; }  // cropped, in pixels
  int height() const { return height_; }

 private:
  H264Sps() = default;

  std::uint8_t profileIdc_ = 0;
  std::uint8_t constraintFlags_ = 0;
  std::uint8_t levelIdc_ = 0;
  unsigned chromaFormatIdc_ = 1;
  bool frameMbsOnly_ = true;
  int width_ = 0;
  int height_ = 0;
};

}  // namespace parley::media::codecs
