#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace parley::media::rtcp {

// Receiver Estimated Maximum Bitrate, PSFB (206) FMT 15 (draft-alvestrand-rmcat-remb-03):
//   sender SSRC | media SSRC (0) | 'R' 'E' 'M' 'B' | num SSRC (8) | exp (6) | mantissa (18)
//   | SSRC feedback × num
// The bitrate in bits per second is mantissa << exp.
class Remb {
 public:
  static constexpr uint8_t kFmt = 15;
  static constexpr size_t kFixedSize = 20;

  static std::optional<Remb> parse(const uint8_t* data, size_t size);
  // Returns the size written, or 0 if it does not fit or there are more than 255 SSRCs.
  // Bitrates that need more than 18 bits of mantissa are rounded down.
  static size_t build(uint8_t* out, size_t capacity, uint32_t senderSsrc, uint64_t bitrate,
                      std::span<const uint32_t> ssrcs);

  uint32_t senderSsrc() const;
  uint64_t bitrate() const;
  size_t ssrcCount() const { return count_; }
  uint32_t ssrc(size_t index) const;  // index < ssrcCount()

 private:
  Remb(const uint8_t* data, size_t count) : data_(data), count_(count) {}
  const uint8_t* data_;
  size_t count_;
};

}  // namespace parley::media::rtcp
