#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace parley::media::rtcp {

// RTCP BYE, packet type 203 (RFC 3550 §6.6): SC SSRCs and an optional reason.
class Bye {
 public:
  static std::optional<Bye> parse(const uint8_t* data, size_t size);
  // Returns the size written, or 0 if it does not fit (at most 31 SSRCs, 255-byte reason).
  static size_t build(uint8_t* out, size_t capacity, std::span<const uint32_t> ssrcs,
                      std::string_view reason = {});

  size_t ssrcCount() const { return count_; }
  uint32_t ssrc(size_t index) const;  // index < ssrcCount()
  std::optional<std::string_view> reason() const { return reason_; }

 private:
  Bye(const uint8_t* data, size_t count) : data_(data), count_(count) {}
  const uint8_t* data_;
  size_t count_;
  std::optional<std::string_view> reason_;
};

}  // namespace parley::media::rtcp
