#include "obs/LogLimiter.h"

namespace parley::obs {

bool LogLimiter::allowAt(Clock::time_point now, std::uint64_t* suppressed) {
  std::lock_guard lock(mutex_);
  if (now - windowStart_ >= interval_) {
    windowStart_ = now;
    inWindow_ = 0;
  }
  if (inWindow_ >= burst_) {
    ++suppressed_;
    return false;
  }
  ++inWindow_;
  if (suppressed) *suppressed = suppressed_;
  suppressed_ = 0;
  return true;
}

}  // namespace parley::obs
