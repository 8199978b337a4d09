#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace parley::media::rtcp {

// Generic NACK, RTPFB (205) FMT 1 (RFC 4585 §6.2.1). Each FCI entry is a packet id (PID)
// and a bitmask of the 16 following lost packets (BLP).
class GenericNack {
 public:
  static constexpr uint8_t kFmt = 1;
  static constexpr size_t kFixedSize = 12;  // header + sender SSRC + media SSRC
  static constexpr size_t kMaxLostPerEntry = 17;

  static std::optional<GenericNack> parse(const uint8_t* data, size_t size);
  // Packs `count` lost sequence numbers, given in increasing (wrapping) order, into
  // PID/BLP entries. Returns the size written, or 0 if it does not fit or count is 0.
  static size_t build(uint8_t* out, size_t capacity, uint32_t senderSsrc, uint32_t mediaSsrc,
                      const uint16_t* lost, size_t count);

  uint32_t senderSsrc() const;
  uint32_t mediaSsrc() const;
  size_t entryCount() const { return entries_; }
  uint16_t pid(size_t index) const;  // index < entryCount()
  uint16_t blp(size_t index) const;
  // Writes up to `capacity` lost sequence numbers (PID, then each BLP bit in order) and
  // returns how many were written.
  size_t lostSequenceNumbers(uint16_t* out, size_t capacity) const;

 private:
  GenericNack(const uint8_t* data, size_t entries) : data_(data), entries_(entries) {}
  const uint8_t* data_;
  size_t entries_;
};

}  // namespace parley::media::rtcp
