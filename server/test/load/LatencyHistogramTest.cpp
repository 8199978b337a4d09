#include "load/LatencyHistogram.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>

namespace parley::load {
namespace {

TEST(LatencyHistogramTest, EmptyReportsZeros) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.percentile(50), 0);
  EXPECT_EQ(h.percentile(100), 0);
}

TEST(LatencyHistogramTest, BucketsTileTheRangeWithinOnePointSixPercent) {
  EXPECT_EQ(LatencyHistogram::bucketLow(0), 0);
  for (int b = 0; b + 1 < LatencyHistogram::kBuckets; ++b) {
    ASSERT_EQ(LatencyHistogram::bucketHigh(b) + 1, LatencyHistogram::bucketLow(b + 1)) << b;
    const auto width = LatencyHistogram::bucketHigh(b) - LatencyHistogram::bucketLow(b) + 1;
    ASSERT_LE(width * 64, std::max<std::int64_t>(LatencyHistogram::bucketLow(b), 64)) << b;
  }
  EXPECT_GE(LatencyHistogram::bucketHigh(LatencyHistogram::kBuckets - 1),
            LatencyHistogram::kMaxValue);
  for (std::int64_t v = 0; v <= LatencyHistogram::kMaxValue; v += 1 + v / 300) {
    const int b = LatencyHistogram::bucketOf(v);
    ASSERT_LE(LatencyHistogram::bucketLow(b), v);
    ASSERT_GE(LatencyHistogram::bucketHigh(b), v);
  }
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram h;
  for (int v = 1; v <= 100; ++v) h.add(v);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.min(), 1);
  EXPECT_EQ(h.max(), 100);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
  EXPECT_EQ(h.percentile(0), 1);
  EXPECT_EQ(h.percentile(1), 1);
  EXPECT_EQ(h.percentile(50), 50);
  EXPECT_EQ(h.percentile(90), 90);
  EXPECT_EQ(h.percentile(99), 99);
  EXPECT_EQ(h.percentile(99.5), 100);
  EXPECT_EQ(h.percentile(100), 100);
  EXPECT_EQ(h.percentile(-3), 1);
  EXPECT_EQ(h.percentile(250), 100);
}

TEST(LatencyHistogramTest, LargeValuesWithinOnePercent) {
  // One value v below a far larger one: the median is v's bucket, not clamped to min.
  for (std::int64_t v = 150; v < 50'000'000; v = v * 7 / 5 + 13) {
    LatencyHistogram h;
    h.add(v);
    h.add(v);
    h.add(LatencyHistogram::kMaxValue);
    const std::int64_t p = h.percentile(50);
    ASSERT_LE(std::llabs(p - v) * 100, v) << v << " reported as " << p;
  }
}

TEST(LatencyHistogramTest, UniformDistributionPercentiles) {
  auto h = std::make_unique<LatencyHistogram>();
  for (std::int64_t v = 0; v < 1'000'000; ++v) h->add(v);
  EXPECT_NEAR(static_cast<double>(h->percentile(50)), 500'000.0, 5'000.0);
  EXPECT_NEAR(static_cast<double>(h->percentile(90)), 900'000.0, 9'000.0);
  EXPECT_NEAR(static_cast<double>(h->percentile(99)), 990'000.0, 9'900.0);
  EXPECT_DOUBLE_EQ(h->mean(), 499'999.5);
  EXPECT_EQ(h->max(), 999'999);
}

TEST(LatencyHistogramTest, NegativeValuesCountAsZero) {
  LatencyHistogram h;
  h.add(-250);
  h.add(1000);
  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.negativeCount(), 1u);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.percentile(50), 0);
  EXPECT_DOUBLE_EQ(h.mean(), 500.0);
}

TEST(LatencyHistogramTest, ValuesBeyondSixtySecondsAreClamped) {
  LatencyHistogram h;
  h.add(3'600'000'000LL);
  h.add(LatencyHistogram::kMaxValue);
  EXPECT_EQ(h.overflowCount(), 1u);
  EXPECT_EQ(h.max(), LatencyHistogram::kMaxValue);
  EXPECT_EQ(h.percentile(100), LatencyHistogram::kMaxValue);
  EXPECT_DOUBLE_EQ(h.mean(), static_cast<double>(LatencyHistogram::kMaxValue));
}

TEST(LatencyHistogramTest, MergeEqualsAddingEverything) {
  LatencyHistogram a, b, all;
  for (std::int64_t v = 0; v < 5000; ++v) {
    const std::int64_t value = (v * 7919) % 200'000 + 500;
    (v % 3 ? a : b).add(value);
    all.add(value);
  }
  b.add(-1);
  all.add(-1);
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_EQ(a.negativeCount(), 1u);
  EXPECT_DOUBLE_EQ(a.mean(), all.mean());
  for (double q : {1.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9})
    EXPECT_EQ(a.percentile(q), all.percentile(q)) << q;
}

TEST(LatencyHistogramTest, MergeIntoEmptyTakesOthersMinimum) {
  LatencyHistogram empty, b;
  b.add(700);
  b.add(900);
  empty.merge(b);
  EXPECT_EQ(empty.min(), 700);
  EXPECT_EQ(empty.max(), 900);
  LatencyHistogram none;
  b.merge(none);
  EXPECT_EQ(b.count(), 2u);
  EXPECT_EQ(b.min(), 700);
}

TEST(LatencyHistogramTest, ResetForgetsEverything) {
  LatencyHistogram h;
  h.add(5);
  h.add(-1);
  h.add(100'000'000);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.negativeCount(), 0u);
  EXPECT_EQ(h.overflowCount(), 0u);
  h.add(4000);
  EXPECT_EQ(h.min(), 4000);
  EXPECT_EQ(h.max(), 4000);
  EXPECT_EQ(h.percentile(50), 4000);
}

}  // namespace
}  // namespace parley::load
