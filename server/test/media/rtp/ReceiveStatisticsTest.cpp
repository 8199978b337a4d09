#include "media/rtp/ReceiveStatistics.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

#include "media/rtcp/ReceiverReport.h"

namespace parley::media::rtp {
namespace {

constexpr uint32_t kSsrc = 0x12345678;
constexpr uint32_t kVideoClock = 90000;

TEST(ReceiveStatisticsTest, FractionLostPerA3) {
  ReceiveStatistics s(kSsrc, kVideoClock);
  // 100 expected (0..99), 90 received.
  for (uint16_t seq = 0; seq < 100; ++seq) {
    if (seq % 10 == 5) continue;
    s.onPacket(seq, seq * 3000u, 1000, seq * 33'333);
  }
  EXPECT_EQ(s.packets(), 90u);
  EXPECT_EQ(s.bytes(), 90'000u);
  EXPECT_EQ(s.lost(), 10);
  const auto block = s.reportBlock(4'000'000);
  EXPECT_EQ(block.ssrc, kSsrc);
  EXPECT_EQ(block.fractionLost, (10 << 8) / 100);  // 25
  EXPECT_EQ(block.cumulativeLost, 10);
  EXPECT_EQ(block.highestSequence, 99u);
  // The next interval: 100 expected, 96 received.
  for (uint16_t seq = 100; seq < 200; ++seq) {
    if (seq == 120 || seq == 150 || seq == 170 || seq == 190) continue;
    s.onPacket(seq, seq * 3000u, 1000, seq * 33'333);
  }
  const auto next = s.reportBlock(8'000'000);
  EXPECT_EQ(next.fractionLost, (4 << 8) / 100);  // 10
  EXPECT_EQ(next.cumulativeLost, 14);
  EXPECT_EQ(next.highestSequence, 199u);
  // Nothing new: nothing lost in that interval.
  EXPECT_EQ(s.reportBlock(9'000'000).fractionLost, 0);
}

TEST(ReceiveStatisticsTest, NoPacketsGiveAnEmptyBlock) {
  ReceiveStatistics s(kSsrc, kVideoClock);
  const auto block = s.reportBlock(1'000'000);
  EXPECT_EQ(block.ssrc, kSsrc);
  EXPECT_EQ(block.fractionLost, 0);
  EXPECT_EQ(block.cumulativeLost, 0);
  EXPECT_EQ(block.highestSequence, 0u);
  EXPECT_EQ(block.lastSenderReport, 0u);
  EXPECT_EQ(block.delaySinceLastSenderReport, 0u);
  EXPECT_EQ(s.bitrateBps(1'000'000), 0u);
}

TEST(ReceiveStatisticsTest, WrapAroundCountsCycles) {
  ReceiveStatistics s(kSsrc, kVideoClock);
  uint16_t seq = 65500;
  for (int i = 0; i < 130; ++i, ++seq) {
    if (seq == 65535 || seq == 0) continue;  // lost across the wrap
    s.onPacket(seq, static_cast<uint32_t>(i * 3000), 1200, i * 33'333);
  }
  EXPECT_EQ(s.extendedHighestSequence(), (1u << 16) + 93);  // 65500 + 129 - 65536
  EXPECT_EQ(s.lost(), 2);
  const auto block = s.reportBlock(10'000'000);
  EXPECT_EQ(block.highestSequence, (1u << 16) + 93);
  EXPECT_EQ(block.fractionLost, (2 << 8) / 130);
  // A late packet from before the wrap (within the misorder tolerance) is counted, and
  // does not go back a cycle.
  s.onPacket(65535, 0, 1200, 11'000'000);
  EXPECT_EQ(s.extendedHighestSequence(), (1u << 16) + 93);
  EXPECT_EQ(s.lost(), 1);
  // One further behind than kMaxMisorder is taken as a jump and ignored.
  s.onPacket(65500 + 10, 0, 1200, 11'100'000);
  EXPECT_EQ(s.lost(), 1);
}

TEST(ReceiveStatisticsTest, ReorderingIsNotLoss) {
  ReceiveStatistics s(kSsrc, kVideoClock);
  for (uint16_t seq : {10, 11, 13, 12, 14}) s.onPacket(seq, seq * 3000u, 100, seq * 33'333);
  EXPECT_EQ(s.extendedHighestSequence(), 14u);
  EXPECT_EQ(s.lost(), 0);
  EXPECT_EQ(s.reportBlock(1'000'000).fractionLost, 0);
}

TEST(ReceiveStatisticsTest, DuplicatesCountAsReceivedPerA1) {
  ReceiveStatistics s(kSsrc, kVideoClock);
  for (uint16_t seq : {1, 2, 2, 3}) s.onPacket(seq, seq * 3000u, 100, seq * 33'333);
  EXPECT_EQ(s.packets(), 4u);
  EXPECT_EQ(s.lost(), -1);
  const auto block = s.reportBlock(1'000'000);
  EXPECT_EQ(block.cumulativeLost, -1);
  EXPECT_EQ(block.fractionLost, 0);  // negative loss is reported as 0
}

TEST(ReceiveStatisticsTest, BigJumpNeedsConfirmation) {
  ReceiveStatistics s(kSsrc, kVideoClock);
  for (uint16_t seq = 0; seq < 10; ++seq) s.onPacket(seq, seq * 3000u, 100, seq * 33'333);
  s.onPacket(20000, 0, 100, 400'000);  // a stray packet: ignored
  s.onPacket(10, 30'000, 100, 410'000);
  EXPECT_EQ(s.extendedHighestSequence(), 10u);
  EXPECT_EQ(s.lost(), 0);
  // Two in a row: the sender really jumped; counting restarts there, loss so far kept.
  s.onPacket(12, 36'000, 100, 420'000);  // 11 lost
  s.onPacket(30000, 40'000, 100, 430'000);
  s.onPacket(30001, 43'000, 100, 460'000);
  EXPECT_EQ(s.extendedHighestSequence(), 30001u);
  EXPECT_EQ(s.lost(), 1);
  s.onPacket(30003, 49'000, 100, 520'000);
  EXPECT_EQ(s.lost(), 2);
  EXPECT_EQ(s.reportBlock(600'000).cumulativeLost, 2);
  EXPECT_EQ(s.packets(), 16u);  // every packet passed in
}

TEST(ReceiveStatisticsTest, JitterOfConstantRateStreamIsZero) {
  ReceiveStatistics s(kSsrc, kVideoClock);
  // 50 fps: 1800 ticks every 20 ms, a few packets per frame paced out.
  for (int frame = 0; frame < 300; ++frame)
    for (int k = 0; k < 3; ++k)
      s.onPacket(static_cast<uint16_t>(65000 + frame * 3 + k), 1'000'000u + frame * 1800u, 1000,
                 5'000'000 + frame * 20'000 + k * 2'000);
  EXPECT_EQ(s.jitter(), 0u);
  EXPECT_EQ(s.reportBlock(12'000'000).jitter, 0u);
  // 30 fps does not divide microseconds evenly: still within a tick.
  ReceiveStatistics t(kSsrc, kVideoClock);
  for (int i = 0; i < 300; ++i)
    t.onPacket(static_cast<uint16_t>(i), 3000u * i, 1000, (int64_t{i} * 100'000) / 3);
  EXPECT_LE(t.jitter(), 1u);
}

TEST(ReceiveStatisticsTest, JitterConvergesToTheDelayVariation) {
  ReceiveStatistics s(kSsrc, kVideoClock);
  // Every other frame arrives 10 ms late: |D| = 900 ticks for every packet.
  for (int i = 0; i < 400; ++i)
    s.onPacket(static_cast<uint16_t>(i), 3000u * i, 1000,
               int64_t{i} * 100'000 / 3 + (i % 2 == 1 ? 10'000 : 0));
  EXPECT_NEAR(static_cast<double>(s.jitter()), 900.0, 5.0);
  // A late (reordered or retransmitted) packet does not count.
  const uint32_t before = s.jitter();
  s.onPacket(395, 395 * 3000u, 1000, 400 * 100'000 / 3 + 500'000);
  EXPECT_EQ(s.jitter(), before);
}

TEST(ReceiveStatisticsTest, LsrAndDlsr) {
  ReceiveStatistics s(kSsrc, kVideoClock);
  s.onPacket(1, 0, 100, 900'000);
  auto block = s.reportBlock(950'000);
  EXPECT_EQ(block.lastSenderReport, 0u);
  EXPECT_EQ(block.delaySinceLastSenderReport, 0u);
  s.onSenderReport(0x1122334455667788ull, 1'000'000);
  block = s.reportBlock(1'500'000);
  EXPECT_EQ(block.lastSenderReport, 0x33445566u);
  EXPECT_EQ(block.delaySinceLastSenderReport, 32768u);  // 0.5 s
  block = s.reportBlock(3'250'000);
  EXPECT_EQ(block.delaySinceLastSenderReport, 2u * 65536 + 16384);  // 2.25 s
}

TEST(ReceiveStatisticsTest, BitrateOverOneSecond) {
  ReceiveStatistics s(kSsrc, kVideoClock);
  for (int i = 0; i < 100; ++i)
    s.onPacket(static_cast<uint16_t>(i), 900u * i, 1000, 10'000'000 + int64_t{i} * 10'000);
  EXPECT_EQ(s.bitrateBps(10'990'000), 800'000u);
  EXPECT_EQ(s.bitrateBps(11'500'000), 49u * 8000);  // only the packets from 10.51 s on
  EXPECT_EQ(s.bitrateBps(13'000'000), 0u);
}

TEST(ReceiveStatisticsTest, BlockSurvivesAReceiverReport) {
  ReceiveStatistics s(kSsrc, kVideoClock);
  for (uint16_t seq = 0; seq < 50; ++seq)
    if (seq != 7) s.onPacket(seq, seq * 3000u, 100, seq * 33'333);
  s.onSenderReport(0x0000ABCD12340000ull, 2'000'000);
  const rtcp::ReportBlock block = s.reportBlock(2'100'000);
  std::array<uint8_t, 64> buf{};
  const size_t n = rtcp::ReceiverReport::build(buf.data(), buf.size(), 1, {&block, 1});
  ASSERT_GT(n, 0u);
  const auto rr = rtcp::ReceiverReport::parse(buf.data(), n);
  ASSERT_TRUE(rr);
  ASSERT_EQ(rr->reportCount(), 1u);
  const auto back = rr->reportBlock(0);
  EXPECT_EQ(back.ssrc, kSsrc);
  EXPECT_EQ(back.fractionLost, (1 << 8) / 50);
  EXPECT_EQ(back.cumulativeLost, 1);
  EXPECT_EQ(back.highestSequence, 49u);
  EXPECT_EQ(back.lastSenderReport, 0xABCD1234u);
  EXPECT_EQ(back.delaySinceLastSenderReport, 6553u);  // 0.1 s, rounded down
}

}  // namespace
}  // namespace parley::media::rtp
