#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace parley::media::rtcp {

// Picture Loss Indication, PSFB (206) FMT 1 (RFC 4585 §6.3.1); no FCI.
class Pli {
 public:
  static constexpr uint8_t kFmt = 1;
  static constexpr size_t kSize = 12;

  static std::optional<Pli> parse(const uint8_t* data, size_t size);
  static size_t build(uint8_t* out, size_t capacity, uint32_t senderSsrc, uint32_t mediaSsrc);

  uint32_t senderSsrc() const { return sender_; }
  uint32_t mediaSsrc() const { return media_; }

 private:
  Pli(uint32_t sender, uint32_t media) : sender_(sender), media_(media) {}
  uint32_t sender_;
  uint32_t media_;
};

}  // namespace parley::media::rtcp
