#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "media/rtcp/ReportBlock.h"

namespace parley::media::rtp {

// Reception statistics of one incoming SSRC and the RTCP report block about it
// (RFC 3550 §6.4.1, Appendix A.1, A.3, A.8). Sequence numbers are tracked as in A.1
// without the probation of new sources (SRTP already authenticated them): a jump of
// kMaxDropout or more, or back by more than kMaxMisorder, is ignored unless the next packet
// follows it, which restarts the count from there (the loss counted so far is kept).
// As in A.1, duplicates count as received, so the cumulative loss can go down. Jitter
// (A.8) is sampled on packets that advance the sequence and start a new timestamp, so
// that retransmissions and the pacing of one frame's packets do not count as jitter.
// Fixed size, no allocation. Single-threaded; times are passed in (microseconds).
class ReceiveStatistics {
 public:
  static constexpr uint32_t kMaxDropout = 3000;
  static constexpr uint32_t kMaxMisorder = 100;

  ReceiveStatistics(uint32_t ssrc, uint32_t clockRate);

  // `bytes` is whatever the caller counts for bitrate and bytes() (typically the whole
  // packet).
  void onPacket(uint16_t seq, uint32_t rtpTimestamp, size_t bytes, int64_t arrivalUs);
  // Takes the middle 32 bits of the SR's NTP timestamp (LSR) and when it arrived (DLSR).
  void onSenderReport(uint64_t ntpTimestamp, int64_t arrivalUs);

  // The report block for this SSRC now. Its fraction lost covers the time since the
  // previous call (A.3), so call it once per report sent.
  rtcp::ReportBlock reportBlock(int64_t nowUs);

  // Over the last second (10 ms buckets).
  uint64_t bitrateBps(int64_t nowUs) const;

  uint32_t ssrc() const { return ssrc_; }
  uint64_t packets() const { return packets_; }  // every packet passed in
  uint64_t bytes() const { return bytes_; }
  int64_t lost() const;     // cumulative: expected - received, may be negative
  uint32_t jitter() const;  // interarrival jitter, RTP timestamp units
  uint32_t extendedHighestSequence() const { return static_cast<uint32_t>(maxSeq_); }

 private:
  static constexpr int64_t kBucketUs = 10000;
  static constexpr size_t kBuckets = 100;
  struct Bucket {
    int64_t index = -1;  // arrivalUs / kBucketUs
    uint64_t bytes = 0;
  };

  void restart(int64_t extSeq);
  void updateJitter(uint32_t rtpTimestamp, int64_t arrivalUs);

  uint32_t ssrc_;
  uint32_t clockRate_;
  uint64_t packets_ = 0;
  uint64_t bytes_ = 0;

  // A.1, extended (cycles included) and 64-bit.
  bool started_ = false;
  int64_t baseSeq_ = 0;
  int64_t maxSeq_ = 0;
  int64_t badSeq_ = -1;  // extended seq that would confirm a restart, -1: none
  int64_t received_ = 0;
  int64_t lostBeforeRestart_ = 0;
  // A.3
  int64_t expectedPrior_ = 0;
  int64_t receivedPrior_ = 0;
  // A.8, jitter in 1/16 timestamp units.
  bool haveTransit_ = false;
  int64_t firstArrivalUs_ = 0;
  uint32_t lastTransit_ = 0;
  uint32_t lastJitterTimestamp_ = 0;
  uint64_t jitterQ4_ = 0;

  bool haveSenderReport_ = false;
  uint32_t lastSenderReport_ = 0;
  int64_t lastSenderReportUs_ = 0;

  std::array<Bucket, kBuckets> buckets_{};
};

}  // namespace parley::media::rtp
