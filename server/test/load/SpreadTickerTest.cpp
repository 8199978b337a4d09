#include "load/SpreadTicker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace parley::load {
namespace {

TEST(SpreadTickerTest, EachPeerOncePerPeriodAFewAtATime) {
  SpreadTicker ticker(20000);
  const size_t peers = 3000;
  std::vector<int> ticks(peers, 0);
  size_t largestCall = 0;
  // Called every millisecond through three periods (starting exactly at a period's start).
  for (int64_t now = 1000000; now < 1060000; now += 1000) {
    size_t inCall = 0;
    ticker.run(now, peers, [&](size_t i) {
      ++ticks[i];
      ++inCall;
    });
    largestCall = std::max(largestCall, inCall);
  }
  // Periods 50, 51, 52 of 20 ms: the last one is not finished at 1,059 ms.
  for (size_t i = 0; i < peers; ++i) EXPECT_EQ(ticks[i], i < peers * 19 / 20 ? 3 : 2) << i;
  // 3000 peers over 20 calls: 150 each, never the whole population at once.
  EXPECT_EQ(largestCall, peers / 20);
}

TEST(SpreadTickerTest, APeerIsDueAtItsShareOfThePeriod) {
  SpreadTicker ticker(20000);
  std::vector<size_t> got;
  ticker.run(0, 4, [&](size_t i) { got.push_back(i); });  // starts period 0: nobody due yet
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(ticker.nextDueUs(4), 5000);
  ticker.run(4999, 4, [&](size_t i) { got.push_back(i); });
  EXPECT_TRUE(got.empty());
  ticker.run(5000, 4, [&](size_t i) { got.push_back(i); });
  EXPECT_EQ(got, (std::vector<size_t>{0}));
  EXPECT_EQ(ticker.nextDueUs(4), 10000);
  ticker.run(16000, 4, [&](size_t i) { got.push_back(i); });
  EXPECT_EQ(got, (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(ticker.nextDueUs(4), 20000);
}

TEST(SpreadTickerTest, ALateCallFinishesTheMissedPeriodOnce) {
  SpreadTicker ticker(20000);
  std::vector<int> ticks(10, 0);
  auto count = [&](size_t i) { ++ticks[i]; };
  ticker.run(0, 10, count);
  ticker.run(6000, 10, count);  // 0, 1, 2 due
  EXPECT_EQ(ticks, (std::vector<int>{1, 1, 1, 0, 0, 0, 0, 0, 0, 0}));
  // At 81 ms: the rest of period 0, then period 4 up to its 1 ms (nobody due yet).
  ticker.run(81000, 10, count);
  EXPECT_EQ(ticks, (std::vector<int>{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}));
  ticker.run(82000, 10, count);  // index 0 is due 2 ms into each period
  EXPECT_EQ(ticks, (std::vector<int>{2, 1, 1, 1, 1, 1, 1, 1, 1, 1}));
}

TEST(SpreadTickerTest, PeersAddedMidPeriodAreTickedWhereTheyFall) {
  SpreadTicker ticker(20000);
  std::vector<int> ticks(4, 0);
  auto count = [&](size_t i) { ++ticks[i]; };
  ticker.run(0, 2, count);
  ticker.run(15000, 2, count);  // 0 is due (at 10 ms of 2 peers)
  EXPECT_EQ(ticks, (std::vector<int>{1, 0, 0, 0}));
  // Two more peers: at 15 ms of 4, indices 0..2 are due; 1 and 2 now run, 3 waits.
  ticker.run(15000, 4, count);
  EXPECT_EQ(ticks, (std::vector<int>{1, 1, 1, 0}));
  ticker.run(20000, 4, count);  // period 1 starts: 3 finishes period 0
  EXPECT_EQ(ticks, (std::vector<int>{1, 1, 1, 1}));
  EXPECT_EQ(ticker.nextDueUs(0), 40000);
}

}  // namespace
}  // namespace parley::load
