#include "media/rtp/NackGenerator.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "media/rtcp/GenericNack.h"

namespace parley::media::rtp {
namespace {

std::vector<uint16_t> collect(NackGenerator& g, int64_t nowMs, int64_t rttMs = 0,
                              size_t capacity = 512) {
  std::vector<uint16_t> out(capacity);
  out.resize(g.collect(nowMs, rttMs, out.data(), capacity));
  return out;
}

using Seqs = std::vector<uint16_t>;

TEST(NackGeneratorTest, NoLossNoNack) {
  NackGenerator g;
  EXPECT_TRUE(collect(g, 0).empty());
  for (uint16_t s = 100; s < 200; ++s) g.onPacket(s, s);
  EXPECT_TRUE(collect(g, 300).empty());
  EXPECT_EQ(g.missingCount(), 0u);
  EXPECT_EQ(g.nacksRequested(), 0u);
  EXPECT_FALSE(g.keyFrameNeeded());
}

TEST(NackGeneratorTest, GapIsNackedOnFirstCollect) {
  NackGenerator g;
  g.onPacket(1, 0);
  g.onPacket(2, 0);
  g.onPacket(5, 1);
  EXPECT_EQ(g.missingCount(), 2u);
  EXPECT_EQ(collect(g, 1), (Seqs{3, 4}));
  EXPECT_EQ(g.nacksRequested(), 2u);
  // Not again before the retry interval.
  EXPECT_TRUE(collect(g, 2).empty());
}

TEST(NackGeneratorTest, RetryIntervalIsRttWithAFloor) {
  NackGenerator g;
  g.onPacket(1, 0);
  g.onPacket(3, 0);
  EXPECT_EQ(collect(g, 0, 5), (Seqs{2}));
  EXPECT_TRUE(collect(g, 19, 5).empty());  // floor of 20 ms
  EXPECT_EQ(collect(g, 20, 5), (Seqs{2}));
  EXPECT_TRUE(collect(g, 69, 50).empty());  // rtt 50 ms
  EXPECT_EQ(collect(g, 70, 50), (Seqs{2}));
  EXPECT_EQ(g.nacksRequested(), 3u);
}

TEST(NackGeneratorTest, GivesUpAfterMaxRetries) {
  NackGenerator g;
  g.onPacket(10, 0);
  g.onPacket(12, 0);
  int64_t now = 0;
  for (uint32_t i = 0; i < NackGenerator::kMaxRetries; ++i, now += 20)
    EXPECT_EQ(collect(g, now), (Seqs{11})) << i;
  EXPECT_EQ(g.missingCount(), 1u);  // its last retry still has time to come back
  EXPECT_TRUE(collect(g, now).empty());
  EXPECT_EQ(g.missingCount(), 0u);
  EXPECT_EQ(g.nacksRequested(), NackGenerator::kMaxRetries);
  EXPECT_FALSE(g.keyFrameNeeded());
}

TEST(NackGeneratorTest, GivesUpAfterMaxAge) {
  NackGenerator g;
  g.onPacket(10, 0);
  g.onPacket(12, 0);
  EXPECT_EQ(collect(g, 0, 400), (Seqs{11}));
  EXPECT_EQ(collect(g, 400, 400), (Seqs{11}));
  EXPECT_EQ(collect(g, 800, 400), (Seqs{11}));
  EXPECT_TRUE(collect(g, 1000, 400).empty());
  EXPECT_EQ(g.missingCount(), 1u);
  EXPECT_TRUE(collect(g, 1001, 400).empty());
  EXPECT_EQ(g.missingCount(), 0u);
  // Arriving after that is not a recovery.
  g.onPacket(11, 1100);
  EXPECT_EQ(g.recovered(), 0u);
}

TEST(NackGeneratorTest, ReorderedPacketIsNotNacked) {
  NackGenerator g;
  g.onPacket(1, 0);
  g.onPacket(3, 0);
  g.onPacket(2, 1);
  EXPECT_TRUE(collect(g, 1).empty());
  EXPECT_EQ(g.recovered(), 1u);
  EXPECT_EQ(g.missingCount(), 0u);
}

TEST(NackGeneratorTest, RetransmissionIsCountedAsRecovered) {
  NackGenerator g;
  g.onPacket(1, 0);
  g.onPacket(5, 0);
  EXPECT_EQ(collect(g, 0), (Seqs{2, 3, 4}));
  g.onPacket(3, 10);  // retransmission
  EXPECT_EQ(g.recovered(), 1u);
  EXPECT_EQ(collect(g, 20), (Seqs{2, 4}));
  g.onPacket(2, 25);
  g.onPacket(4, 26);
  g.onPacket(4, 27);  // duplicate retransmission
  EXPECT_EQ(g.recovered(), 3u);
  EXPECT_TRUE(collect(g, 100).empty());
  EXPECT_EQ(g.nacksRequested(), 5u);
}

TEST(NackGeneratorTest, DuplicatesChangeNothing) {
  NackGenerator g;
  g.onPacket(1, 0);
  g.onPacket(2, 0);
  g.onPacket(2, 0);
  g.onPacket(4, 0);
  g.onPacket(4, 0);
  g.onPacket(1, 0);
  EXPECT_EQ(collect(g, 0), (Seqs{3}));
  EXPECT_EQ(g.recovered(), 0u);
}

TEST(NackGeneratorTest, WrapAroundKeepsWrappingOrder) {
  NackGenerator g;
  g.onPacket(65532, 0);
  g.onPacket(65534, 0);
  g.onPacket(2, 0);
  const Seqs lost = collect(g, 0);
  EXPECT_EQ(lost, (Seqs{65533, 65535, 0, 1}));
  // Packs into one NACK and parses back the same.
  std::array<uint8_t, 64> buf{};
  const size_t n = rtcp::GenericNack::build(buf.data(), buf.size(), 1, 2, lost.data(), lost.size());
  ASSERT_GT(n, 0u);
  const auto nack = rtcp::GenericNack::parse(buf.data(), n);
  ASSERT_TRUE(nack);
  std::array<uint16_t, 32> back{};
  ASSERT_EQ(nack->lostSequenceNumbers(back.data(), back.size()), lost.size());
  EXPECT_TRUE(std::equal(lost.begin(), lost.end(), back.begin()));
  // A late packet from before the wrap is recognised.
  g.onPacket(65535, 5);
  EXPECT_EQ(g.recovered(), 1u);
  EXPECT_EQ(collect(g, 40), (Seqs{65533, 0, 1}));
}

TEST(NackGeneratorTest, OrderStaysIncreasingWithMixedRetries) {
  NackGenerator g;
  g.onPacket(1, 0);
  g.onPacket(3, 0);
  EXPECT_EQ(collect(g, 0), (Seqs{2}));
  g.onPacket(6, 5);
  EXPECT_EQ(collect(g, 5), (Seqs{4, 5}));
  EXPECT_EQ(collect(g, 20), (Seqs{2}));
  EXPECT_EQ(collect(g, 25), (Seqs{4, 5}));
  EXPECT_EQ(collect(g, 45), (Seqs{2, 4, 5}));
}

TEST(NackGeneratorTest, BigJumpAsksForKeyFrame) {
  NackGenerator g;
  g.onPacket(10, 0);
  g.onPacket(12, 0);
  g.onPacket(10 + 1 + NackGenerator::kMaxJump + 2, 1);  // ahead by more than kMaxJump
  EXPECT_TRUE(g.keyFrameNeeded());
  EXPECT_EQ(g.missingCount(), 0u);
  EXPECT_TRUE(collect(g, 1).empty());
  g.clearKeyFrameRequest();
  EXPECT_FALSE(g.keyFrameNeeded());
  // Continues from the new position.
  g.onPacket(1014, 2);
  g.onPacket(1016, 2);
  EXPECT_EQ(collect(g, 2), (Seqs{1015}));
  EXPECT_FALSE(g.keyFrameNeeded());
}

TEST(NackGeneratorTest, TooManyMissingAsksForKeyFrame) {
  NackGenerator g;
  g.onPacket(0, 0);
  g.onPacket(200, 0);  // 199 missing
  EXPECT_FALSE(g.keyFrameNeeded());
  EXPECT_EQ(g.missingCount(), 199u);
  g.onPacket(300, 1);  // 99 more: over kCapacity
  EXPECT_TRUE(g.keyFrameNeeded());
  EXPECT_EQ(g.missingCount(), 0u);
  g.clearKeyFrameRequest();
  g.onPacket(302, 2);
  EXPECT_EQ(collect(g, 2), (Seqs{301}));
  // One gap larger than the capacity as well.
  g.onPacket(302 + NackGenerator::kCapacity + 2, 3);
  EXPECT_TRUE(g.keyFrameNeeded());
  EXPECT_EQ(g.missingCount(), 0u);
}

TEST(NackGeneratorTest, OutputCapacityLeavesTheRestDue) {
  NackGenerator g;
  g.onPacket(0, 0);
  g.onPacket(10, 0);
  EXPECT_EQ(collect(g, 0, 0, 4), (Seqs{1, 2, 3, 4}));
  EXPECT_EQ(collect(g, 1, 0, 4), (Seqs{5, 6, 7, 8}));
  EXPECT_EQ(collect(g, 2, 0, 4), (Seqs{9}));
  EXPECT_EQ(g.nacksRequested(), 9u);
  EXPECT_EQ(collect(g, 21, 0, 4), (Seqs{1, 2, 3, 4}));
}

TEST(NackGeneratorTest, SequenceRestartBackwards) {
  NackGenerator g;
  g.onPacket(40000, 0);
  g.onPacket(40002, 0);
  g.onPacket(10000, 1);  // 30000 behind: the sender restarted
  EXPECT_TRUE(g.keyFrameNeeded());
  EXPECT_EQ(g.missingCount(), 0u);
  g.clearKeyFrameRequest();
  g.onPacket(10002, 2);
  EXPECT_EQ(collect(g, 2), (Seqs{10001}));
}

TEST(NackGeneratorTest, LatePacketWeGaveUpOnCostsNoKeyFrame) {
  NackGenerator g;
  g.onPacket(5000, 0);
  g.onPacket(5001, 0);
  g.onPacket(3000, 1);  // 2000 behind, e.g. a retransmission after we gave up
  EXPECT_FALSE(g.keyFrameNeeded());
  g.onPacket(5003, 2);
  EXPECT_EQ(collect(g, 2), (Seqs{5002}));
}

}  // namespace
}  // namespace parley::media::rtp
