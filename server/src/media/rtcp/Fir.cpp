#include "media/rtcp/Fir.h"

#include "media/ByteOrder.h"
#include "media/rtcp/RtcpHeader.h"

namespace parley::media::rtcp {

std::optional<Fir> Fir::parse(const uint8_t* data, size_t size) {
  const auto h = RtcpHeader::parse(data, size);
  if (!h || h->packetType() != RtcpHeader::kPayloadFeedback || h->count() != kFmt)
    return std::nullopt;
  if (h->contentSize() < kFixedSize + kEntrySize) return std::nullopt;
  return Fir(data, (h->contentSize() - kFixedSize) / kEntrySize);
}

uint32_t Fir::senderSsrc() const {
  return ByteOrder::read32(data_ + 4);
}

Fir::Entry Fir::entry(size_t index) const {
  if (index >= entries_) return {};
  const uint8_t* p = data_ + kFixedSize + kEntrySize * index;
  return Entry{ByteOrder::read32(p), p[4]};
}

size_t Fir::build(uint8_t* out, size_t capacity, uint32_t senderSsrc, const Entry& entry) {
  const size_t total = kFixedSize + kEntrySize;
  if (out == nullptr || capacity < total) return 0;
  RtcpHeader::write(out, kFmt, RtcpHeader::kPayloadFeedback, total);
  ByteOrder::write32(out + 4, senderSsrc);
  ByteOrder::write32(out + 8, 0);
  ByteOrder::write32(out + 12, entry.ssrc);
  out[16] = entry.sequenceNumber;
  ByteOrder::write24(out + 17, 0);
  return total;
}

}  // namespace parley::media::rtcp
