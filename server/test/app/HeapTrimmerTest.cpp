#include "app/HeapTrimmer.h"

#include <gtest/gtest.h>

#include <chrono>

namespace parley::app {
namespace {

using namespace std::chrono_literals;

TEST(HeapTrimmerTest, TrimsAfterAQuietIntervalWhenEnoughIsFree) {
  const HeapTrimmer::Options o;
  EXPECT_TRUE(HeapTrimmer::due(o, true, o.minFreeBytes, 1s));
  EXPECT_FALSE(HeapTrimmer::due(o, true, o.minFreeBytes - 1, 1h)) << "too little to give back";
}

TEST(HeapTrimmerTest, ABusyServerStillTrimsNowAndThen) {
  // Clients that keep pinging never leave the control thread a quiet second: the free heap
  // of a join storm must not stay for as long as they are connected.
  const HeapTrimmer::Options o;
  EXPECT_FALSE(HeapTrimmer::due(o, false, 1u << 30, o.busyInterval - 1ms));
  EXPECT_TRUE(HeapTrimmer::due(o, false, 1u << 30, o.busyInterval));
  EXPECT_FALSE(HeapTrimmer::due(o, false, o.minFreeBytes - 1, 1h));
}

TEST(HeapTrimmerTest, WalksTheHeapOncePerQuietSpellAndRarelyWhenBusy) {
  // mallinfo2 walks every free chunk: a busy server with a large heap must not pay for it
  // every interval.
  const HeapTrimmer::Options o;
  EXPECT_TRUE(HeapTrimmer::worthLooking(o, true, false, 1s)) << "a quiet spell begins";
  EXPECT_FALSE(HeapTrimmer::worthLooking(o, true, true, 1h)) << "nothing moved since";
  EXPECT_FALSE(HeapTrimmer::worthLooking(o, false, false, o.busyInterval - 1ms));
  EXPECT_TRUE(HeapTrimmer::worthLooking(o, false, true, o.busyInterval));
}

}  // namespace
}  // namespace parley::app
