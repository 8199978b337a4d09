#include "media/rtcp/Bye.h"

#include <cstring>

#include "media/ByteOrder.h"
#include "media/rtcp/RtcpHeader.h"

namespace parley::media::rtcp {

std::optional<Bye> Bye::parse(const uint8_t* data, size_t size) {
  const auto h = RtcpHeader::parse(data, size);
  if (!h || h->packetType() != RtcpHeader::kBye) return std::nullopt;
  const size_t end = h->contentSize();
  const size_t ssrcEnd = RtcpHeader::kSize + 4 * static_cast<size_t>(h->count());
  if (end < ssrcEnd) return std::nullopt;
  Bye bye(data, h->count());
  if (end > ssrcEnd) {
    const size_t len = data[ssrcEnd];
    if (len > end - ssrcEnd - 1) return std::nullopt;
    bye.reason_ = std::string_view(reinterpret_cast<const char*>(data + ssrcEnd + 1), len);
  }
  return bye;
}

uint32_t Bye::ssrc(size_t index) const {
  if (index >= count_) return 0;
  return ByteOrder::read32(data_ + RtcpHeader::kSize + 4 * index);
}

size_t Bye::build(uint8_t* out, size_t capacity, std::span<const uint32_t> ssrcs,
                  std::string_view reason) {
  if (out == nullptr || ssrcs.size() > 31 || reason.size() > 255) return 0;
  const size_t ssrcEnd = RtcpHeader::kSize + 4 * ssrcs.size();
  const size_t unpadded = reason.empty() ? ssrcEnd : ssrcEnd + 1 + reason.size();
  const size_t total = (unpadded + 3) & ~static_cast<size_t>(3);
  if (capacity < total) return 0;
  RtcpHeader::write(out, static_cast<uint8_t>(ssrcs.size()), RtcpHeader::kBye, total);
  for (size_t i = 0; i < ssrcs.size(); ++i)
    ByteOrder::write32(out + RtcpHeader::kSize + 4 * i, ssrcs[i]);
  if (!reason.empty()) {
    out[ssrcEnd] = static_cast<uint8_t>(reason.size());
    std::memcpy(out + ssrcEnd + 1, reason.data(), reason.size());
    std::memset(out + unpadded, 0, total - unpadded);
  }
  return total;
}

}  // namespace parley::media::rtcp
