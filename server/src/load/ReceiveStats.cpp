#include "load/ReceiveStats.h"

#include <algorithm>
#include <cmath>

namespace parley::load {

void ReceiveStats::onPacket(std::uint16_t sequenceNumber, std::uint32_t rtpTimestamp,
                            std::int64_t arrivalUs, std::size_t bytes) {
  if (packets_ == 0) {
    base_ = extendedMax_ = sequenceNumber;
    firstArrivalUs_ = arrivalUs;
  } else {
    const auto udelta =
        static_cast<std::uint16_t>(sequenceNumber - static_cast<std::uint16_t>(extendedMax_));
    if (udelta < kMaxDropout) {
      // In order, possibly after a gap, possibly across a wrap of the 16-bit number.
      extendedMax_ += udelta;
      badSeq_ = kNoBadSeq;
    } else if (udelta <= 0x10000 - kMaxMisorder) {
      // A jump too large for loss or reordering. Believe it once a second packet follows
      // in sequence (RFC 3550 A.1): the sender renumbered. The run so far is closed and a
      // new one starts at the jump's first packet, which is already counted as received.
      if (sequenceNumber == badSeq_) {
        expectedBefore_ += static_cast<std::uint64_t>(extendedMax_ - base_ + 1);
        extendedMax_ += udelta;  // extended numbers keep increasing
        base_ = extendedMax_ - 1;
        badSeq_ = kNoBadSeq;
      } else {
        badSeq_ = static_cast<std::uint16_t>(sequenceNumber + 1);
      }
    } else {
      // A duplicate or a late packet, at most kMaxMisorder behind the highest. One sent
      // before the first packet to arrive extends the first run backwards.
      const std::int64_t extended = extendedMax_ - (0x10000 - udelta);
      if (extended < base_ && expectedBefore_ == 0) base_ = extended;
    }
    // RFC 3550 §6.4.1: D = (Rj - Ri) - (Sj - Si) in timestamp units, J += (|D| - J) / 16.
    // Differences rather than absolute transit times, so neither the µs clock times the
    // clock rate nor the 32-bit timestamp's wrap can overflow.
    const double arrivalDelta =
        static_cast<double>(arrivalUs - lastArrivalUs_) * clockRate_ / 1'000'000.0;
    const double sendDelta = static_cast<std::int32_t>(rtpTimestamp - lastRtpTimestamp_);
    jitter_ += (std::fabs(arrivalDelta - sendDelta) - jitter_) / 16.0;
  }
  lastRtpTimestamp_ = rtpTimestamp;
  lastArrivalUs_ = arrivalUs;
  ++packets_;
  bytes_ += bytes;
}

std::uint64_t ReceiveStats::expected() const {
  if (packets_ == 0) return 0;
  return expectedBefore_ + static_cast<std::uint64_t>(extendedMax_ - base_ + 1);
}

std::uint64_t ReceiveStats::lost() const {
  const std::uint64_t e = expected();
  return e > packets_ ? e - packets_ : 0;
}

ReceiveStats::Snapshot ReceiveStats::snapshot(std::int64_t atUs) const {
  return Snapshot{packets_, bytes_, expected(), lost(), atUs};
}

namespace {

std::uint64_t increase(std::uint64_t from, std::uint64_t to) {
  return to > from ? to - from : 0;
}

}  // namespace

double ReceiveStats::bitrateBps(const Snapshot& from, const Snapshot& to) {
  const std::int64_t us = to.atUs - from.atUs;
  if (us <= 0) return 0;
  return static_cast<double>(increase(from.bytes, to.bytes)) * 8.0 * 1e6 / static_cast<double>(us);
}

double ReceiveStats::packetRate(const Snapshot& from, const Snapshot& to) {
  const std::int64_t us = to.atUs - from.atUs;
  if (us <= 0) return 0;
  return static_cast<double>(increase(from.packets, to.packets)) * 1e6 / static_cast<double>(us);
}

double ReceiveStats::lossFraction(const Snapshot& from, const Snapshot& to) {
  const std::uint64_t expected = increase(from.expected, to.expected);
  if (expected == 0) return 0;
  return std::min(
      1.0, static_cast<double>(increase(from.lost, to.lost)) / static_cast<double>(expected));
}

}  // namespace parley::load
