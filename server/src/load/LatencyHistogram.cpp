#include "load/LatencyHistogram.h"

#include <algorithm>
#include <cmath>

namespace parley::load {

void LatencyHistogram::add(std::int64_t value) {
  if (value < 0) {
    ++negative_;
    value = 0;
  }
  if (value > kMaxValue) {
    ++overflow_;
    value = kMaxValue;
  }
  ++counts_[static_cast<std::size_t>(bucketOf(value))];
  if (count_ == 0 || value < min_) min_ = value;
  if (count_ == 0 || value > max_) max_ = value;
  ++count_;
  sum_ += static_cast<std::uint64_t>(value);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  min_ = count_ ? std::min(min_, other.min_) : other.min_;
  max_ = count_ ? std::max(max_, other.max_) : other.max_;
  count_ += other.count_;
  negative_ += other.negative_;
  overflow_ += other.overflow_;
  sum_ += other.sum_;
}

void LatencyHistogram::reset() {
  *this = LatencyHistogram();
}

double LatencyHistogram::mean() const {
  return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0;
}

std::int64_t LatencyHistogram::percentile(double q) const {
  if (count_ == 0) return 0;
  if (!(q > 0)) return min_;  // also NaN
  if (q >= 100) return max_;
  // The smallest value with at least ceil(q% of count) values at or below it.
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_) / 100.0)));
  std::uint64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += counts_[static_cast<std::size_t>(b)];
    if (seen >= rank) {
      const std::int64_t mid = (bucketLow(b) + bucketHigh(b)) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

}  // namespace parley::load
