#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace parley::media::rtcp {

// Full Intra Request, PSFB (206) FMT 4 (RFC 5104 §4.3.1). The media SSRC field is unused
// (zero); each 8-byte FCI entry names the SSRC asked for a key frame and a sequence number.
class Fir {
 public:
  static constexpr uint8_t kFmt = 4;
  static constexpr size_t kFixedSize = 12;
  static constexpr size_t kEntrySize = 8;

  struct Entry {
    uint32_t ssrc = 0;
    uint8_t sequenceNumber = 0;
  };

  static std::optional<Fir> parse(const uint8_t* data, size_t size);
  // One entry; returns the size written or 0 if it does not fit.
  static size_t build(uint8_t* out, size_t capacity, uint32_t senderSsrc, const Entry& entry);

  uint32_t senderSsrc() const;
  size_t entryCount() const { return entries_; }
  Entry entry(size_t index) const;  // index < entryCount()

 private:
  Fir(const uint8_t* data, size_t entries) : data_(data), entries_(entries) {}
  const uint8_t* data_;
  size_t entries_;
};

}  // namespace parley::media::rtcp
