#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace parley::media::rtcp {

// Transport-wide congestion control feedback, RTPFB (205) FMT 15
// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1):
//   sender SSRC | media SSRC | base sequence (16) | status count (16)
//   | reference time (24, signed, ×64 ms) | feedback packet count (8)
//   | packet chunks (16 bits each) | receive deltas (1 or 2 bytes each, ×250 µs)
// Chunks are run-length (bit 15 = 0: symbol in bits 14..13, run in 12..0) or status
// vectors (bit 15 = 1; bit 14 = 0: 14 one-bit symbols, 1: 7 two-bit symbols). Symbols:
// 0 not received, 1 received with a 1-byte unsigned delta, 2 received with a 2-byte
// signed delta; 3 is reserved and rejected.
class TransportFeedback {
 public:
  static constexpr uint8_t kFmt = 15;
  static constexpr size_t kFixedSize = 20;
  static constexpr int64_t kDeltaUnitUs = 250;
  static constexpr int64_t kReferenceUnitUs = 64000;

  struct Packet {
    uint16_t sequenceNumber = 0;
    bool received = false;
    int32_t deltaTicks = 0;  // in 250 µs units; 0 when not received
  };

  // Walks the statuses and deltas in order without copying.
  class Cursor {
   public:
    explicit Cursor(const TransportFeedback& fb);
    bool next(Packet& packet);

   private:
    const uint8_t* data_;
    size_t chunkPos_;
    size_t deltaPos_;
    size_t remaining_;
    uint16_t seq_;
    uint16_t chunk_ = 0;
    size_t inChunk_ = 0;  // symbols left in the current chunk
    size_t index_ = 0;    // index of the next symbol in the current chunk
  };

  static std::optional<TransportFeedback> parse(const uint8_t* data, size_t size);

  struct Header {
    uint32_t senderSsrc = 0;
    uint32_t mediaSsrc = 0;
    uint16_t baseSequenceNumber = 0;
    int32_t referenceTime = 0;  // 64 ms units, must fit in signed 24 bits
    uint8_t feedbackPacketCount = 0;
  };
  // Writes feedback for `count` consecutive packets starting at header.baseSequenceNumber
  // (the packets' own sequenceNumber fields are ignored). Received deltas in 0..255 ticks
  // take one byte, others in int16 range two. Returns the size written, or 0 if it does
  // not fit, count is 0 or above 65535, or a delta or the reference time is out of range.
  static size_t build(uint8_t* out, size_t capacity, const Header& header, const Packet* packets,
                      size_t count);

  uint32_t senderSsrc() const;
  uint32_t mediaSsrc() const;
  uint16_t baseSequenceNumber() const;
  uint16_t packetStatusCount() const;
  int32_t referenceTime() const;  // in 64 ms units, sign-extended from 24 bits
  uint8_t feedbackPacketCount() const;
  size_t receivedCount() const { return received_; }

  template <typename Visit>
  void forEachPacket(Visit&& visit) const {
    Cursor c(*this);
    Packet p;
    while (c.next(p)) visit(p);
  }

 private:
  TransportFeedback(const uint8_t* data, size_t deltaPos, size_t received)
      : data_(data), deltaPos_(deltaPos), received_(received) {}
  const uint8_t* data_;
  size_t deltaPos_;
  size_t received_;
};

}  // namespace parley::media::rtcp
