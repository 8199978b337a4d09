#include "signaling/ReplyCache.h"

#include <gtest/gtest.h>

namespace parley::signaling {
namespace {

TEST(ReplyCacheTest, FindsRecentRepliesAndForgetsTheOldest) {
  ReplyCache c({.maxCount = 2, .maxBytes = 100});
  c.remember("a", "A");
  c.remember("b", "B");
  c.remember("c", "C");
  EXPECT_FALSE(c.find("a"));
  ASSERT_TRUE(c.find("c"));
  EXPECT_EQ(*c.find("c"), "C");
  EXPECT_EQ(c.count(), 2u);
}

TEST(ReplyCacheTest, BoundedInBytesAndSkipsRepliesTooLargeToKeep) {
  ReplyCache c({.maxCount = 100, .maxBytes = 10});
  c.remember("huge", std::string(11, 'h'));
  EXPECT_FALSE(c.find("huge"));
  for (int i = 0; i < 20; ++i) c.remember("t" + std::to_string(i), "xyz");
  EXPECT_LE(c.bytes(), 10u);
  EXPECT_TRUE(c.find("t19"));
  EXPECT_FALSE(c.find("t0"));
}

}  // namespace
}  // namespace parley::signaling

namespace parley::signaling {
namespace {

TEST(ReplyCacheTest, DoesNotKeepALargeReplyEvenWithRoomForIt) {
  ReplyCache cache({.maxCount = 8, .maxBytes = 1 << 20, .maxEntryBytes = 100});
  cache.remember("state", std::string(101, 's'));
  EXPECT_EQ(cache.find("state"), nullptr);
  cache.remember("small", std::string(100, 'x'));
  ASSERT_NE(cache.find("small"), nullptr);
  EXPECT_EQ(cache.bytes(), 100u);
}

}  // namespace
}  // namespace parley::signaling
