#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "media/rtcp/TransportFeedback.h"

namespace parley::media::rtp {

// Records the arrival time of every packet a publisher sends with a transport-wide
// sequence number and turns them into transport-cc feedback
// (draft-holmer-rmcat-transport-wide-cc-extensions-01), which browsers need before they
// raise their send bitrate. Each feedback covers the packets from the first one not yet
// reported up to the highest received, the missing ones as not received. Arrivals are
// kept for the last kWindow sequence numbers; packets older than that, or older than
// what a feedback already covered, are ignored. Fixed size, no allocation.
// Single-threaded; times are passed in by the caller (microseconds).
class TransportCcRecorder {
 public:
  static constexpr size_t kWindow = 1024;

  // Wrap-aware; duplicates are ignored, reordering within the window is fine.
  void onPacket(uint16_t transportSeq, int64_t arrivalUs);

  // Writes one RTCP transport-cc packet for the next unreported packets and returns its
  // size, or 0 when there is nothing new (or not even the first received packet fits in
  // `capacity`). A feedback stops early when the rest does not fit in `capacity` or when
  // a receive delta would not fit in 16 bits (a gap of over ~8 s); the caller calls again
  // until 0. The reference time is the first received packet's arrival in 64 ms units
  // modulo 2^24; deltas are rounded down to 250 µs ticks from a running total, so
  // arrivals reconstruct to within 250 µs without drift.
  size_t buildFeedback(uint8_t* out, size_t capacity, uint32_t senderSsrc, uint32_t mediaSsrc);

  uint8_t feedbackCount() const { return feedbackCount_; }  // of the next feedback

 private:
  struct Arrival {
    int64_t seq = -1;  // extended transport sequence number, -1: none
    int64_t us = 0;
  };

  const Arrival* arrival(int64_t seq) const;

  std::array<Arrival, kWindow> arrivals_{};                         // slot = seq % kWindow
  std::array<rtcp::TransportFeedback::Packet, kWindow> packets_{};  // build() scratch
  bool started_ = false;
  bool reported_ = false;     // a feedback went out
  int64_t highest_ = 0;       // extended, highest received
  int64_t nextToReport_ = 0;  // extended, first not covered by a feedback yet
  uint8_t feedbackCount_ = 0;
};

}  // namespace parley::media::rtp
