#include "obs/LogLimiter.h"

#include <gtest/gtest.h>

namespace parley::obs {
namespace {

using namespace std::chrono_literals;

TEST(LogLimiterTest, LetsABurstThroughPerIntervalAndCountsTheRest) {
  LogLimiter limiter(10s, 3);
  LogLimiter::Clock::time_point t{1000s};
  std::uint64_t suppressed = 99;
  EXPECT_TRUE(limiter.allowAt(t, &suppressed));
  EXPECT_EQ(suppressed, 0u);
  EXPECT_TRUE(limiter.allowAt(t + 1s));
  EXPECT_TRUE(limiter.allowAt(t + 2s));
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(limiter.allowAt(t + 3s));
  EXPECT_FALSE(limiter.allowAt(t + 9s));
  ASSERT_TRUE(limiter.allowAt(t + 10s, &suppressed));
  EXPECT_EQ(suppressed, 1001u);
  ASSERT_TRUE(limiter.allowAt(t + 11s, &suppressed));
  EXPECT_EQ(suppressed, 0u);
}

}  // namespace
}  // namespace parley::obs
