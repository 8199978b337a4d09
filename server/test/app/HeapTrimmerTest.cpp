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

}  // namespace
}  // namespace parley::app
