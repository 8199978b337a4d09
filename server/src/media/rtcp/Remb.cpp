#include "media/rtcp/Remb.h"

#include "media/ByteOrder.h"
#include "media/rtcp/RtcpHeader.h"

namespace parley::media::rtcp {

namespace {
constexpr uint32_t kUniqueId = 0x52454D42;  // "REMB"
constexpr uint64_t kMaxMantissa = (1u << 18) - 1;
}  // namespace

std::optional<Remb> Remb::parse(const uint8_t* data, size_t size) {
  const auto h = RtcpHeader::parse(data, size);
  if (!h || h->packetType() != RtcpHeader::kPayloadFeedback || h->count() != kFmt)
    return std::nullopt;
  if (h->contentSize() < kFixedSize) return std::nullopt;
  if (ByteOrder::read32(data + 12) != kUniqueId) return std::nullopt;
  const size_t count = data[16];
  if (h->contentSize() < kFixedSize + 4 * count) return std::nullopt;
  return Remb(data, count);
}

uint32_t Remb::senderSsrc() const {
  return ByteOrder::read32(data_ + 4);
}

uint64_t Remb::bitrate() const {
  const unsigned exp = data_[17] >> 2;  // 0..63
  const uint64_t mantissa = ByteOrder::read24(data_ + 17) & 0x3FFFF;
  if (mantissa == 0) return 0;
  // Saturate instead of overflowing for absurd exponents.
  if (exp >= 64 - 18 && (mantissa >> (64 - exp)) != 0) return UINT64_MAX;
  return mantissa << exp;
}

uint32_t Remb::ssrc(size_t index) const {
  if (index >= count_) return 0;
  return ByteOrder::read32(data_ + kFixedSize + 4 * index);
}

size_t Remb::build(uint8_t* out, size_t capacity, uint32_t senderSsrc, uint64_t bitrate,
                   std::span<const uint32_t> ssrcs) {
  if (out == nullptr || ssrcs.size() > 255) return 0;
  const size_t total = kFixedSize + 4 * ssrcs.size();
  if (capacity < total) return 0;
  unsigned exp = 0;
  while ((bitrate >> exp) > kMaxMantissa) ++exp;
  const auto mantissa = static_cast<uint32_t>(bitrate >> exp);
  RtcpHeader::write(out, kFmt, RtcpHeader::kPayloadFeedback, total);
  ByteOrder::write32(out + 4, senderSsrc);
  ByteOrder::write32(out + 8, 0);
  ByteOrder::write32(out + 12, kUniqueId);
  out[16] = static_cast<uint8_t>(ssrcs.size());
  ByteOrder::write24(out + 17, (exp << 18) | mantissa);
  for (size_t i = 0; i < ssrcs.size(); ++i) ByteOrder::write32(out + kFixedSize + 4 * i, ssrcs[i]);
  return total;
}

}  // namespace parley::media::rtcp
