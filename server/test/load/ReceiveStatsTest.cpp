#include "load/ReceiveStats.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace parley::load {
namespace {

// Feeds sequence numbers at 10 ms intervals with a 90 kHz timestamp that follows them.
void feed(ReceiveStats& s, const std::vector<int>& seqs, std::int64_t startUs = 0) {
  std::int64_t t = startUs;
  for (int seq : seqs) {
    s.onPacket(static_cast<std::uint16_t>(seq), static_cast<std::uint32_t>(seq * 900), t, 1000);
    t += 10'000;
  }
}

TEST(ReceiveStatsTest, EmptyStream) {
  ReceiveStats s(90000);
  EXPECT_EQ(s.packets(), 0u);
  EXPECT_EQ(s.expected(), 0u);
  EXPECT_EQ(s.lost(), 0u);
  EXPECT_EQ(s.jitter(), 0.0);
}

TEST(ReceiveStatsTest, InOrderCountsPacketsAndBytes) {
  ReceiveStats s(90000);
  for (int i = 0; i < 100; ++i)
    s.onPacket(static_cast<std::uint16_t>(1000 + i), 0, 5'000 + i * 1'000, 1200);
  EXPECT_EQ(s.packets(), 100u);
  EXPECT_EQ(s.bytes(), 120000u);
  EXPECT_EQ(s.extendedHighest(), 1099);
  EXPECT_EQ(s.expected(), 100u);
  EXPECT_EQ(s.lost(), 0u);
  EXPECT_EQ(s.firstArrivalUs(), 5'000);
  EXPECT_EQ(s.lastArrivalUs(), 104'000);
}

TEST(ReceiveStatsTest, GapsAreLost) {
  ReceiveStats s(90000);
  std::vector<int> seqs;
  for (int i = 0; i < 100; ++i)
    if (i % 10 != 3) seqs.push_back(i);
  feed(s, seqs);
  EXPECT_EQ(s.packets(), 90u);
  EXPECT_EQ(s.expected(), 100u);
  EXPECT_EQ(s.lost(), 10u);
}

TEST(ReceiveStatsTest, WrapsAround) {
  ReceiveStats s(90000);
  std::vector<int> seqs;
  for (int i = 0; i < 20; ++i) seqs.push_back((65530 + i) & 0xffff);
  feed(s, seqs);
  EXPECT_EQ(s.extendedHighest(), 65549);
  EXPECT_EQ(s.expected(), 20u);
  EXPECT_EQ(s.lost(), 0u);
}

TEST(ReceiveStatsTest, ManyWrapsWithOnePercentLoss) {
  ReceiveStats s(90000);
  std::uint64_t sent = 0, received = 0;
  for (int i = 0; i < 200'000; ++i, ++sent) {
    if (i % 100 == 50) continue;
    s.onPacket(static_cast<std::uint16_t>(12345 + i), 0, i, 100);
    ++received;
  }
  EXPECT_EQ(s.packets(), received);
  EXPECT_EQ(s.expected(), sent);
  EXPECT_EQ(s.lost(), 2000u);
  EXPECT_EQ(s.extendedHighest(), 12345 + 199'999);
}

TEST(ReceiveStatsTest, ReorderingIsNotLoss) {
  ReceiveStats s(90000);
  feed(s, {1, 2, 4, 3, 5, 8, 6, 7});
  EXPECT_EQ(s.extendedHighest(), 8);
  EXPECT_EQ(s.expected(), 8u);
  EXPECT_EQ(s.lost(), 0u);
}

TEST(ReceiveStatsTest, ReorderingAcrossTheWrap) {
  ReceiveStats s(90000);
  feed(s, {65534, 0, 65535, 1, 2});
  EXPECT_EQ(s.extendedHighest(), 65538);
  EXPECT_EQ(s.expected(), 5u);
  EXPECT_EQ(s.lost(), 0u);
}

TEST(ReceiveStatsTest, LatePacketFromBeforeTheFirstExtendsTheRange) {
  ReceiveStats s(90000);
  feed(s, {10, 8, 11});
  EXPECT_EQ(s.expected(), 4u);  // 8..11
  EXPECT_EQ(s.lost(), 1u);      // 9
  ReceiveStats w(90000);
  feed(w, {1, 65535, 2});       // 65535 is just before 1, across the wrap
  EXPECT_EQ(w.expected(), 4u);  // 65535, 0, 1, 2
  EXPECT_EQ(w.lost(), 1u);
}

TEST(ReceiveStatsTest, DuplicatesNeverMakeLossNegative) {
  ReceiveStats s(90000);
  feed(s, {1, 2, 2, 3, 3, 3});
  EXPECT_EQ(s.packets(), 6u);
  EXPECT_EQ(s.expected(), 3u);
  EXPECT_EQ(s.lost(), 0u);
}

TEST(ReceiveStatsTest, RenumberedStreamStartsANewRun) {
  ReceiveStats s(90000);
  std::vector<int> seqs;
  for (int i = 100; i < 200; ++i) seqs.push_back(i);
  for (int i = 40000; i < 40050; ++i) seqs.push_back(i);
  feed(s, seqs);
  EXPECT_EQ(s.packets(), 150u);
  EXPECT_EQ(s.expected(), 150u);
  EXPECT_EQ(s.lost(), 0u);
  // Later loss in the new run is still counted.
  feed(s, {40051, 40052});
  EXPECT_EQ(s.expected(), 153u);
  EXPECT_EQ(s.lost(), 1u);
}

TEST(ReceiveStatsTest, OneStrayPacketDoesNotMoveTheHighest) {
  ReceiveStats s(90000);
  std::vector<int> seqs;
  for (int i = 100; i < 150; ++i) seqs.push_back(i);
  seqs.push_back(40000);
  for (int i = 150; i < 200; ++i) seqs.push_back(i);
  feed(s, seqs);
  EXPECT_EQ(s.extendedHighest(), 199);
  EXPECT_EQ(s.expected(), 100u);
  EXPECT_EQ(s.lost(), 0u);
}

TEST(ReceiveStatsTest, SteadyStreamHasNoJitter) {
  ReceiveStats s(90000);
  // 20 ms apart, 1800 ticks apart, starting just below the 32-bit timestamp wrap.
  std::uint32_t ts = 0xffffffffu - 5000;
  for (int i = 0; i < 50; ++i, ts += 1800)
    s.onPacket(static_cast<std::uint16_t>(i), ts, 1'700'000'000'000'000LL + i * 20'000, 1000);
  EXPECT_EQ(s.jitter(), 0.0);
  EXPECT_EQ(s.jitterMs(), 0.0);
}

TEST(ReceiveStatsTest, JitterFollowsRfc3550) {
  ReceiveStats s(90000);
  // Every other packet arrives 2 ms (180 ticks) late: |D| = 180 for every packet after
  // the first, so J = 180 / 16 after the second and tends to 180 (2 ms).
  s.onPacket(0, 0, 0, 100);
  s.onPacket(1, 1800, 22'000, 100);
  EXPECT_DOUBLE_EQ(s.jitter(), 11.25);
  for (int i = 2; i < 400; ++i)
    s.onPacket(static_cast<std::uint16_t>(i), static_cast<std::uint32_t>(i * 1800),
               i * 20'000 + (i % 2) * 2'000, 100);
  EXPECT_NEAR(s.jitter(), 180.0, 1e-6);
  EXPECT_NEAR(s.jitterMs(), 2.0, 1e-6);
}

TEST(ReceiveStatsTest, JitterInMsUsesTheClockRate) {
  ReceiveStats s(48000);
  s.onPacket(0, 0, 0, 100);
  s.onPacket(1, 960, 36'000, 100);  // 20 ms of audio arrives after 36 ms: |D| = 768 ticks
  EXPECT_DOUBLE_EQ(s.jitter(), 48.0);
  EXPECT_DOUBLE_EQ(s.jitterMs(), 1.0);
}

TEST(ReceiveStatsTest, RatesBetweenSnapshots) {
  ReceiveStats s(90000);
  for (int i = 0; i < 50; ++i) s.onPacket(static_cast<std::uint16_t>(i), 0, i * 1000, 500);
  const auto start = s.snapshot(1'000'000);
  // One second with 100 packets of 1000 bytes received and 5 lost.
  int seq = 50;
  for (int i = 0; i < 105; ++i, ++seq) {
    if (i % 20 == 7) continue;
    s.onPacket(static_cast<std::uint16_t>(seq), 0, 1'000'000 + i * 9'000, 1000);
  }
  const auto end = s.snapshot(2'000'000);
  EXPECT_EQ(end.packets - start.packets, 100u);
  EXPECT_EQ(end.expected - start.expected, 105u);
  EXPECT_DOUBLE_EQ(ReceiveStats::bitrateBps(start, end), 800'000.0);
  EXPECT_DOUBLE_EQ(ReceiveStats::packetRate(start, end), 100.0);
  EXPECT_DOUBLE_EQ(ReceiveStats::lossFraction(start, end), 5.0 / 105.0);
  EXPECT_EQ(s.snapshot().atUs, s.lastArrivalUs());
}

TEST(ReceiveStatsTest, RatesOfAnEmptyIntervalAreZero) {
  ReceiveStats s(90000);
  const auto a = s.snapshot(1000);
  EXPECT_EQ(ReceiveStats::bitrateBps(a, a), 0.0);
  EXPECT_EQ(ReceiveStats::packetRate(a, a), 0.0);
  EXPECT_EQ(ReceiveStats::lossFraction(a, a), 0.0);
  EXPECT_EQ(ReceiveStats::bitrateBps(s.snapshot(2000), a), 0.0);  // backwards in time
}

}  // namespace
}  // namespace parley::load
