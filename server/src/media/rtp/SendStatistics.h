#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "media/rtcp/ReportBlock.h"
#include "media/rtcp/SenderReport.h"

namespace parley::media::rtp {

// Statistics of one outgoing SSRC: what goes into its RTCP sender reports, and what the
// receiver said about it in its report blocks (loss, and the round-trip time from
// LSR/DLSR, RFC 3550 §6.4.1). The caller routes report blocks to the right instance by
// their SSRC. Single-threaded; times are passed in by the caller.
class SendStatistics {
 public:
  SendStatistics() = default;  // senderInfo().ssrc is 0: the caller fills it in
  explicit SendStatistics(uint32_t ssrc) : ssrc_(ssrc) {}

  // Every RTP packet sent on this SSRC. RFC 3550 counts payload octets (no header or
  // padding) in the SR; `bytes` is whatever the caller counts. The RTP timestamp and send
  // time of the newest timestamp seen (wrap-aware) anchor senderInfo()'s extrapolation,
  // so a late packet does not pull it back.
  void onPacket(uint32_t rtpTimestamp, size_t bytes, int64_t nowUs);

  // Sender info for an SR sent now: the RTP timestamp is the last one sent advanced by
  // the wall time since, at `clockRate`. Counts wrap modulo 2^32 as the RFC says.
  rtcp::SenderReport::Info senderInfo(uint64_t ntpNow, int64_t nowUs, uint32_t clockRate) const;

  // A report block about this SSRC. `ntpMiddleNow` is the middle 32 bits of the NTP time
  // now; with the block's LSR and DLSR it gives the round-trip time (clamped at 0 when
  // clocks make it negative). Blocks with LSR 0 (no SR received yet) leave the RTT as it
  // was.
  void onReceiverReport(const rtcp::ReportBlock& block, int64_t nowUs, uint32_t ntpMiddleNow);

  uint32_t ssrc() const { return ssrc_; }
  uint64_t packets() const { return packets_; }
  uint64_t bytes() const { return bytes_; }
  bool hasSent() const { return hasSent_; }

  std::optional<int64_t> rttMs() const { return rttMs_; }
  uint8_t fractionLost() const { return fractionLost_; }  // as reported, /256
  int32_t cumulativeLost() const { return cumulativeLost_; }
  uint32_t reportedJitter() const { return reportedJitter_; }
  uint32_t reportedHighestSequence() const { return reportedHighestSequence_; }
  std::optional<int64_t> lastReportUs() const { return lastReportUs_; }

 private:
  uint32_t ssrc_ = 0;
  uint64_t packets_ = 0;
  uint64_t bytes_ = 0;
  bool hasSent_ = false;
  uint32_t lastRtpTimestamp_ = 0;
  int64_t lastSentUs_ = 0;

  std::optional<int64_t> rttMs_;
  uint8_t fractionLost_ = 0;
  int32_t cumulativeLost_ = 0;
  uint32_t reportedJitter_ = 0;
  uint32_t reportedHighestSequence_ = 0;
  std::optional<int64_t> lastReportUs_;
};

}  // namespace parley::media::rtp
