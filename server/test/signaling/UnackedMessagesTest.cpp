#include "signaling/UnackedMessages.h"

#include <gtest/gtest.h>

#include <vector>

namespace parley::signaling {
namespace {

std::vector<std::string> pending(const UnackedMessages& u) {
  std::vector<std::string> out;
  u.forEach([&](const std::string& f) { out.push_back(f); });
  return out;
}

TEST(UnackedMessagesTest, AcksRemoveOutOfOrderAndKeepSendOrder) {
  UnackedMessages u({.maxCount = 10, .maxBytes = 1000});
  for (int i = 0; i < 5; ++i) u.push("t" + std::to_string(i), "f" + std::to_string(i));
  EXPECT_TRUE(u.ack("t2"));
  EXPECT_FALSE(u.ack("t2"));
  EXPECT_TRUE(u.ack("t0"));
  EXPECT_FALSE(u.ack("unknown"));
  EXPECT_EQ(pending(u), (std::vector<std::string>{"f1", "f3", "f4"}));
  EXPECT_EQ(u.count(), 3u);
  EXPECT_EQ(u.bytes(), 6u);
}

TEST(UnackedMessagesTest, BoundedInCountAndBytesOldestForgotten) {
  UnackedMessages u({.maxCount = 3, .maxBytes = 100});
  for (int i = 0; i < 5; ++i) u.push("t" + std::to_string(i), "x");
  EXPECT_EQ(u.count(), 3u);
  EXPECT_EQ(u.forgotten(), 2u);
  EXPECT_FALSE(u.ack("t0"));
  EXPECT_TRUE(u.ack("t4"));
  u.push("big", std::string(90, 'b'));
  u.push("bigger", std::string(60, 'c'));
  EXPECT_LE(u.bytes(), 100u);
  EXPECT_TRUE(u.ack("bigger"));
  EXPECT_EQ(u.bytes(), 0u);
}

TEST(UnackedMessagesTest, AnOldUnackedMessageDoesNotPinAckedSlotsForever) {
  UnackedMessages u({.maxCount = 8, .maxBytes = 1 << 20});
  u.push("stuck", "s");
  for (int i = 0; i < 10000; ++i) {
    u.push("t" + std::to_string(i), "m");
    ASSERT_TRUE(u.ack("t" + std::to_string(i)));
  }
  EXPECT_EQ(u.count(), 0u) << "the stuck one was eventually forgotten";
  EXPECT_EQ(u.forgotten(), 1u);
}

TEST(UnackedMessagesTest, NewestFirstAcksEmptyTheQueue) {
  // Acknowledged newest first, every slot stays behind the oldest pending one until it goes;
  // what it costs at scale is measured by server/bench/UnackedMessagesBench.cpp.
  UnackedMessages u({.maxCount = 2000, .maxBytes = 1 << 20});
  for (int i = 0; i < 1000; ++i) u.push("t" + std::to_string(i), "m");
  for (int i = 999; i >= 0; --i) ASSERT_TRUE(u.ack("t" + std::to_string(i)));
  EXPECT_EQ(u.count(), 0u);
  EXPECT_EQ(u.bytes(), 0u);
  u.push("again", "m");
  EXPECT_EQ(u.count(), 1u);
}

}  // namespace
}  // namespace parley::signaling
