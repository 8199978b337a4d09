#pragma once

#include <cstddef>
#include <cstdint>

namespace parley::load {

// Runs a per-peer timer every `periodUs` for many peers without running them all at once.
// Peer i is due at i/count of the way through each period, so with the loop calling in
// every millisecond or so, each call handles a few peers. Browsers send their RTCP reports
// and ICE consent checks on clocks of their own; a load tool that ticks thousands of peers
// in one pass every 20 ms sends hundreds of such packets within a millisecond, and the
// server's queueing of that burst would be measured as its media latency.
class SpreadTicker {
 public:
  explicit SpreadTicker(int64_t periodUs) : periodUs_(periodUs) {}

  // Calls fn(i) for every index in [0, count) that fell due since the previous call (the
  // first call only starts the clock). A call a period or more late finishes the missed
  // period's indices, then starts the current one; no index is ticked twice in a period.
  // `count` may grow between calls (peers added): new indices are ticked where they fall.
  template <typename Fn>
  void run(int64_t nowUs, size_t count, Fn&& fn) {
    const int64_t period = nowUs / periodUs_;
    if (period != period_) {
      if (period_ >= 0)
        for (size_t i = next_; i < count; ++i) fn(i);
      period_ = period;
      next_ = 0;
    }
    const auto into = static_cast<uint64_t>(nowUs - period * periodUs_);
    const auto upTo = static_cast<size_t>(into * count / static_cast<uint64_t>(periodUs_));
    for (; next_ < upTo; ++next_) fn(next_);  // upTo < count: `into` is under a period
  }

  // When the next index falls due, given `count` (for the caller's sleep).
  int64_t nextDueUs(size_t count) const {
    if (count == 0 || next_ >= count) return (period_ + 1) * periodUs_;
    // Smallest time t in this period with (t - start) * count / period > next_.
    const auto offset =
        static_cast<int64_t>((static_cast<uint64_t>(next_) + 1) * static_cast<uint64_t>(periodUs_) +
                             count - 1) /
        static_cast<int64_t>(count);
    return period_ * periodUs_ + offset;
  }

 private:
  int64_t periodUs_;
  int64_t period_ = -1;
  size_t next_ = 0;
};

}  // namespace parley::load
