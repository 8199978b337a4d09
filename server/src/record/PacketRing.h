#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

namespace parley::record {

// The hand-off from a media worker to a recorder thread: a bounded single-producer,
// single-consumer queue of RTP packets in fixed, preallocated slots. The worker (producer)
// never blocks and never allocates: a packet that finds the ring full is dropped and
// counted, so a slow disk costs the recording packets, never the call. The recorder
// (consumer) reads packets in place and releases them in order.
class PacketRing {
 public:
  // Larger than any packet the media worker receives (its slots are 1600 bytes, SRTP
  // trailer included); anything larger is dropped and counted.
  static constexpr size_t kMaxPacketSize = 1600;

  struct Packet {
    int64_t arrivalUs = 0;  // the worker's clock
    uint32_t size = 0;
    uint8_t track = 0;  // which of the stream's tracks (its producer index)
    uint8_t layer = 0;  // simulcast layer
    bool keyframe = false;
    // Not RTP: a sender report of the track's RTP stream, `bytes` holding its NTP time
    // (8 bytes) and RTP timestamp (4 bytes), big-endian.
    bool senderReport = false;
    std::array<uint8_t, kMaxPacketSize> bytes;  // RTP header and payload, decrypted
  };
  // A sender report's NTP time (32.32) and RTP timestamp, as pushSenderReport wrote them;
  // nullopt for anything else.
  struct SenderReport {
    uint64_t ntpTimestamp = 0;
    uint32_t rtpTimestamp = 0;
  };
  static std::optional<SenderReport> senderReportOf(const Packet& packet);

  // `capacity` is rounded up to a power of two (at least 2); all slots are allocated here.
  explicit PacketRing(size_t capacity);
  PacketRing(const PacketRing&) = delete;
  PacketRing& operator=(const PacketRing&) = delete;

  size_t capacity() const { return mask_ + 1; }

  // Added to a queued packet's RTP sequence number and timestamp (modulo 2^16 and 2^32):
  // a recording that moves to another simulcast layer keeps both continuous.
  struct Shift {
    uint16_t sequence = 0;
    uint32_t timestamp = 0;
  };

  // Producer side (one thread). False when the packet was dropped (ring full, too large,
  // or closed).
  bool push(std::span<const uint8_t> rtp, int64_t arrivalUs, uint8_t track, uint8_t layer,
            bool keyframe, Shift shift);
  bool push(std::span<const uint8_t> rtp, int64_t arrivalUs, uint8_t track, uint8_t layer,
            bool keyframe) {
    return push(rtp, arrivalUs, track, layer, keyframe, Shift{});
  }
  // `layer`: the simulcast layer whose RTP stream it reports (what a mirror needs).
  bool pushSenderReport(uint8_t track, uint64_t ntpTimestamp, uint32_t rtpTimestamp,
                        int64_t arrivalUs, uint8_t layer = 0);
  // No packet follows; the consumer drains what is queued, then sees finished().
  void close();

  // Consumer side (one thread). The oldest queued packet, valid until pop(); null when
  // the ring is empty.
  const Packet* front();
  void pop();
  // Closed by the producer and drained.
  bool finished();

  // Readable from any thread.
  uint64_t pushed() const { return head_.load(std::memory_order_relaxed); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  void countDrop();
  // The next free slot (null, counted as a drop, when full or closed), and making it
  // visible to the consumer once filled.
  Packet* claim();
  void publish();

  std::unique_ptr<Packet[]> slots_;
  size_t mask_;
  // Each index is written by one side only; each side keeps a stale copy of the other's
  // index and reloads it only when that copy says full (producer) or empty (consumer), so
  // the two threads do not pull one cache line back and forth on every packet.
  alignas(64) std::atomic<uint64_t> head_{0};  // next slot to write: producer
  uint64_t tailSeen_ = 0;                      // producer's copy of tail_
  std::atomic<uint64_t> dropped_{0};           // producer
  std::atomic<bool> closed_{false};            // producer
  alignas(64) std::atomic<uint64_t> tail_{0};  // next slot to read: consumer
  uint64_t headSeen_ = 0;                      // consumer's copy of head_
};

}  // namespace parley::record
