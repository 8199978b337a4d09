#pragma once

#include <cstddef>
#include <cstdint>

namespace parley::load {

// A browser's send pacing for one simulated publisher track: a leaky bucket drained at
// `bytesPerSecond` that lets up to `burstUs` worth of that rate leave at once. libwebrtc
// paces at 2.5 times the target bitrate with a 40 ms burst allowance, so an ordinary frame
// leaves at once and a keyframe ten times its size is spread over about a hundred
// milliseconds; an SFU fed whole keyframes in one burst sees a load no browser sends.
// A rate of 0 lets everything through (no pacing).
class Pacer {
 public:
  static constexpr int64_t kDefaultBurstUs = 40000;

  explicit Pacer(double bytesPerSecond = 0, int64_t burstUs = kDefaultBurstUs);

  bool enabled() const { return bytesPerUs_ > 0; }
  // The earliest time a packet of `size` bytes may leave (at or before nowUs: it may now).
  int64_t readyAtUs(size_t size) const;
  // Accounts a packet of `size` bytes sent at nowUs.
  void sent(int64_t nowUs, size_t size);

 private:
  double debtAt(int64_t nowUs) const;

  double bytesPerUs_;
  double allowanceBytes_;
  double debtBytes_ = 0;  // bytes sent and not yet drained, as of atUs_
  int64_t atUs_ = 0;
};

}  // namespace parley::load
