#pragma once

#include <chrono>
#include <cstdint>

namespace parley::core {

// Wall-clock time in the units the wire formats use (tokens: seconds, JSON: ms).
class Clock {
 public:
  static std::int64_t nowMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
  static std::int64_t nowSeconds() { return nowMs() / 1000; }
};

}  // namespace parley::core
