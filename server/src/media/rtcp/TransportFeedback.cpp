#include "media/rtcp/TransportFeedback.h"

#include <algorithm>

#include "media/ByteOrder.h"
#include "media/rtcp/RtcpHeader.h"

namespace parley::media::rtcp {

namespace {

// Symbols a chunk carries (before capping at the remaining status count).
size_t chunkSymbols(uint16_t chunk) {
  if ((chunk & 0x8000) == 0) return chunk & 0x1FFF;
  return (chunk & 0x4000) == 0 ? 14 : 7;
}

unsigned chunkSymbol(uint16_t chunk, size_t index) {
  if ((chunk & 0x8000) == 0) return (chunk >> 13) & 0x3;
  if ((chunk & 0x4000) == 0) return (chunk >> (13 - index)) & 0x1;
  return (chunk >> (12 - 2 * index)) & 0x3;
}

}  // namespace

std::optional<TransportFeedback> TransportFeedback::parse(const uint8_t* data, size_t size) {
  const auto h = RtcpHeader::parse(data, size);
  if (!h || h->packetType() != RtcpHeader::kRtpFeedback || h->count() != kFmt)
    return std::nullopt;
  const size_t end = h->contentSize();
  if (end < kFixedSize) return std::nullopt;
  size_t remaining = ByteOrder::read16(data + 14);
  size_t pos = kFixedSize;
  size_t deltaBytes = 0;
  size_t received = 0;
  while (remaining > 0) {
    if (end - pos < 2) return std::nullopt;
    const uint16_t chunk = ByteOrder::read16(data + pos);
    pos += 2;
    const size_t n = std::min(chunkSymbols(chunk), remaining);
    if ((chunk & 0x8000) == 0) {
      const unsigned symbol = chunkSymbol(chunk, 0);
      if (symbol == 3 && n > 0) return std::nullopt;
      deltaBytes += symbol * n;
      if (symbol != 0) received += n;
    } else {
      for (size_t i = 0; i < n; ++i) {
        const unsigned symbol = chunkSymbol(chunk, i);
        if (symbol == 3) return std::nullopt;
        deltaBytes += symbol;
        if (symbol != 0) ++received;
      }
    }
    remaining -= n;
  }
  if (deltaBytes > end - pos) return std::nullopt;
  return TransportFeedback(data, pos, received);
}

uint32_t TransportFeedback::senderSsrc() const { return ByteOrder::read32(data_ + 4); }
uint32_t TransportFeedback::mediaSsrc() const { return ByteOrder::read32(data_ + 8); }
uint16_t TransportFeedback::baseSequenceNumber() const { return ByteOrder::read16(data_ + 12); }
uint16_t TransportFeedback::packetStatusCount() const { return ByteOrder::read16(data_ + 14); }
uint8_t TransportFeedback::feedbackPacketCount() const { return data_[19]; }

int32_t TransportFeedback::referenceTime() const {
  const uint32_t raw = ByteOrder::read24(data_ + 16);
  return (raw & 0x800000u) != 0 ? static_cast<int32_t>(raw) - 0x1000000
                                : static_cast<int32_t>(raw);
}

TransportFeedback::Cursor::Cursor(const TransportFeedback& fb)
    : data_(fb.data_),
      chunkPos_(kFixedSize),
      deltaPos_(fb.deltaPos_),
      remaining_(fb.packetStatusCount()),
      seq_(fb.baseSequenceNumber()) {}

bool TransportFeedback::Cursor::next(Packet& packet) {
  while (remaining_ > 0 && inChunk_ == 0) {  // parse() guaranteed the chunks are there
    chunk_ = ByteOrder::read16(data_ + chunkPos_);
    chunkPos_ += 2;
    inChunk_ = std::min(chunkSymbols(chunk_), remaining_);
    index_ = 0;
  }
  if (remaining_ == 0) return false;
  const unsigned symbol = chunkSymbol(chunk_, index_);
  ++index_;
  --inChunk_;
  --remaining_;
  packet.sequenceNumber = seq_++;
  packet.received = symbol != 0;
  packet.deltaTicks = 0;
  if (symbol == 1) {
    packet.deltaTicks = data_[deltaPos_];
    deltaPos_ += 1;
  } else if (symbol == 2) {
    packet.deltaTicks = static_cast<int16_t>(ByteOrder::read16(data_ + deltaPos_));
    deltaPos_ += 2;
  }
  return true;
}

}  // namespace parley::media::rtcp
