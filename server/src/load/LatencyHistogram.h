#pragma once

#include <array>
#include <bit>
#include <cstdint>

namespace parley::load {

// A fixed-size log-linear histogram of non-negative integer values (µs for latencies),
// in the manner of HdrHistogram: values below 128 have a bucket each, above that every
// power of two is split into 64 buckets, so a bucket is at most 1/64 (1.6 %) of its values
// wide and a percentile, reported at its bucket's midpoint, is within 0.8 %. Values up to
// kMaxValue (60 s in µs) are tracked; larger ones are clamped to it and counted in
// overflowCount(). Negative values (two clocks that disagree) count as 0 and in
// negativeCount(). count/min/max/mean are exact for the clamped values. add() is O(1) and
// never allocates: the tool adds one value per received packet.
class LatencyHistogram {
 public:
  static constexpr std::int64_t kMaxValue = 60'000'000;

  void add(std::int64_t value);
  void merge(const LatencyHistogram& other);
  void reset();

  std::uint64_t count() const { return count_; }
  std::uint64_t negativeCount() const { return negative_; }
  std::uint64_t overflowCount() const { return overflow_; }
  // 0 when empty.
  std::int64_t min() const { return count_ ? min_ : 0; }
  std::int64_t max() const { return count_ ? max_ : 0; }
  double mean() const;
  // The value below or at which q percent of the values lie (q in [0, 100], clamped);
  // percentile(0) is min(), percentile(100) is max(), others are bucket midpoints kept
  // within [min, max]. 0 when empty.
  std::int64_t percentile(double q) const;

  static constexpr int kSubBits = 6;             // 64 sub-buckets per power of two
  static constexpr int kLinear = 2 << kSubBits;  // values below 128 are exact

  // The bucket a value in [0, kMaxValue] falls in, and the bucket's inclusive range.
  static constexpr int bucketOf(std::int64_t value) {
    if (value < kLinear) return value < 0 ? 0 : static_cast<int>(value);
    const auto v = static_cast<std::uint64_t>(value);
    const int shift = static_cast<int>(std::bit_width(v)) - 1 - kSubBits;  // ≥ 1
    const int sub = static_cast<int>(v >> shift) - (1 << kSubBits);        // [0, 64)
    return kLinear + (shift - 1) * (1 << kSubBits) + sub;
  }
  static constexpr std::int64_t bucketLow(int bucket) {
    if (bucket < kLinear) return bucket;
    const int shift = (bucket - kLinear) / (1 << kSubBits) + 1;
    const int sub = (bucket - kLinear) % (1 << kSubBits) + (1 << kSubBits);
    return static_cast<std::int64_t>(sub) << shift;
  }
  static constexpr std::int64_t bucketHigh(int bucket) {
    if (bucket < kLinear) return bucket;
    const int shift = (bucket - kLinear) / (1 << kSubBits) + 1;
    return bucketLow(bucket) + (std::int64_t{1} << shift) - 1;
  }
  static constexpr int kBuckets = 1331;  // bucketOf(kMaxValue) + 1, asserted below

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t negative_ = 0;
  std::uint64_t overflow_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
  // Values are clamped to 60 s, so the sum overflows only after 3e11 of them.
  std::uint64_t sum_ = 0;
};

static_assert(LatencyHistogram::bucketOf(LatencyHistogram::kMaxValue) + 1 ==
              LatencyHistogram::kBuckets);

}  // namespace parley::load
