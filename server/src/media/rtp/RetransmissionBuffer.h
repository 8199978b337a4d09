#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace parley::media::rtp {

// The recently received (unprotected) RTP packets of one stream, kept to answer NACKs
// from its consumers. A packet lives in slot (extended seq % slots) until a newer packet
// takes that slot; find() only returns a slot that holds exactly the asked-for sequence
// number, so an evicted or never-stored packet is simply absent.
//
// It starts small and doubles (up to maxSlots) when a packet would evict one younger than
// kDefaultMaxAgeMs, so it holds about a second of the stream at its own rate: 128 slots
// for a 1 Mbit/s video, 64 for a thumbnail layer, instead of 1,024 full-size slots (1.5 MB)
// for every video layer, most of them touched and never asked for. Growing allocates, once
// per doubling, as a stream starts or speeds up; store() copies into the slots, so a
// stream at a steady rate allocates nothing per packet.
// Single-threaded; times are passed in by the caller (milliseconds).
class RetransmissionBuffer {
 public:
  static constexpr int64_t kDefaultMaxAgeMs = 1000;
  // Default throttle for markResent(): a packet is not resent twice within this.
  static constexpr int64_t kDefaultMinResendIntervalMs = 20;

  struct Stored {
    std::span<const uint8_t> packet;  // valid until the next store()
    int64_t storedMs;
    uint32_t resendCount;
  };

  // maxSlots is clamped to 1..32768, firstSlots to 1..maxSlots (0: maxSlots from the start).
  explicit RetransmissionBuffer(size_t maxSlots = 1024, size_t maxPacketSize = 1500,
                                size_t firstSlots = 0);

  // Copies the packet, keyed by the sequence number in its bytes 2-3. Packets shorter than
  // an RTP fixed header or longer than maxPacketSize are not stored, nor are duplicates or
  // packets older than the one already holding their slot. A packet more than 16384
  // behind the newest is taken as a sequence restart and stored as the newest.
  void store(const uint8_t* rtp, size_t size, int64_t nowMs);

  // The packet with sequence number `seq` if it is stored and was stored less than
  // maxAgeMs ago.
  std::optional<Stored> find(uint16_t seq, int64_t nowMs,
                             int64_t maxAgeMs = kDefaultMaxAgeMs) const;

  // Throttles retransmissions: returns true (and counts a resend) when `seq` is stored and
  // was not resent within the last minResendIntervalMs, false otherwise. The caller passes
  // the interval per call so that it can follow the consumer's RTT.
  bool markResent(uint16_t seq, int64_t nowMs,
                  int64_t minResendIntervalMs = kDefaultMinResendIntervalMs);

  size_t slots() const { return slots_.size(); }
  size_t maxSlots() const { return maxSlots_; }
  size_t maxPacketSize() const { return maxPacketSize_; }

 private:
  struct Slot {
    int64_t seq = -1;  // extended sequence number, -1: empty
    int64_t storedMs = 0;
    int64_t lastResentMs = 0;
    uint32_t resendCount = 0;
    uint32_t size = 0;
  };

  // The slot holding exactly `seq`, or null.
  const Slot* slotFor(uint16_t seq) const;
  int64_t extend(uint16_t seq) const;
  // Doubles the slots (up to maxSlots_), each stored packet moved to its new slot.
  void grow();

  size_t maxSlots_;
  size_t maxPacketSize_;
  std::vector<Slot> slots_;
  // slots_.size() * maxPacketSize_, left uninitialised: only bytes store() wrote are read,
  // and a new video stream does not have to fault in and clear 1.5 MB at once.
  std::unique_ptr<uint8_t[]> bytes_;
  bool started_ = false;
  int64_t highest_ = 0;  // extended sequence number of the newest stored packet
};

}  // namespace parley::media::rtp
