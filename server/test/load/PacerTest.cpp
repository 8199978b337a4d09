#include "load/Pacer.h"

#include <gtest/gtest.h>

namespace parley::load {
namespace {

TEST(PacerTest, WithoutARateEverythingLeavesAtOnce) {
  Pacer p;
  EXPECT_FALSE(p.enabled());
  for (int i = 0; i < 1000; ++i) {
    EXPECT_LE(p.readyAtUs(1200), 0);
    p.sent(0, 1200);
  }
}

TEST(PacerTest, ABurstUpToTheAllowanceLeavesAtOnceThenTheRateHolds) {
  // 1,000,000 B/s = 1 byte per µs; a 40 ms allowance is 40,000 bytes.
  Pacer p(1e6);
  int64_t now = 1000000;
  int sentAtOnce = 0;
  while (p.readyAtUs(1000) <= now) {
    p.sent(now, 1000);
    ++sentAtOnce;
  }
  EXPECT_EQ(sentAtOnce, 40);
  // The next 1,000 bytes wait for 1,000 bytes to drain: 1 ms.
  EXPECT_EQ(p.readyAtUs(1000), now + 1000);
  // Held to the rate from there on: 100 packets of 1,000 bytes take 100 ms.
  for (int i = 0; i < 100; ++i) {
    now = std::max(now, p.readyAtUs(1000));
    p.sent(now, 1000);
  }
  EXPECT_EQ(now, 1000000 + 100 * 1000);
}

TEST(PacerTest, TheAllowanceRefillsWhileIdle) {
  Pacer p(1e6);
  for (int i = 0; i < 40; ++i) p.sent(0, 1000);
  EXPECT_GT(p.readyAtUs(1000), 0);
  // After 40 ms without sending, a whole burst may leave again.
  int burst = 0;
  while (p.readyAtUs(1000) <= 40000) {
    p.sent(40000, 1000);
    ++burst;
  }
  EXPECT_EQ(burst, 40);
}

TEST(PacerTest, APacketLargerThanTheAllowanceIsNeverStuck) {
  Pacer p(1e6, 1000);  // a 1,000-byte allowance
  p.sent(0, 5000);
  // It waits for the debt to drain completely, then goes.
  EXPECT_EQ(p.readyAtUs(5000), 5000);
  p.sent(5000, 5000);
  EXPECT_EQ(p.readyAtUs(5000), 10000);
}

}  // namespace
}  // namespace parley::load
