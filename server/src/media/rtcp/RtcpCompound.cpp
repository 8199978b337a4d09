#include "media/rtcp/RtcpCompound.h"

namespace parley::media::rtcp {

std::optional<RtcpCompound::Packet> RtcpCompound::next() {
  if (malformed_ || data_ == nullptr || pos_ >= size_) return std::nullopt;
  const auto header = RtcpHeader::parse(data_ + pos_, size_ - pos_);
  if (!header) {
    malformed_ = true;
    return std::nullopt;
  }
  Packet p{*header, data_ + pos_, header->packetSize()};
  pos_ += header->packetSize();
  return p;
}

bool RtcpCompound::isValid(const uint8_t* data, size_t size) {
  if (data == nullptr || size == 0) return false;
  RtcpCompound c(data, size);
  while (c.next()) {
  }
  return !c.malformed();
}

}  // namespace parley::media::rtcp
