#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace parley::obs {

// Keeps one kind of log line from flooding the log when a peer can trigger it at will
// (refused connections, accept failures, malformed input): at most `burst` lines per
// `interval`; the next line let through reports how many were held back meanwhile.
class LogLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LogLimiter(Clock::duration interval = std::chrono::seconds(10), unsigned burst = 5)
      : interval_(interval), burst_(burst) {}

  // True when a line may be written now; `suppressed` (if given) receives the number of
  // lines refused since the last one let through.
  bool allow(std::uint64_t* suppressed = nullptr) { return allowAt(Clock::now(), suppressed); }
  bool allowAt(Clock::time_point now, std::uint64_t* suppressed = nullptr);

 private:
  std::mutex mutex_;
  Clock::duration interval_;
  unsigned burst_;
  Clock::time_point windowStart_{};
  unsigned inWindow_ = 0;
  std::uint64_t suppressed_ = 0;
};

}  // namespace parley::obs
