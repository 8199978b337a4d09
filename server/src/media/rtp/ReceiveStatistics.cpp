#include "media/rtp/ReceiveStatistics.h"

#include <algorithm>

namespace parley::media::rtp {

namespace {

constexpr int64_t kSeqMod = int64_t{1} << 16;
constexpr int64_t kMaxCumulativeLost = 0x7FFFFF;  // signed 24 bits on the wire
constexpr int64_t kMinCumulativeLost = -0x800000;

int64_t floorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

}  // namespace

ReceiveStatistics::ReceiveStatistics(uint32_t ssrc, uint32_t clockRate)
    : ssrc_(ssrc), clockRate_(clockRate) {}

void ReceiveStatistics::restart(int64_t extSeq) {
  lostBeforeRestart_ = lost();
  baseSeq_ = extSeq;
  maxSeq_ = extSeq;
  badSeq_ = -1;
  received_ = 0;
  expectedPrior_ = 0;
  receivedPrior_ = 0;
}

void ReceiveStatistics::onPacket(uint16_t seq, uint32_t rtpTimestamp, size_t bytes,
                                 int64_t arrivalUs) {
  ++packets_;
  bytes_ += bytes;
  const int64_t index = floorDiv(arrivalUs, kBucketUs);
  Bucket& bucket = buckets_[static_cast<size_t>(index % static_cast<int64_t>(kBuckets) +
                                                static_cast<int64_t>(kBuckets)) %
                            kBuckets];
  if (bucket.index < index) bucket = Bucket{index, 0};
  if (bucket.index == index) bucket.bytes += bytes;  // an older bucket is gone already

  if (!started_) {
    started_ = true;
    baseSeq_ = seq;
    maxSeq_ = seq;
    received_ = 1;
    updateJitter(rtpTimestamp, arrivalUs);
    return;
  }
  const auto udelta = static_cast<uint16_t>(seq - static_cast<uint16_t>(maxSeq_));
  if (udelta < kMaxDropout) {
    // In order, possibly with a gap; the extended value carries the cycles.
    maxSeq_ += udelta;
    if (udelta != 0) updateJitter(rtpTimestamp, arrivalUs);
  } else if (udelta <= kSeqMod - kMaxMisorder) {
    // A very large jump: believe it when the next packet follows it.
    const int64_t ext = maxSeq_ + udelta;  // continues upwards, so the extended seq does too
    if (badSeq_ >= 0 && static_cast<uint16_t>(badSeq_) == seq) {
      restart(ext);
      updateJitter(rtpTimestamp, arrivalUs);
    } else {
      badSeq_ = ext + 1;
      return;
    }
  }
  // else: duplicate or reordered, counted as received (A.1)
  ++received_;
}

void ReceiveStatistics::updateJitter(uint32_t rtpTimestamp, int64_t arrivalUs) {
  // A.8 with the arrival converted to timestamp units, relative to the first arrival so the
  // product cannot overflow. Only packets that advance the sequence get here (a
  // retransmission would look like huge jitter), and only the first of each frame counts:
  // the packets of one frame share a timestamp but are paced out over time.
  const bool first = !haveTransit_;
  if (first) {
    haveTransit_ = true;
    firstArrivalUs_ = arrivalUs;
  } else if (rtpTimestamp == lastJitterTimestamp_) {
    return;
  }
  const int64_t us = arrivalUs - firstArrivalUs_;
  const int64_t seconds = floorDiv(us, 1000000);
  const int64_t arrival = seconds * clockRate_ + (us - seconds * 1000000) * clockRate_ / 1000000;
  const uint32_t transit = static_cast<uint32_t>(arrival) - rtpTimestamp;
  if (!first) {
    const auto d = static_cast<int32_t>(transit - lastTransit_);
    const uint64_t absD = d < 0 ? uint64_t{0} - static_cast<int64_t>(d) : static_cast<uint64_t>(d);
    // J += (|D| - J) / 16, kept in 1/16 units (A.8's integer form).
    jitterQ4_ = jitterQ4_ + absD - ((jitterQ4_ + 8) >> 4);
  }
  lastTransit_ = transit;
  lastJitterTimestamp_ = rtpTimestamp;
}

void ReceiveStatistics::onSenderReport(uint64_t ntpTimestamp, int64_t arrivalUs) {
  haveSenderReport_ = true;
  lastSenderReport_ = static_cast<uint32_t>(ntpTimestamp >> 16);
  lastSenderReportUs_ = arrivalUs;
}

int64_t ReceiveStatistics::lost() const {
  if (!started_) return lostBeforeRestart_;
  const int64_t expected = maxSeq_ - baseSeq_ + 1;
  return lostBeforeRestart_ + expected - received_;
}

uint32_t ReceiveStatistics::jitter() const {
  return static_cast<uint32_t>(std::min<uint64_t>(jitterQ4_ >> 4, UINT32_MAX));
}

rtcp::ReportBlock ReceiveStatistics::reportBlock(int64_t nowUs) {
  rtcp::ReportBlock block;
  block.ssrc = ssrc_;
  if (started_) {
    const int64_t expected = maxSeq_ - baseSeq_ + 1;
    const int64_t expectedInterval = expected - expectedPrior_;
    const int64_t receivedInterval = received_ - receivedPrior_;
    const int64_t lostInterval = expectedInterval - receivedInterval;
    expectedPrior_ = expected;
    receivedPrior_ = received_;
    if (expectedInterval > 0 && lostInterval > 0)
      block.fractionLost = static_cast<uint8_t>((lostInterval << 8) / expectedInterval);
    block.cumulativeLost =
        static_cast<int32_t>(std::clamp(lost(), kMinCumulativeLost, kMaxCumulativeLost));
    block.highestSequence = static_cast<uint32_t>(maxSeq_);
    block.jitter = jitter();
  }
  if (haveSenderReport_) {
    block.lastSenderReport = lastSenderReport_;
    // 1/65536 s units; saturates after 65536 s.
    const int64_t delayUs = std::clamp<int64_t>(nowUs - lastSenderReportUs_, 0, 65536000000);
    block.delaySinceLastSenderReport =
        static_cast<uint32_t>(std::min<int64_t>(delayUs * 65536 / 1000000, UINT32_MAX));
  }
  return block;
}

uint64_t ReceiveStatistics::bitrateBps(int64_t nowUs) const {
  const int64_t now = floorDiv(nowUs, kBucketUs);
  uint64_t bytes = 0;
  for (const Bucket& b : buckets_)
    if (b.index <= now && b.index > now - static_cast<int64_t>(kBuckets)) bytes += b.bytes;
  // The window is kBuckets buckets: one second.
  return bytes * 8;
}

}  // namespace parley::media::rtp
