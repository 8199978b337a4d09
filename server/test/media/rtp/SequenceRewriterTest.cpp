#include "media/rtp/SequenceRewriter.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

namespace parley::media::rtp {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr uint32_t kVideoClock = 90000;

TEST(SequenceRewriterTest, FirstSourcePassesThrough) {
  SequenceRewriter r(kVideoClock);
  EXPECT_FALSE(r.started());
  for (uint16_t i = 0; i < 5; ++i) {
    const auto out = r.rewrite(static_cast<uint16_t>(100 + i), 3000u * i + 7);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->sequenceNumber, 100 + i);
    EXPECT_EQ(out->timestamp, 3000u * i + 7);
  }
  EXPECT_TRUE(r.started());
}

TEST(SequenceRewriterTest, DroppedPacketsLeaveNoGapAndLatePacketsKeepTheirNumbers) {
  SequenceRewriter r(kVideoClock);
  ASSERT_EQ(r.rewrite(100, 0)->sequenceNumber, 100);
  ASSERT_EQ(r.rewrite(101, 0)->sequenceNumber, 101);
  r.drop(103);  // 102 is late; 103 is taken out
  ASSERT_EQ(r.rewrite(104, 3000)->sequenceNumber, 103);
  // The late 102 is numbered as before the drop: it fills the gap the receiver saw.
  ASSERT_EQ(r.rewrite(102, 0)->sequenceNumber, 102);
  r.drop(105);
  r.drop(106);
  ASSERT_EQ(r.rewrite(107, 6000)->sequenceNumber, 104);
  // Retransmissions map to what was sent; a dropped packet never comes back.
  ASSERT_EQ(r.rewrite(104, 3000)->sequenceNumber, 103);
  EXPECT_FALSE(r.rewrite(105, 3000));
  EXPECT_FALSE(r.rewrite(106, 3000));
  // A drop arriving after newer packets cannot be taken out any more: it stays a gap.
  ASSERT_EQ(r.rewrite(109, 9000)->sequenceNumber, 106);
  r.drop(108);
  ASSERT_EQ(r.rewrite(110, 9000)->sequenceNumber, 107);
  // NACK mapping still works across the drops.
  auto origin = r.origin(104);
  ASSERT_TRUE(origin);
  EXPECT_EQ(origin->sequenceNumber, 107);
}

TEST(SequenceRewriterTest, DropsAcrossTheWrapAndASourceSwitch) {
  SequenceRewriter r(kVideoClock);
  ASSERT_EQ(r.rewrite(0xFFFE, 0)->sequenceNumber, 0xFFFE);
  r.drop(0xFFFF);
  ASSERT_EQ(r.rewrite(0, 3000)->sequenceNumber, 0xFFFF);
  ASSERT_EQ(r.rewrite(1, 3000)->sequenceNumber, 0);
  // A new source starts right after, whatever was dropped in the old one.
  r.switchSource(milliseconds(30));
  ASSERT_EQ(r.rewrite(5000, 90000)->sequenceNumber, 1);
  r.drop(5001);
  ASSERT_EQ(r.rewrite(5002, 93000)->sequenceNumber, 2);
}

TEST(SequenceRewriterTest, APacketOlderThanEveryRememberedDropIsNotForwarded) {
  SequenceRewriter r(kVideoClock);
  ASSERT_TRUE(r.rewrite(1000, 0));
  // 1001 never arrives in time; then 200 drops interleaved with forwarded packets.
  uint16_t seq = 1002;
  for (int i = 0; i < 200; ++i) {
    r.drop(seq++);
    ASSERT_TRUE(r.rewrite(seq++, 0));
  }
  // 1001 is older than the 128 drops still remembered: its number cannot be worked out.
  EXPECT_FALSE(r.rewrite(1001, 0));
}

TEST(SequenceRewriterTest, SequenceAndTimestampWrapAround) {
  SequenceRewriter r(kVideoClock);
  uint16_t seq = 0xFFFD;
  uint32_t ts = 0xFFFFF000u;
  for (int i = 0; i < 6; ++i) {
    const auto out = r.rewrite(seq, ts);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->sequenceNumber, seq);
    EXPECT_EQ(out->timestamp, ts);
    ++seq;
    ts += 3000;  // wraps the 32-bit timestamp
  }
  // A reordered packet from before the wrap is still mapped (not dropped).
  const auto late = r.rewrite(0xFFFE, 0xFFFFF000u + 3000);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->sequenceNumber, 0xFFFE);
}

TEST(SequenceRewriterTest, ReorderingAndLossKeepGaps) {
  SequenceRewriter r(kVideoClock);
  ASSERT_TRUE(r.rewrite(10, 1000));
  // 11 lost, 13 before 12.
  const auto a = r.rewrite(13, 1300);
  const auto b = r.rewrite(12, 1200);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->sequenceNumber, 13);
  EXPECT_EQ(b->sequenceNumber, 12);
  EXPECT_EQ(b->timestamp, 1200u);
  // A packet older than the first one forwarded is dropped.
  EXPECT_FALSE(r.rewrite(9, 900));
}

TEST(SequenceRewriterTest, LayerSwitchContinuesSequence) {
  SequenceRewriter r(kVideoClock);
  ASSERT_TRUE(r.rewrite(1000, 50000));
  ASSERT_TRUE(r.rewrite(1001, 53000));
  // Switch to another layer whose numbering is unrelated; 33 ms later.
  r.switchSource(milliseconds(33));
  const auto k = r.rewrite(40000, 7777777);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->sequenceNumber, 1002);
  EXPECT_EQ(k->timestamp, 53000u + 2970u);  // 33 ms at 90 kHz
  const auto n = r.rewrite(40001, 7777777 + 3000);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->sequenceNumber, 1003);
  EXPECT_EQ(n->timestamp, 53000u + 2970u + 3000u);
  // Packets of the new layer older than its keyframe are dropped.
  EXPECT_FALSE(r.rewrite(39999, 7777777 - 3000));
  EXPECT_EQ(r.source(), 1u);
}

TEST(SequenceRewriterTest, SwitchAdvancesTimestampAtLeastOneTick) {
  SequenceRewriter r(kVideoClock);
  ASSERT_TRUE(r.rewrite(5, 100));
  r.switchSource(microseconds(0));
  const auto a = r.rewrite(60000, 0);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->sequenceNumber, 6);
  EXPECT_EQ(a->timestamp, 101u);
  r.switchSource(microseconds(-5));  // negative: treated as zero
  const auto b = r.rewrite(3, 0);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->sequenceNumber, 7);
  EXPECT_EQ(b->timestamp, 102u);
}

TEST(SequenceRewriterTest, SwitchAcrossOutgoingWrap) {
  SequenceRewriter r(48000);
  ASSERT_TRUE(r.rewrite(0xFFFF, 0xFFFFFF00u));
  r.switchSource(milliseconds(20));  // 960 ticks at 48 kHz
  const auto a = r.rewrite(500, 10);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->sequenceNumber, 0);
  EXPECT_EQ(a->timestamp, 0xFFFFFF00u + 960u);  // wraps to 0x2C0
  EXPECT_EQ(a->timestamp, 0x2C0u);
}

TEST(SequenceRewriterTest, LongPauseThenResume) {
  SequenceRewriter r(kVideoClock);
  ASSERT_TRUE(r.rewrite(200, 1000));
  // Paused for ten minutes; the resumed stream restarts its numbering.
  r.switchSource(std::chrono::minutes(10));
  const auto a = r.rewrite(200, 1000);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->sequenceNumber, 201);
  EXPECT_EQ(a->timestamp, static_cast<uint32_t>(1000u + 600ull * 90000ull));
  // A day-long gap is clamped and still wraps cleanly (no overflow).
  r.switchSource(std::chrono::hours(24 * 365));
  const auto b = r.rewrite(7, 7);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->sequenceNumber, 202);
}

TEST(SequenceRewriterTest, ManySwitchesWithWrappingInputs) {
  SequenceRewriter r(kVideoClock);
  uint16_t expected = 0xFFF0;
  uint16_t in = 0xFFF0;
  uint32_t ts = 0xFFFF0000u;
  for (int layer = 0; layer < 5; ++layer) {
    if (layer > 0) r.switchSource(milliseconds(10));
    for (int i = 0; i < 20; ++i) {
      const auto out = r.rewrite(in, ts);
      ASSERT_TRUE(out);
      EXPECT_EQ(out->sequenceNumber, expected);
      ++in;
      ++expected;
      ts += 1500;
    }
    in = static_cast<uint16_t>(in + 30000);  // next layer numbered elsewhere
  }
}

TEST(SequenceRewriterTest, OriginMapsBackWithinWindow) {
  SequenceRewriter r(kVideoClock);
  ASSERT_TRUE(r.rewrite(0xFFFE, 0));
  ASSERT_TRUE(r.rewrite(0xFFFF, 0));
  r.switchSource(milliseconds(5));
  ASSERT_TRUE(r.rewrite(1234, 0));  // outgoing 0 after the wrap
  const auto o0 = r.origin(0);
  ASSERT_TRUE(o0);
  EXPECT_EQ(o0->sequenceNumber, 1234);
  EXPECT_EQ(o0->source, 1u);
  const auto o1 = r.origin(0xFFFF);
  ASSERT_TRUE(o1);
  EXPECT_EQ(o1->sequenceNumber, 0xFFFF);
  EXPECT_EQ(o1->source, 0u);
  EXPECT_FALSE(r.origin(1));       // not sent yet
  EXPECT_FALSE(r.origin(0xFFFD));  // never sent
}

TEST(SequenceRewriterTest, OriginForgetsOutsideWindowAndGaps) {
  SequenceRewriter r(kVideoClock);
  EXPECT_FALSE(r.origin(0));
  for (uint32_t i = 0; i < 3000; ++i) {
    if (i == 2500) continue;  // lost
    ASSERT_TRUE(r.rewrite(static_cast<uint16_t>(i), i));
  }
  EXPECT_FALSE(r.origin(2500));
  EXPECT_TRUE(r.origin(2999));
  EXPECT_TRUE(r.origin(static_cast<uint16_t>(3000 - SequenceRewriter::kHistorySize)));
  EXPECT_FALSE(r.origin(static_cast<uint16_t>(3000 - SequenceRewriter::kHistorySize - 1)));
  EXPECT_FALSE(r.origin(5));
}

TEST(SequenceRewriterTest, ASmallerHistoryIsRoundedUpAndBoundsTheWindow) {
  SequenceRewriter r(kVideoClock, 20);
  EXPECT_EQ(r.historySize(), 32u);
  EXPECT_EQ(SequenceRewriter(kVideoClock, 1).historySize(), SequenceRewriter::kMinHistorySize);
  for (uint32_t i = 0; i < 100; ++i) ASSERT_TRUE(r.rewrite(static_cast<uint16_t>(i), i));
  EXPECT_TRUE(r.origin(99));
  const auto oldest = r.origin(100 - 32);
  ASSERT_TRUE(oldest);
  EXPECT_EQ(oldest->sequenceNumber, 100 - 32);
  EXPECT_FALSE(r.origin(100 - 33));
}

TEST(SequenceRewriterTest, VeryLateReorderedPacketDoesNotEvictHistory) {
  SequenceRewriter r(kVideoClock);
  for (uint32_t i = 0; i < 2000; ++i) {
    if (i == 100) continue;
    ASSERT_TRUE(r.rewrite(static_cast<uint16_t>(i), i));
  }
  // 100 arrives 1900 packets late: forwarded, but not remembered, and 1124 stays.
  const auto late = r.rewrite(100, 100);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->sequenceNumber, 100);
  const auto o = r.origin(100 + SequenceRewriter::kHistorySize);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->sequenceNumber, 100 + SequenceRewriter::kHistorySize);
}

}  // namespace
}  // namespace parley::media::rtp
