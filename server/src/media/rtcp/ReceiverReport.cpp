#include "media/rtcp/ReceiverReport.h"

#include "media/ByteOrder.h"
#include "media/rtcp/RtcpHeader.h"

namespace parley::media::rtcp {

std::optional<ReceiverReport> ReceiverReport::parse(const uint8_t* data, size_t size) {
  const auto h = RtcpHeader::parse(data, size);
  if (!h || h->packetType() != RtcpHeader::kReceiverReport) return std::nullopt;
  if (h->contentSize() < kMinSize + ReportBlock::kSize * h->count()) return std::nullopt;
  return ReceiverReport(data, h->count());
}

uint32_t ReceiverReport::ssrc() const {
  return ByteOrder::read32(data_ + 4);
}

ReportBlock ReceiverReport::reportBlock(size_t index) const {
  if (index >= count_) return {};
  return ReportBlock::read(data_ + kMinSize + ReportBlock::kSize * index);
}

size_t ReceiverReport::build(uint8_t* out, size_t capacity, uint32_t ssrc,
                             std::span<const ReportBlock> blocks) {
  if (out == nullptr || blocks.size() > 31) return 0;
  const size_t total = kMinSize + ReportBlock::kSize * blocks.size();
  if (capacity < total) return 0;
  RtcpHeader::write(out, static_cast<uint8_t>(blocks.size()), RtcpHeader::kReceiverReport, total);
  ByteOrder::write32(out + 4, ssrc);
  for (size_t i = 0; i < blocks.size(); ++i)
    blocks[i].write(out + kMinSize + ReportBlock::kSize * i);
  return total;
}

}  // namespace parley::media::rtcp
