#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace parley::webhook {

// When to try a failed webhook delivery again: exponential backoff from `base`, doubled
// per failed attempt and capped at `cap`, giving up after `maxAttempts` attempts.
// Pure, so the schedule is tested without clocks or sockets.
struct RetryPolicy {
  std::chrono::milliseconds base{1000};
  std::chrono::milliseconds cap{5 * 60 * 1000};
  int maxAttempts = 12;

  // The wait after the `failedAttempts`-th failure (1 → base, 2 → 2·base, …, ≤ cap).
  std::chrono::milliseconds delayAfter(int failedAttempts) const;
  // The time of the next attempt after the `failedAttempts`-th failure at `nowMs`, or
  // nullopt when that was the last attempt allowed and the delivery is given up.
  std::optional<std::int64_t> nextAttemptAt(int failedAttempts, std::int64_t nowMs) const;
};

}  // namespace parley::webhook
