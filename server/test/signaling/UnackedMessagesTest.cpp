#include "signaling/UnackedMessages.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace parley::signaling {
namespace {

// A message whose frame is as long as its payload, so byte limits read as before.
void push(UnackedMessages& u, std::uint64_t sequence, std::string payload) {
  const std::size_t size = payload.size();
  u.push(sequence,
         std::make_shared<const UnackedMessages::Message>(
             UnackedMessages::Message{"from", std::move(payload)}),
         size);
}

std::vector<std::string> pending(const UnackedMessages& u) {
  std::vector<std::string> out;
  u.forEach([&](std::uint64_t, const UnackedMessages::Message& m) { out.push_back(m.payload); });
  return out;
}

TEST(UnackedMessagesTest, AcksRemoveOutOfOrderAndKeepSendOrder) {
  UnackedMessages u({.maxCount = 10, .maxBytes = 1000});
  for (std::uint64_t i = 0; i < 5; ++i) push(u, 10 + i, "f" + std::to_string(i));
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
  for (std::uint64_t i = 0; i < 5; ++i) push(u, i + 1, "x");
  EXPECT_EQ(u.count(), 3u);
  EXPECT_EQ(u.forgotten(), 2u);
  EXPECT_FALSE(u.ack(1));
  EXPECT_TRUE(u.ack(5));
  push(u, 6, std::string(90, 'b'));
  push(u, 7, std::string(60, 'c'));
  EXPECT_LE(u.bytes(), 100u);
  EXPECT_TRUE(u.ack(7));
  EXPECT_EQ(u.bytes(), 0u);
}

TEST(UnackedMessagesTest, AnOldUnackedMessageDoesNotPinAckedSlotsForever) {
  UnackedMessages u({.maxCount = 8, .maxBytes = 1 << 20});
  push(u, 1, "s");
  for (std::uint64_t i = 2; i < 10002; ++i) {
    push(u, i, "m");
    ASSERT_TRUE(u.ack(i));
  }
  EXPECT_EQ(u.count(), 0u) << "the stuck one was eventually forgotten";
  EXPECT_EQ(u.forgotten(), 1u);
}

TEST(UnackedMessagesTest, NewestFirstAcksEmptyTheQueue) {
  // Acknowledged newest first, every slot stays behind the oldest pending one until it goes;
  // what it costs at scale is measured by server/bench/UnackedMessagesBench.cpp.
  UnackedMessages u({.maxCount = 2000, .maxBytes = 1 << 20});
  for (std::uint64_t i = 1; i <= 1000; ++i) push(u, i, "m");
  for (std::uint64_t i = 1000; i >= 1; --i) ASSERT_TRUE(u.ack(i));
  EXPECT_EQ(u.count(), 0u);
  EXPECT_EQ(u.bytes(), 0u);
  push(u, 1001, "m");
  EXPECT_EQ(u.count(), 1u);
}

TEST(UnackedMessagesTest, AcknowledgedBytesBehindAStuckFrameAreBounded) {
  UnackedMessages u({.maxCount = 1000, .maxBytes = 10000});
  push(u, 1, "stuck");
  std::uint64_t next = 2;
  for (int i = 0; i < 3000; ++i, ++next) {
    push(u, next, std::string(100, 'm'));
    ASSERT_TRUE(u.ack(next));
    ASSERT_LE(u.bufferedBytes(), 2 * 10000u + 64 * 1024u + 100u);
  }
  EXPECT_EQ(u.forgotten(), 1u) << "the stuck frame was let go to bound the buffer";
  EXPECT_EQ(u.count(), 0u);
}

TEST(UnackedMessagesTest, FramesSurviveTheBufferMovingOn) {
  // Acks from the front let the queue drop its head; what is still pending must come back
  // unchanged.
  UnackedMessages u({.maxCount = 100, .maxBytes = 1 << 20});
  std::vector<std::string> expected;
  for (std::uint64_t i = 1; i <= 2000; ++i) {
    std::string frame = "frame-" + std::to_string(i) + std::string(i % 50, '.');
    push(u, i, frame);
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
  EXPECT_LE(u.bufferedBytes(), 2 * 64u * 1024)
      << "slots behind the oldest pending message are gone";
}

TEST(UnackedMessagesTest, RecipientsShareOneMessageUntilTheLastAcknowledges) {
  UnackedMessages a({.maxCount = 10, .maxBytes = 1000});
  UnackedMessages b({.maxCount = 10, .maxBytes = 1000});
  auto message = std::make_shared<const UnackedMessages::Message>(
      UnackedMessages::Message{"symphony", "{\"method\":\"created\"}"});
  const std::weak_ptr<const UnackedMessages::Message> watch = message;
  a.push(7, message, 120);
  b.push(3, message, 130);
  message.reset();
  EXPECT_EQ(a.bytes(), 120u);
  std::vector<std::uint64_t> sequences;
  b.forEach([&](std::uint64_t s, const UnackedMessages::Message& m) {
    sequences.push_back(s);
    EXPECT_EQ(m.from, "symphony");
  });
  EXPECT_EQ(sequences, (std::vector<std::uint64_t>{3}));
  ASSERT_TRUE(a.ack(7));
  EXPECT_FALSE(watch.expired()) << "b still has it unacknowledged";
  ASSERT_TRUE(b.ack(3));
  EXPECT_TRUE(watch.expired()) << "acknowledged everywhere: nothing keeps it";
}

TEST(UnackedMessagesTest, SequencesOnlyGrow) {
  UnackedMessages u({.maxCount = 10, .maxBytes = 1000});
  push(u, 5, "a");
  push(u, 5, "again");
  push(u, 3, "older");
  EXPECT_EQ(pending(u), (std::vector<std::string>{"a"}));
  EXPECT_FALSE(u.ack(3));
  EXPECT_TRUE(u.ack(5));
}

}  // namespace
}  // namespace parley::signaling
