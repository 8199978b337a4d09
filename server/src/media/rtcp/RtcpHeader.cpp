#include "media/rtcp/RtcpHeader.h"

#include "media/ByteOrder.h"

namespace parley::media::rtcp {

std::optional<RtcpHeader> RtcpHeader::parse(const uint8_t* data, size_t size) {
  if (data == nullptr || size < kSize) return std::nullopt;
  if ((data[0] >> 6) != 2) return std::nullopt;
  RtcpHeader h;
  h.padding_ = (data[0] & 0x20) != 0;
  h.count_ = data[0] & 0x1F;
  h.packetType_ = data[1];
  h.packetSize_ = (static_cast<size_t>(ByteOrder::read16(data + 2)) + 1) * 4;
  if (h.packetSize_ > size) return std::nullopt;
  h.contentSize_ = h.packetSize_;
  if (h.padding_) {
    const size_t pad = data[h.packetSize_ - 1];
    if (pad == 0 || pad > h.packetSize_ - kSize) return std::nullopt;
    h.contentSize_ -= pad;
  }
  return h;
}

void RtcpHeader::write(uint8_t* out, uint8_t count, uint8_t packetType, size_t packetSize) {
  out[0] = static_cast<uint8_t>(0x80 | (count & 0x1F));
  out[1] = packetType;
  ByteOrder::write16(out + 2, static_cast<uint16_t>(packetSize / 4 - 1));
}

}  // namespace parley::media::rtcp
