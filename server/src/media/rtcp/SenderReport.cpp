#include "media/rtcp/SenderReport.h"

#include "media/ByteOrder.h"
#include "media/rtcp/RtcpHeader.h"

namespace parley::media::rtcp {

std::optional<SenderReport> SenderReport::parse(const uint8_t* data, size_t size) {
  const auto h = RtcpHeader::parse(data, size);
  if (!h || h->packetType() != RtcpHeader::kSenderReport) return std::nullopt;
  if (h->contentSize() < kMinSize + ReportBlock::kSize * h->count()) return std::nullopt;
  return SenderReport(data, h->count());
}

SenderReport::Info SenderReport::info() const {
  Info i;
  i.ssrc = ByteOrder::read32(data_ + 4);
  i.ntpTimestamp = ByteOrder::read64(data_ + 8);
  i.rtpTimestamp = ByteOrder::read32(data_ + 16);
  i.packetCount = ByteOrder::read32(data_ + 20);
  i.octetCount = ByteOrder::read32(data_ + 24);
  return i;
}

ReportBlock SenderReport::reportBlock(size_t index) const {
  if (index >= count_) return {};
  return ReportBlock::read(data_ + kMinSize + ReportBlock::kSize * index);
}

size_t SenderReport::build(uint8_t* out, size_t capacity, const Info& info,
                           std::span<const ReportBlock> blocks) {
  if (out == nullptr || blocks.size() > 31) return 0;
  const size_t total = kMinSize + ReportBlock::kSize * blocks.size();
  if (capacity < total) return 0;
  RtcpHeader::write(out, static_cast<uint8_t>(blocks.size()), RtcpHeader::kSenderReport, total);
  ByteOrder::write32(out + 4, info.ssrc);
  ByteOrder::write64(out + 8, info.ntpTimestamp);
  ByteOrder::write32(out + 16, info.rtpTimestamp);
  ByteOrder::write32(out + 20, info.packetCount);
  ByteOrder::write32(out + 24, info.octetCount);
  for (size_t i = 0; i < blocks.size(); ++i)
    blocks[i].write(out + kMinSize + ReportBlock::kSize * i);
  return total;
}

}  // namespace parley::media::rtcp
