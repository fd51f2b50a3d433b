// FloatHistogram::Trimmed (the `</` and `>/` operators) on hand-worked
// histograms: which share of a cut bucket stays, where the kept
// observations are taken to sit, and the infinite custom buckets.
#include <cmath>
#include <limits>
#include <vector>

#include "gtest/gtest.h"
#include "vigil/histogram.h"

namespace vigil {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr bool kBelow = true;   // </
constexpr bool kAbove = false;  // >/

// Custom buckets (-Inf,b0], (b0,b1], ..., (bn,+Inf] with `counts`.
FloatHistogram Custom(std::vector<double> bounds, std::vector<double> counts,
                      double sum) {
  FloatHistogram h;
  h.schema = kCustomBucketsSchema;
  h.custom_values = std::move(bounds);
  for (double c : counts) h.count += c;
  h.sum = sum;
  h.positive_spans = {{0, static_cast<uint32_t>(counts.size())}};
  h.positive_buckets = std::move(counts);
  return h;
}

TEST(HistogramTrimTest, CustomBucketCutLinearly) {
  // (-Inf,5]:1 (taken as [0,5]), (5,10]:6, (10,15]:4, (15,+Inf]:2.
  const FloatHistogram h = Custom({5, 10, 15}, {1, 6, 4, 2}, 999);
  const FloatHistogram below = h.Trimmed(13, kBelow);
  EXPECT_EQ(below.positive_buckets, (std::vector<double>{1, 6, 4 * 0.6, 0}));
  EXPECT_DOUBLE_EQ(below.count, 1 + 6 + 2.4);
  // Each kept part at its middle: 2.5, 7.5 and (10+13)/2.
  EXPECT_DOUBLE_EQ(below.sum, 2.5 + 6 * 7.5 + 2.4 * 11.5);

  const FloatHistogram above = h.Trimmed(13, kAbove);
  EXPECT_DOUBLE_EQ(above.count, 1.6 + 2);
  // The +Inf bucket's observations sit at its lower bound.
  EXPECT_DOUBLE_EQ(above.sum, 1.6 * 14 + 2 * 15);
}

TEST(HistogramTrimTest, NothingRemovedKeepsTheExactSum) {
  const FloatHistogram h = Custom({5, 10}, {1, 2, 3}, 123.5);
  for (double t : {kInf, 1e9}) {
    // 1e9 cuts the +Inf bucket, which `</` then drops.
    const FloatHistogram r = h.Trimmed(t, kBelow);
    EXPECT_EQ(r.sum, t == kInf ? 123.5 : 2.5 + 2 * 7.5);
  }
  EXPECT_EQ(h.Trimmed(0, kAbove).sum, 123.5);  // the first bucket from 0
  EXPECT_EQ(h.Trimmed(-kInf, kAbove).sum, 123.5);
}

TEST(HistogramTrimTest, InfiniteBucketsCutByTheThreshold) {
  // (-Inf,-5]:1, (-5,+Inf]:100.
  const FloatHistogram h = Custom({-5}, {1, 100}, 0);
  // `</` keeps the -Inf bucket whole, at the threshold, and drops +Inf.
  const FloatHistogram below = h.Trimmed(-10, kBelow);
  EXPECT_DOUBLE_EQ(below.count, 1);
  EXPECT_DOUBLE_EQ(below.sum, -10);
  // `>/` drops the -Inf bucket and keeps the +Inf one at the threshold.
  const FloatHistogram above = h.Trimmed(-2, kAbove);
  EXPECT_DOUBLE_EQ(above.count, 100);
  EXPECT_DOUBLE_EQ(above.sum, -200);
  // A single (-Inf,+Inf] bucket survives only a trim at its own end.
  const FloatHistogram one = Custom({}, {7}, 7);
  EXPECT_EQ(one.Trimmed(10, kBelow).count, 0);
  EXPECT_EQ(one.Trimmed(10, kAbove).count, 0);
  EXPECT_EQ(one.Trimmed(kInf, kBelow).count, 7);
}

TEST(HistogramTrimTest, ExponentialBucketCutOnALogScale) {
  // Schema 0: (1,2]:4, (2,4]:8.
  FloatHistogram h;
  h.schema = 0;
  h.count = 12;
  h.sum = 30;
  h.positive_spans = {{1, 2}};
  h.positive_buckets = {4, 8};
  const FloatHistogram r = h.Trimmed(std::sqrt(2.0), kBelow);
  ASSERT_EQ(r.positive_buckets.size(), 2u);
  EXPECT_DOUBLE_EQ(r.positive_buckets[0], 2);  // half of (1,2] on a log scale
  EXPECT_EQ(r.positive_buckets[1], 0);
  // At the geometric mean of (1, √2].
  EXPECT_DOUBLE_EQ(r.sum, 2 * std::pow(2.0, 0.25));
}

TEST(HistogramTrimTest, ZeroBucketTakesTheSignOfTheOtherBuckets) {
  // Only positive buckets: the zero bucket is [0, 0.5].
  FloatHistogram h;
  h.schema = 0;
  h.zero_threshold = 0.5;
  h.zero_count = 2;
  h.count = 12;
  h.sum = 8;
  h.positive_spans = {{0, 1}};
  h.positive_buckets = {10};
  const FloatHistogram r = h.Trimmed(0.1, kBelow);
  EXPECT_DOUBLE_EQ(r.zero_count, 0.4);
  EXPECT_DOUBLE_EQ(r.sum, 0.4 * 0.05);
  EXPECT_EQ(h.Trimmed(0, kBelow).count, 0);
  EXPECT_EQ(h.Trimmed(0, kAbove).sum, 8);  // removes nothing
}

}  // namespace
}  // namespace vigil
