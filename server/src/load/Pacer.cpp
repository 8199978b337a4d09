#include "load/Pacer.h"

#include <algorithm>
#include <cmath>

namespace parley::load {

Pacer::Pacer(double bytesPerSecond, int64_t burstUs)
    : bytesPerUs_(std::max(0.0, bytesPerSecond) / 1e6),
      allowanceBytes_(bytesPerUs_ * static_cast<double>(std::max<int64_t>(0, burstUs))) {}

double Pacer::debtAt(int64_t nowUs) const {
  return std::max(0.0, debtBytes_ - bytesPerUs_ * static_cast<double>(nowUs - atUs_));
}

int64_t Pacer::readyAtUs(size_t size) const {
  if (!enabled() || debtBytes_ <= 0) return atUs_;
  // Within the allowance once the debt has drained to (allowance − size); a packet larger
  // than the whole allowance waits for the debt to reach zero, so it is never stuck.
  const double target = std::max(0.0, allowanceBytes_ - static_cast<double>(size));
  if (debtBytes_ <= target) return atUs_;
  return atUs_ + static_cast<int64_t>(std::ceil((debtBytes_ - target) / bytesPerUs_));
}

void Pacer::sent(int64_t nowUs, size_t size) {
  if (!enabled()) return;
  debtBytes_ = debtAt(nowUs) + static_cast<double>(size);
  atUs_ = nowUs;
}

}  // namespace parley::load
