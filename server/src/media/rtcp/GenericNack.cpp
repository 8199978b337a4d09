#include "media/rtcp/GenericNack.h"

#include "media/ByteOrder.h"
#include "media/rtcp/RtcpHeader.h"

namespace parley::media::rtcp {

std::optional<GenericNack> GenericNack::parse(const uint8_t* data, size_t size) {
  const auto h = RtcpHeader::parse(data, size);
  if (!h || h->packetType() != RtcpHeader::kRtpFeedback || h->count() != kFmt) return std::nullopt;
  if (h->contentSize() < kFixedSize + 4) return std::nullopt;
  return GenericNack(data, (h->contentSize() - kFixedSize) / 4);
}

uint32_t GenericNack::senderSsrc() const {
  return ByteOrder::read32(data_ + 4);
}
uint32_t GenericNack::mediaSsrc() const {
  return ByteOrder::read32(data_ + 8);
}

uint16_t GenericNack::pid(size_t index) const {
  if (index >= entries_) return 0;
  return ByteOrder::read16(data_ + kFixedSize + 4 * index);
}

uint16_t GenericNack::blp(size_t index) const {
  if (index >= entries_) return 0;
  return ByteOrder::read16(data_ + kFixedSize + 4 * index + 2);
}

size_t GenericNack::lostSequenceNumbers(uint16_t* out, size_t capacity) const {
  size_t n = 0;
  for (size_t e = 0; e < entries_; ++e) {
    const uint16_t p = pid(e);
    const uint16_t mask = blp(e);
    if (n == capacity) return n;
    out[n++] = p;
    for (unsigned bit = 0; bit < 16; ++bit) {
      if ((mask & (1u << bit)) == 0) continue;
      if (n == capacity) return n;
      out[n++] = static_cast<uint16_t>(p + bit + 1);
    }
  }
  return n;
}

size_t GenericNack::build(uint8_t* out, size_t capacity, uint32_t senderSsrc, uint32_t mediaSsrc,
                          const uint16_t* lost, size_t count) {
  if (out == nullptr || lost == nullptr || count == 0 || capacity < kFixedSize + 4) return 0;
  size_t pos = kFixedSize;
  size_t i = 0;
  while (i < count) {
    const uint16_t p = lost[i++];
    uint16_t mask = 0;
    while (i < count) {
      const auto diff = static_cast<uint16_t>(lost[i] - p);
      if (diff == 0) {  // duplicate
        ++i;
        continue;
      }
      if (diff > 16) break;
      mask = static_cast<uint16_t>(mask | (1u << (diff - 1)));
      ++i;
    }
    if (capacity - pos < 4 || pos + 4 > 4 * 65536) return 0;
    ByteOrder::write16(out + pos, p);
    ByteOrder::write16(out + pos + 2, mask);
    pos += 4;
  }
  RtcpHeader::write(out, kFmt, RtcpHeader::kRtpFeedback, pos);
  ByteOrder::write32(out + 4, senderSsrc);
  ByteOrder::write32(out + 8, mediaSsrc);
  return pos;
}

}  // namespace parley::media::rtcp
