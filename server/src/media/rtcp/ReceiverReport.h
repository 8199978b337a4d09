#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "media/rtcp/ReportBlock.h"

namespace parley::media::rtcp {

// RTCP RR, packet type 201 (RFC 3550 §6.4.2): reporter SSRC plus RC report blocks.
class ReceiverReport {
 public:
  static constexpr size_t kMinSize = 8;

  static std::optional<ReceiverReport> parse(const uint8_t* data, size_t size);
  // Returns the size written, or 0 if it does not fit or there are more than 31 blocks.
  static size_t build(uint8_t* out, size_t capacity, uint32_t ssrc,
                      std::span<const ReportBlock> blocks);

  uint32_t ssrc() const;
  size_t reportCount() const { return count_; }
  ReportBlock reportBlock(size_t index) const;  // index < reportCount()

 private:
  explicit ReceiverReport(const uint8_t* data, size_t count) : data_(data), count_(count) {}
  const uint8_t* data_;
  size_t count_;
};

}  // namespace parley::media::rtcp
