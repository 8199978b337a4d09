#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace parley::media::rtp {

// Detects lost packets of one incoming media stream from its sequence numbers and says
// which ones to ask for again with a generic NACK (RFC 4585). Fed with every received
// media sequence number (after de-RTX) in arrival order; a gap makes its sequence
// numbers missing, a late or retransmitted packet removes its own. Each missing packet is
// NACKed in the first collect() after it was detected, then again at most once per
// max(RTT, kMinRetryIntervalMs), up to kMaxRetries times, and is given up after that or
// when it is older than kMaxAgeMs. When recovery is hopeless (a jump ahead of more than
// kMaxJump, more than kCapacity missing packets, or a packet so far behind (over 16384)
// that the sender must have restarted its sequence) the list is cleared and
// keyFrameNeeded() turns true until clearKeyFrameRequest(). Fixed size, no allocation.
// Single-threaded; times are passed in by the caller (milliseconds).
class NackGenerator {
 public:
  static constexpr size_t kCapacity = 256;  // missing packets tracked at once
  static constexpr uint32_t kMaxRetries = 10;
  static constexpr int64_t kMaxAgeMs = 1000;
  static constexpr int64_t kMinRetryIntervalMs = 20;
  static constexpr int64_t kMaxJump = 1000;  // sequence numbers ahead

  void onPacket(uint16_t seq, int64_t nowMs);

  // Writes the sequence numbers to NACK now, in increasing (wrapping) order as
  // rtcp::GenericNack::build wants them, and returns how many. Packets due beyond
  // `capacity` stay due for the next call.
  size_t collect(int64_t nowMs, int64_t rttMs, uint16_t* out, size_t capacity);

  bool keyFrameNeeded() const { return keyFrameNeeded_; }
  void clearKeyFrameRequest() { keyFrameNeeded_ = false; }

  size_t missingCount() const { return count_; }
  uint64_t nacksRequested() const { return nacksRequested_; }  // seqs put out by collect()
  uint64_t recovered() const { return recovered_; }            // missing seqs that arrived

 private:
  struct Missing {
    int64_t seq;  // extended
    int64_t detectedMs;
    int64_t lastSentMs;
    uint32_t retries;  // times put out by collect()
  };

  // Forgets every missing packet and asks for a key frame instead.
  void giveUp();
  // Removes the entries [0, n).
  void dropOldest(size_t n);

  std::array<Missing, kCapacity> missing_{};  // sorted by seq, count_ used
  size_t count_ = 0;
  bool started_ = false;
  int64_t highest_ = 0;  // extended sequence number of the newest packet
  bool keyFrameNeeded_ = false;
  uint64_t nacksRequested_ = 0;
  uint64_t recovered_ = 0;
};

}  // namespace parley::media::rtp
