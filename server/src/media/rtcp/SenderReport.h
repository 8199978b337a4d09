#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "media/rtcp/ReportBlock.h"

namespace parley::media::rtcp {

// RTCP SR, packet type 200 (RFC 3550 §6.4.1): sender info plus RC report blocks.
class SenderReport {
 public:
  static constexpr size_t kMinSize = 28;  // header + SSRC + 20 bytes of sender info

  struct Info {
    uint32_t ssrc = 0;
    uint64_t ntpTimestamp = 0;  // 32.32 fixed point
    uint32_t rtpTimestamp = 0;
    uint32_t packetCount = 0;
    uint32_t octetCount = 0;
  };

  static std::optional<SenderReport> parse(const uint8_t* data, size_t size);
  // Returns the size written, or 0 if it does not fit or there are more than 31 blocks.
  static size_t build(uint8_t* out, size_t capacity, const Info& info,
                      std::span<const ReportBlock> blocks);

  Info info() const;
  size_t reportCount() const { return count_; }
  ReportBlock reportBlock(size_t index) const;  // index < reportCount()

 private:
  explicit SenderReport(const uint8_t* data, size_t count) : data_(data), count_(count) {}
  const uint8_t* data_;
  size_t count_;
};

}  // namespace parley::media::rtcp
