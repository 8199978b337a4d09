#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace parley::media::rtp {

// Maps the (sequence number, timestamp) pairs of the packets forwarded to one consumer,
// which may come from several sources over time (simulcast layers, a paused then resumed
// stream), onto one continuous outgoing RTP sequence. Incoming values are unwrapped per
// source (16-bit sequence numbers, 32-bit timestamps); after switchSource() the first
// packet forwarded gets the last outgoing sequence number + 1 and a timestamp advanced from
// the last one by the wall-clock gap, and packets of the new source older than that first
// one are dropped. Recently sent outgoing sequence numbers can be mapped back to the
// incoming ones (NACK handling). The history of those is allocated once, by the constructor.
class SequenceRewriter {
 public:
  static constexpr size_t kHistorySize = 1024;  // default: outgoing packets remembered for NACKs
  static constexpr size_t kMinHistorySize = 16;

  struct Rewritten {
    uint16_t sequenceNumber;
    uint32_t timestamp;
  };
  struct Origin {
    uint16_t sequenceNumber;  // incoming
    uint32_t source;          // generation: number of switchSource() calls before it
  };

  // `historySize` is rounded up to a power of two (at least kMinHistorySize). A consumer needs
  // no more than the packets its producer keeps for retransmission.
  explicit SequenceRewriter(uint32_t clockRate, size_t historySize = kHistorySize);

  // The next packet passed to rewrite() starts a new source (typically its keyframe).
  // `elapsed` is the wall-clock time since the last forwarded packet; the timestamp
  // advances by it at the clock rate (at least one tick). Before any packet it is a no-op
  // apart from starting a new generation.
  void switchSource(std::chrono::microseconds elapsed);

  // The outgoing values for an incoming packet of the current source, or nullopt when it
  // must be dropped (older than the source's first forwarded packet).
  std::optional<Rewritten> rewrite(uint16_t sequenceNumber, uint32_t timestamp);

  // A packet of the current source the consumer does not forward (a temporal layer above what
  // the subscriber wants): later packets close the gap, so the receiver sees no loss. A packet
  // older than the newest one seen cannot be taken out of the numbering any more and stays a
  // gap (the receiver's NACK for it finds nothing).
  void drop(uint16_t sequenceNumber);

  // The incoming packet an outgoing sequence number was rewritten from, if it is among
  // the last historySize() outgoing sequence numbers.
  std::optional<Origin> origin(uint16_t outgoingSequenceNumber) const;

  size_t historySize() const { return history_.size(); }
  bool started() const { return started_; }
  uint32_t source() const { return source_; }

 private:
  // 8 bytes, not 16: every video consumer holds a thousand of them. The slot index gives
  // the outgoing number modulo historySize() and `lap` the next 16 bits, so a slot left
  // unwritten for 2^16 laps could alias (the consumer re-derives the number from the packet
  // it finds before resending it).
  struct Entry {
    uint16_t lap = 0;  // (extended outgoing sequence number / historySize()) mod 2^16
    uint16_t incoming = 0;
    uint32_t sourcePlusOne = 0;  // 0: empty
  };
  static_assert(sizeof(Entry) == 8);
  uint16_t lapOf(int64_t outgoing) const {
    return static_cast<uint16_t>(static_cast<uint64_t>(outgoing) >> historyBits_);
  }
  Entry& slot(int64_t outgoing) {
    return history_[static_cast<size_t>(outgoing) & (history_.size() - 1)];
  }
  const Entry& slot(int64_t outgoing) const {
    return history_[static_cast<size_t>(outgoing) & (history_.size() - 1)];
  }

  uint32_t clockRate_;
  uint32_t source_ = 0;
  bool started_ = false;
  bool switchPending_ = true;
  int64_t pendingTicks_ = 0;

  // Current source, in extended (unwrapped) incoming units.
  int64_t firstInSeq_ = 0;    // of the first forwarded packet; older ones are dropped
  int64_t highestInSeq_ = 0;  // unwrap reference
  int64_t highestInTs_ = 0;   // unwrap reference (timestamp of highestInSeq_'s packet)
  int64_t seqDelta_ = 0;      // outgoing = incoming + delta
  int64_t tsDelta_ = 0;

  // Outgoing side, extended.
  int64_t highestOutSeq_ = 0;
  int64_t highestOutTs_ = 0;  // timestamp of the packet with the highest outgoing seq

  std::vector<Entry> history_;  // a power of two
  unsigned historyBits_ = 0;    // log2(history_.size())

  // Incoming sequence numbers (extended) taken out of the numbering, newest last: a packet
  // older than some of them is numbered as it would have been before they were dropped.
  // Allocated at the first drop: only consumers that thin out temporal layers drop.
  static constexpr size_t kDropHistory = 128;
  std::unique_ptr<std::array<int64_t, kDropHistory>> drops_;
  size_t dropCount_ = 0;  // total since the source began; the last kDropHistory are kept
};

}  // namespace parley::media::rtp
