#include "media/rtp/SendStatistics.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "media/rtcp/ReportBlock.h"
#include "media/rtp/ReceiveStatistics.h"

namespace parley::media::rtp {
namespace {

constexpr uint32_t kSsrc = 0xCAFE0001;

// Middle 32 bits of a 32.32 NTP timestamp (what LSR holds).
uint32_t middle(uint64_t ntp) {
  return static_cast<uint32_t>(ntp >> 16);
}

TEST(SendStatisticsTest, SenderInfoExtrapolatesTheTimestamp) {
  SendStatistics s(kSsrc);
  EXPECT_FALSE(s.hasSent());
  s.onPacket(1000, 100, 1'000'000);
  s.onPacket(1000, 200, 1'001'000);  // same frame
  s.onPacket(4000, 300, 1'033'000);
  const auto info = s.senderInfo(0x0102030405060708ull, 1'053'000, 90000);
  EXPECT_EQ(info.ssrc, kSsrc);
  EXPECT_EQ(info.ntpTimestamp, 0x0102030405060708ull);
  EXPECT_EQ(info.rtpTimestamp, 4000u + 1800);  // 20 ms at 90 kHz
  EXPECT_EQ(info.packetCount, 3u);
  EXPECT_EQ(info.octetCount, 600u);
  EXPECT_EQ(s.packets(), 3u);
  EXPECT_EQ(s.bytes(), 600u);
}

TEST(SendStatisticsTest, NothingSentYet) {
  SendStatistics s(kSsrc);
  const auto info = s.senderInfo(42, 1'000'000, 48000);
  EXPECT_EQ(info.rtpTimestamp, 0u);
  EXPECT_EQ(info.packetCount, 0u);
  EXPECT_FALSE(s.rttMs());
  EXPECT_FALSE(s.lastReportUs());
}

TEST(SendStatisticsTest, LatePacketDoesNotPullTheAnchorBack) {
  SendStatistics s(kSsrc);
  s.onPacket(5000, 10, 2'000'000);
  s.onPacket(2000, 10, 2'010'000);  // an older timestamp sent later
  EXPECT_EQ(s.senderInfo(0, 2'020'000, 90000).rtpTimestamp, 5000u + 1800);
  EXPECT_EQ(s.packets(), 2u);
}

TEST(SendStatisticsTest, TimestampWrapAround) {
  SendStatistics s(kSsrc);
  s.onPacket(0xFFFFFF00u, 10, 0);
  EXPECT_EQ(s.senderInfo(0, 10'000, 48000).rtpTimestamp, 0xFFFFFF00u + 480u);  // wraps to 0xE0
  s.onPacket(0x10, 10, 5'000);  // after the wrap: newer
  EXPECT_EQ(s.senderInfo(0, 10'000, 48000).rtpTimestamp, 0x10u + 240);
}

TEST(SendStatisticsTest, RttFromLsrAndDlsr) {
  SendStatistics s(kSsrc);
  rtcp::ReportBlock block;
  block.ssrc = kSsrc;
  block.fractionLost = 25;
  block.cumulativeLost = 10;
  block.highestSequence = 0x10005;
  block.jitter = 77;
  block.lastSenderReport = 0x00010000;                      // 1 s
  block.delaySinceLastSenderReport = 0x8000;                // 0.5 s
  s.onReceiverReport(block, 5'000'000, 0x00018000 + 3277);  // + 50 ms
  ASSERT_TRUE(s.rttMs());
  EXPECT_EQ(*s.rttMs(), 50);
  EXPECT_EQ(s.fractionLost(), 25);
  EXPECT_EQ(s.cumulativeLost(), 10);
  EXPECT_EQ(s.reportedHighestSequence(), 0x10005u);
  EXPECT_EQ(s.reportedJitter(), 77u);
  EXPECT_EQ(s.lastReportUs(), 5'000'000);
}

TEST(SendStatisticsTest, RttAcrossNtpWrap) {
  SendStatistics s(kSsrc);
  rtcp::ReportBlock block;
  block.ssrc = kSsrc;
  block.lastSenderReport = 0xFFFFF000u;
  block.delaySinceLastSenderReport = 0x1000;
  s.onReceiverReport(block, 0, 0x00000000u + 6554);  // 100 ms after LSR + DLSR
  ASSERT_TRUE(s.rttMs());
  EXPECT_EQ(*s.rttMs(), 100);
}

TEST(SendStatisticsTest, BlockWithoutLsrKeepsTheRtt) {
  SendStatistics s(kSsrc);
  rtcp::ReportBlock block;
  block.ssrc = kSsrc;
  block.fractionLost = 3;
  s.onReceiverReport(block, 1, 123456);  // LSR 0: no SR received yet
  EXPECT_FALSE(s.rttMs());
  EXPECT_EQ(s.fractionLost(), 3);
  block.lastSenderReport = 0x00010000;
  s.onReceiverReport(block, 2, 0x00010000 + 6554);
  EXPECT_EQ(s.rttMs(), 100);
  block.lastSenderReport = 0;
  block.fractionLost = 9;
  s.onReceiverReport(block, 3, 0x00020000);
  EXPECT_EQ(s.rttMs(), 100);
  EXPECT_EQ(s.fractionLost(), 9);
  EXPECT_EQ(s.lastReportUs(), 3);
}

TEST(SendStatisticsTest, DefaultConstructedLeavesTheSsrcToTheCaller) {
  SendStatistics s;
  s.onPacket(90, 1200, 0);
  const auto info = s.senderInfo(7, 0, 90000);
  EXPECT_EQ(info.ssrc, 0u);
  EXPECT_EQ(info.rtpTimestamp, 90u);
  EXPECT_EQ(info.octetCount, 1200u);
}

TEST(SendStatisticsTest, NegativeRttIsClampedToZero) {
  SendStatistics s(kSsrc);
  rtcp::ReportBlock block;
  block.ssrc = kSsrc;
  block.lastSenderReport = 0x00010000;
  block.delaySinceLastSenderReport = 0x8000;
  s.onReceiverReport(block, 0, 0x00017000);  // before LSR + DLSR
  ASSERT_TRUE(s.rttMs());
  EXPECT_EQ(*s.rttMs(), 0);
}

TEST(SendStatisticsTest, RoundTripWithReceiveStatistics) {
  // The SFU sends an SR at NTP time T; the receiver answers 200 ms after receiving it and
  // the answer arrives 60 ms of network time later.
  SendStatistics sender(kSsrc);
  ReceiveStatistics receiver(kSsrc, 90000);
  const uint64_t ntpSent = (uint64_t{3'900'000'000} << 32) | 0x40000000u;  // .25 s
  receiver.onPacket(1, 0, 100, 9'000'000);
  receiver.onSenderReport(ntpSent, 10'030'000);                      // 30 ms one way
  const rtcp::ReportBlock block = receiver.reportBlock(10'230'000);  // 200 ms later
  const uint32_t nowMiddle = middle(ntpSent) + 260 * 65536 / 1000;   // 30 + 200 + 30 ms
  sender.onReceiverReport(block, 10'260'000, nowMiddle);
  ASSERT_TRUE(sender.rttMs());
  EXPECT_EQ(*sender.rttMs(), 60);
}

}  // namespace
}  // namespace parley::media::rtp
