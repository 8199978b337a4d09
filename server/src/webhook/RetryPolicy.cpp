#include "webhook/RetryPolicy.h"

#include <algorithm>

namespace parley::webhook {

std::chrono::milliseconds RetryPolicy::delayAfter(int failedAttempts) const {
  const std::int64_t baseMs = std::max<std::int64_t>(base.count(), 1);
  const std::int64_t capMs = std::max<std::int64_t>(cap.count(), baseMs);
  std::int64_t delay = baseMs;
  // Doubling stops at the cap, so no shift can overflow however many attempts failed.
  for (int i = 1; i < failedAttempts && delay < capMs; ++i) delay *= 2;
  return std::chrono::milliseconds(std::min(delay, capMs));
}

std::optional<std::int64_t> RetryPolicy::nextAttemptAt(int failedAttempts,
                                                       std::int64_t nowMs) const {
  if (failedAttempts >= maxAttempts) return std::nullopt;
  return nowMs + delayAfter(failedAttempts).count();
}

}  // namespace parley::webhook
