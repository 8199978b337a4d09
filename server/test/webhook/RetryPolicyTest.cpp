#include "webhook/RetryPolicy.h"

#include <gtest/gtest.h>

namespace parley::webhook {
namespace {

using std::chrono::milliseconds;

TEST(RetryPolicyTest, DoublesFromBaseUpToCap) {
  RetryPolicy policy;  // 1 s, 5 min, 12 attempts
  EXPECT_EQ(policy.delayAfter(1), milliseconds(1000));
  EXPECT_EQ(policy.delayAfter(2), milliseconds(2000));
  EXPECT_EQ(policy.delayAfter(3), milliseconds(4000));
  EXPECT_EQ(policy.delayAfter(9), milliseconds(256000));
  EXPECT_EQ(policy.delayAfter(10), milliseconds(300000));
  EXPECT_EQ(policy.delayAfter(11), milliseconds(300000));
  EXPECT_EQ(policy.delayAfter(1000000), milliseconds(300000));
}

TEST(RetryPolicyTest, NextAttemptUntilTheLastOne) {
  RetryPolicy policy{milliseconds(200), milliseconds(1000), 4};
  EXPECT_EQ(policy.nextAttemptAt(1, 10000), 10200);
  EXPECT_EQ(policy.nextAttemptAt(2, 10000), 10400);
  EXPECT_EQ(policy.nextAttemptAt(3, 10000), 10800);
  EXPECT_EQ(policy.nextAttemptAt(4, 10000), std::nullopt);  // 4th failure was the last try
  EXPECT_EQ(policy.nextAttemptAt(5, 10000), std::nullopt);
}

TEST(RetryPolicyTest, CapIsReachedWithoutOverflow) {
  RetryPolicy policy{milliseconds(3), milliseconds(1000), 100};
  EXPECT_EQ(policy.delayAfter(9), milliseconds(768));
  EXPECT_EQ(policy.delayAfter(10), milliseconds(1000));
  EXPECT_EQ(policy.delayAfter(99), milliseconds(1000));
}

TEST(RetryPolicyTest, OddSettingsStaySane) {
  RetryPolicy zero{milliseconds(0), milliseconds(0), 3};
  EXPECT_EQ(zero.delayAfter(1), milliseconds(1));  // never a busy loop
  RetryPolicy capBelowBase{milliseconds(500), milliseconds(100), 3};
  EXPECT_EQ(capBelowBase.delayAfter(1), milliseconds(500));
  EXPECT_EQ(capBelowBase.delayAfter(3), milliseconds(500));
  RetryPolicy never{milliseconds(10), milliseconds(10), 0};
  EXPECT_EQ(never.nextAttemptAt(1, 0), std::nullopt);
}

}  // namespace
}  // namespace parley::webhook
