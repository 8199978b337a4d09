#pragma once

#include <cstddef>
#include <cstdint>

namespace parley::media::rtcp {

// One reception report block of an SR or RR (RFC 3550 §6.4.1), 24 bytes.
class ReportBlock {
 public:
  static constexpr size_t kSize = 24;

  static ReportBlock read(const uint8_t* p);  // p has kSize bytes
  void write(uint8_t* p) const;               // cumulativeLost is clamped to 24 bits

  uint32_t ssrc = 0;
  uint8_t fractionLost = 0;
  int32_t cumulativeLost = 0;  // signed 24-bit on the wire
  uint32_t highestSequence = 0;
  uint32_t jitter = 0;
  uint32_t lastSenderReport = 0;
  uint32_t delaySinceLastSenderReport = 0;
};

}  // namespace parley::media::rtcp
