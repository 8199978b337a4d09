#include "media/rtcp/Pli.h"

#include "media/ByteOrder.h"
#include "media/rtcp/RtcpHeader.h"

namespace parley::media::rtcp {

std::optional<Pli> Pli::parse(const uint8_t* data, size_t size) {
  const auto h = RtcpHeader::parse(data, size);
  if (!h || h->packetType() != RtcpHeader::kPayloadFeedback || h->count() != kFmt)
    return std::nullopt;
  if (h->contentSize() < kSize) return std::nullopt;
  return Pli(ByteOrder::read32(data + 4), ByteOrder::read32(data + 8));
}

size_t Pli::build(uint8_t* out, size_t capacity, uint32_t senderSsrc, uint32_t mediaSsrc) {
  if (out == nullptr || capacity < kSize) return 0;
  RtcpHeader::write(out, kFmt, RtcpHeader::kPayloadFeedback, kSize);
  ByteOrder::write32(out + 4, senderSsrc);
  ByteOrder::write32(out + 8, mediaSsrc);
  return kSize;
}

}  // namespace parley::media::rtcp
