#include "core/TimerGrid.h"

#include <gtest/gtest.h>

#include <chrono>

namespace parley::core {
namespace {

using namespace std::chrono_literals;
using TimePoint = std::chrono::steady_clock::time_point;

TimePoint at(std::chrono::steady_clock::duration d) {
  return TimePoint(d);
}

TEST(TimerGridTest, TheNextPointIsStrictlyLaterAndOnTheGrid) {
  EXPECT_EQ(nextOnGrid(at(0ms), 20ms), at(20ms));
  EXPECT_EQ(nextOnGrid(at(1ms), 20ms), at(20ms));
  EXPECT_EQ(nextOnGrid(at(19999us), 20ms), at(20ms));
  EXPECT_EQ(nextOnGrid(at(20ms), 20ms), at(40ms)) << "a point on the grid moves to the next";
  EXPECT_EQ(nextOnGrid(at(12345678us), 1s), at(13s));
}

// The control thread's timers wake it together: whatever the time, a 1 s timer's next point
// is one of the 20 ms timer's points.
TEST(TimerGridTest, PeriodsThatAreMultiplesShareTheirPoints) {
  const auto now = std::chrono::steady_clock::now();
  for (auto offset : {0us, 1us, 999us, 19999us, 20000us, 987654us}) {
    const TimePoint t = now + offset;
    const TimePoint second = nextOnGrid(t, 1s);
    EXPECT_EQ(second.time_since_epoch() % 20ms, 0ms);
    EXPECT_GT(second, t);
    EXPECT_LE(second - t, 1s);
    TimePoint step = nextOnGrid(t, 20ms);
    while (step < second) step = nextOnGrid(step, 20ms);
    EXPECT_EQ(step, second) << "the 20 ms steps pass through the 1 s point";
  }
}

}  // namespace
}  // namespace parley::core
