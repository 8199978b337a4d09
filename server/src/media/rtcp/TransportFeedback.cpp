#include "media/rtcp/TransportFeedback.h"

#include <algorithm>
#include <cstdint>

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

// Status symbol for a packet, or 3 when its delta cannot be encoded.
unsigned symbolFor(const TransportFeedback::Packet& p) {
  if (!p.received) return 0;
  if (p.deltaTicks >= 0 && p.deltaTicks <= 255) return 1;
  if (p.deltaTicks >= INT16_MIN && p.deltaTicks <= INT16_MAX) return 2;
  return 3;
}

}  // namespace

size_t TransportFeedback::build(uint8_t* out, size_t capacity, const Header& header,
                                const Packet* packets, size_t count) {
  if (out == nullptr || packets == nullptr || count == 0 || count > 0xFFFF) return 0;
  if (header.referenceTime < -0x800000 || header.referenceTime > 0x7FFFFF) return 0;
  if (capacity < kFixedSize) return 0;
  size_t pos = kFixedSize;
  size_t i = 0;
  while (i < count) {
    const unsigned first = symbolFor(packets[i]);
    if (first == 3) return 0;
    size_t run = 1;
    while (i + run < count && run < 0x1FFF && symbolFor(packets[i + run]) == first) ++run;
    uint16_t chunk = 0;
    size_t used = 0;
    bool oneBit = true;
    for (size_t k = 0; k < 14 && i + k < count; ++k)
      if (symbolFor(packets[i + k]) > 1) oneBit = false;
    const size_t vectorCapacity = oneBit ? 14 : 7;
    if (run >= vectorCapacity || i + run == count) {
      chunk = static_cast<uint16_t>((first << 13) | run);
      used = run;
    } else {
      chunk = oneBit ? 0x8000 : 0xC000;
      for (size_t k = 0; k < vectorCapacity && i + k < count; ++k) {
        const unsigned s = symbolFor(packets[i + k]);
        if (s == 3) return 0;
        chunk = static_cast<uint16_t>(chunk | (oneBit ? s << (13 - k) : s << (12 - 2 * k)));
        ++used;
      }
    }
    if (capacity - pos < 2) return 0;
    ByteOrder::write16(out + pos, chunk);
    pos += 2;
    i += used;
  }
  for (size_t k = 0; k < count; ++k) {
    const unsigned s = symbolFor(packets[k]);
    if (s == 0) continue;
    if (capacity - pos < s) return 0;
    if (s == 1) {
      out[pos] = static_cast<uint8_t>(packets[k].deltaTicks);
    } else {
      ByteOrder::write16(out + pos, static_cast<uint16_t>(packets[k].deltaTicks));
    }
    pos += s;
  }
  const size_t total = (pos + 3) & ~static_cast<size_t>(3);
  if (capacity < total || total > 4 * 65536) return 0;
  for (; pos < total; ++pos) out[pos] = 0;
  RtcpHeader::write(out, kFmt, RtcpHeader::kRtpFeedback, total);
  ByteOrder::write32(out + 4, header.senderSsrc);
  ByteOrder::write32(out + 8, header.mediaSsrc);
  ByteOrder::write16(out + 12, header.baseSequenceNumber);
  ByteOrder::write16(out + 14, static_cast<uint16_t>(count));
  ByteOrder::write24(out + 16, static_cast<uint32_t>(header.referenceTime) & 0xFFFFFFu);
  out[19] = header.feedbackPacketCount;
  return total;
}

std::optional<TransportFeedback> TransportFeedback::parse(const uint8_t* data, size_t size) {
  const auto h = RtcpHeader::parse(data, size);
  if (!h || h->packetType() != RtcpHeader::kRtpFeedback || h->count() != kFmt) return std::nullopt;
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

uint32_t TransportFeedback::senderSsrc() const {
  return ByteOrder::read32(data_ + 4);
}
uint32_t TransportFeedback::mediaSsrc() const {
  return ByteOrder::read32(data_ + 8);
}
uint16_t TransportFeedback::baseSequenceNumber() const {
  return ByteOrder::read16(data_ + 12);
}
uint16_t TransportFeedback::packetStatusCount() const {
  return ByteOrder::read16(data_ + 14);
}
uint8_t TransportFeedback::feedbackPacketCount() const {
  return data_[19];
}

int32_t TransportFeedback::referenceTime() const {
  const uint32_t raw = ByteOrder::read24(data_ + 16);
  return (raw & 0x800000u) != 0 ? static_cast<int32_t>(raw) - 0x1000000 : static_cast<int32_t>(raw);
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
