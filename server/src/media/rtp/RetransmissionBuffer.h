#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace parley::media::rtp {

// The recently received (unprotected) RTP packets of one stream, kept to answer NACKs
// from its consumers. All slots are allocated by the constructor; store() copies into
// them, so nothing is allocated per packet. A packet lives in slot (extended seq % slots)
// until a newer packet takes that slot; find() only returns a slot that holds exactly the
// asked-for sequence number, so an evicted or never-stored packet is simply absent.
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

  // slots is clamped to 1..32768; a power of two keeps slot = seq % slots across wraps.
  explicit RetransmissionBuffer(size_t slots = 1024, size_t maxPacketSize = 1500);

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

  size_t maxPacketSize_;
  std::vector<Slot> slots_;
  // slots_.size() * maxPacketSize_, left uninitialised: only bytes store() wrote are read,
  // and a new video stream does not have to fault in and clear 1.5 MB at once.
  std::unique_ptr<uint8_t[]> bytes_;
  bool started_ = false;
  int64_t highest_ = 0;  // extended sequence number of the newest stored packet
};

}  // namespace parley::media::rtp
