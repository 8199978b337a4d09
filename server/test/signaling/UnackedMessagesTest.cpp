#include "signaling/UnackedMessages.h"

#include <gtest/gtest.h>

#include <vector>

namespace parley::signaling {
namespace {

std::vector<std::string> pending(const UnackedMessages& u) {
  std::vector<std::string> out;
  u.forEach([&](std::string_view f) { out.emplace_back(f); });
  return out;
}

TEST(UnackedMessagesTest, AcksRemoveOutOfOrderAndKeepSendOrder) {
  UnackedMessages u({.maxCount = 10, .maxBytes = 1000});
  for (std::uint64_t i = 0; i < 5; ++i) u.push(10 + i, "f" + std::to_string(i));
  EXPECT_TRUE(u.ack(12));
  EXPECT_FALSE(u.ack(12));
  EXPECT_TRUE(u.ack(10));
  EXPECT_FALSE(u.ack(99));
  EXPECT_FALSE(u.ack(9));
  EXPECT_EQ(pending(u), (std::vector<std::string>{"f1", "f3", "f4"}));
  EXPECT_EQ(u.count(), 3u);
  EXPECT_EQ(u.bytes(), 6u);
}

TEST(UnackedMessagesTest, BoundedInCountAndBytesOldestForgotten) {
  UnackedMessages u({.maxCount = 3, .maxBytes = 100});
  for (std::uint64_t i = 0; i < 5; ++i) u.push(i + 1, "x");
  EXPECT_EQ(u.count(), 3u);
  EXPECT_EQ(u.forgotten(), 2u);
  EXPECT_FALSE(u.ack(1));
  EXPECT_TRUE(u.ack(5));
  u.push(6, std::string(90, 'b'));
  u.push(7, std::string(60, 'c'));
  EXPECT_LE(u.bytes(), 100u);
  EXPECT_TRUE(u.ack(7));
  EXPECT_EQ(u.bytes(), 0u);
}

TEST(UnackedMessagesTest, AnOldUnackedMessageDoesNotPinAckedSlotsForever) {
  UnackedMessages u({.maxCount = 8, .maxBytes = 1 << 20});
  u.push(1, "s");
  for (std::uint64_t i = 2; i < 10002; ++i) {
    u.push(i, "m");
    ASSERT_TRUE(u.ack(i));
  }
  EXPECT_EQ(u.count(), 0u) << "the stuck one was eventually forgotten";
  EXPECT_EQ(u.forgotten(), 1u);
}

TEST(UnackedMessagesTest, NewestFirstAcksEmptyTheQueue) {
  // Acknowledged newest first, every slot stays behind the oldest pending one until it goes;
  // what it costs at scale is measured by server/bench/UnackedMessagesBench.cpp.
  UnackedMessages u({.maxCount = 2000, .maxBytes = 1 << 20});
  for (std::uint64_t i = 1; i <= 1000; ++i) u.push(i, "m");
  for (std::uint64_t i = 1000; i >= 1; --i) ASSERT_TRUE(u.ack(i));
  EXPECT_EQ(u.count(), 0u);
  EXPECT_EQ(u.bytes(), 0u);
  u.push(1001, "m");
  EXPECT_EQ(u.count(), 1u);
}

TEST(UnackedMessagesTest, AcknowledgedBytesBehindAStuckFrameAreBounded) {
  UnackedMessages u({.maxCount = 1000, .maxBytes = 10000});
  u.push(1, "stuck");
  std::uint64_t next = 2;
  for (int i = 0; i < 3000; ++i, ++next) {
    u.push(next, std::string(100, 'm'));
    ASSERT_TRUE(u.ack(next));
    ASSERT_LE(u.bufferedBytes(), 2 * 10000u + 64 * 1024u + 100u);
  }
  EXPECT_EQ(u.forgotten(), 1u) << "the stuck frame was let go to bound the buffer";
  EXPECT_EQ(u.count(), 0u);
}

TEST(UnackedMessagesTest, FramesSurviveTheBufferMovingOn) {
  // Acks from the front let the buffer drop its head and start over; what is still pending
  // must come back byte for byte.
  UnackedMessages u({.maxCount = 100, .maxBytes = 1 << 20});
  std::vector<std::string> expected;
  for (std::uint64_t i = 1; i <= 2000; ++i) {
    std::string frame = "frame-" + std::to_string(i) + std::string(i % 50, '.');
    u.push(i, frame);
    if (i % 3 == 0) {
      expected.push_back(frame);
    } else {
      ASSERT_TRUE(u.ack(i));
    }
    // Keep at most 30 pending: acknowledge the oldest kept one now and then.
    if (expected.size() > 30) {
      const auto oldest = std::stoull(expected.front().substr(6));
      ASSERT_TRUE(u.ack(oldest));
      expected.erase(expected.begin());
    }
  }
  EXPECT_EQ(pending(u), expected);
  EXPECT_LE(u.bufferedBytes(), 2 * 64u * 1024) << "blocks behind the oldest pending frame are gone";
}

TEST(UnackedMessagesTest, SequencesOnlyGrow) {
  UnackedMessages u({.maxCount = 10, .maxBytes = 1000});
  u.push(5, "a");
  u.push(5, "again");
  u.push(3, "older");
  EXPECT_EQ(pending(u), (std::vector<std::string>{"a"}));
  EXPECT_FALSE(u.ack(3));
  EXPECT_TRUE(u.ack(5));
}

}  // namespace
}  // namespace parley::signaling
