#include "media/rtcp/ReportBlock.h"

#include <algorithm>

#include "media/ByteOrder.h"

namespace parley::media::rtcp {

ReportBlock ReportBlock::read(const uint8_t* p) {
  ReportBlock b;
  b.ssrc = ByteOrder::read32(p);
  b.fractionLost = p[4];
  const uint32_t lost = ByteOrder::read24(p + 5);
  b.cumulativeLost =
      (lost & 0x800000u) != 0 ? static_cast<int32_t>(lost) - 0x1000000 : static_cast<int32_t>(lost);
  b.highestSequence = ByteOrder::read32(p + 8);
  b.jitter = ByteOrder::read32(p + 12);
  b.lastSenderReport = ByteOrder::read32(p + 16);
  b.delaySinceLastSenderReport = ByteOrder::read32(p + 20);
  return b;
}

void ReportBlock::write(uint8_t* p) const {
  ByteOrder::write32(p, ssrc);
  p[4] = fractionLost;
  const int32_t lost = std::clamp<int32_t>(cumulativeLost, -0x800000, 0x7FFFFF);
  ByteOrder::write24(p + 5, static_cast<uint32_t>(lost) & 0xFFFFFFu);
  ByteOrder::write32(p + 8, highestSequence);
  ByteOrder::write32(p + 12, jitter);
  ByteOrder::write32(p + 16, lastSenderReport);
  ByteOrder::write32(p + 20, delaySinceLastSenderReport);
}

}  // namespace parley::media::rtcp
