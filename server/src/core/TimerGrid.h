#pragma once

#include <chrono>

namespace parley::core {

// The first point after `now` on a grid of `period` steps (positive) counted from the
// steady clock's epoch. A thread's periodic timers that fall due on one grid fire together,
// so the thread wakes once for all of them rather than once for each: on an idle server
// that is most of what the control thread costs (waking a halted virtual CPU takes tens of
// microseconds), and a period that is a multiple of another lands on that one's grid too.
inline std::chrono::steady_clock::time_point nextOnGrid(
    std::chrono::steady_clock::time_point now, std::chrono::steady_clock::duration period) {
  const auto since = now.time_since_epoch();
  return std::chrono::steady_clock::time_point((since / period + 1) * period);
}

}  // namespace parley::core
