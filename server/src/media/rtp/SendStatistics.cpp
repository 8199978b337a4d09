#include "media/rtp/SendStatistics.h"

#include <algorithm>

namespace parley::media::rtp {

void SendStatistics::onPacket(uint32_t rtpTimestamp, size_t bytes, int64_t nowUs) {
  ++packets_;
  bytes_ += bytes;
  if (!hasSent_ || static_cast<int32_t>(rtpTimestamp - lastRtpTimestamp_) >= 0) {
    hasSent_ = true;
    lastRtpTimestamp_ = rtpTimestamp;
    lastSentUs_ = nowUs;
  }
}

rtcp::SenderReport::Info SendStatistics::senderInfo(uint64_t ntpNow, int64_t nowUs,
                                                    uint32_t clockRate) const {
  rtcp::SenderReport::Info info;
  info.ssrc = ssrc_;
  info.ntpTimestamp = ntpNow;
  info.packetCount = static_cast<uint32_t>(packets_);
  info.octetCount = static_cast<uint32_t>(bytes_);
  if (hasSent_) {
    // Capped at a day so the product stays far from overflow; a stream silent that long
    // has no meaningful timestamp anyway.
    const int64_t elapsedUs = std::clamp<int64_t>(nowUs - lastSentUs_, 0, 86400LL * 1000000);
    const int64_t ticks = elapsedUs * clockRate / 1000000;
    info.rtpTimestamp = lastRtpTimestamp_ + static_cast<uint32_t>(ticks);
  }
  return info;
}

void SendStatistics::onReceiverReport(const rtcp::ReportBlock& block, int64_t nowUs,
                                      uint32_t ntpMiddleNow) {
  lastReportUs_ = nowUs;
  fractionLost_ = block.fractionLost;
  cumulativeLost_ = block.cumulativeLost;
  reportedJitter_ = block.jitter;
  reportedHighestSequence_ = block.highestSequence;
  if (block.lastSenderReport == 0) return;
  // RTT = A - LSR - DLSR in 1/65536 s (RFC 3550 §6.4.1), modulo 2^32.
  const auto rtt = static_cast<int32_t>(ntpMiddleNow - block.lastSenderReport -
                                        block.delaySinceLastSenderReport);
  const int64_t units = std::max<int64_t>(rtt, 0);
  rttMs_ = (units * 1000 + 32768) / 65536;
}

}  // namespace parley::media::rtp
