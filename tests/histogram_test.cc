// FloatHistogram arithmetic against results worked out from Prometheus's
// model/histogram semantics.
#include "vigil/histogram.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace vigil {
namespace {

FloatHistogram Exp(int32_t schema, int32_t offset, std::vector<double> b) {
  FloatHistogram h;
  h.schema = schema;
  double total = 0;
  for (double c : b) total += c;
  h.count = total;
  h.sum = total;
  h.positive_spans = {{offset, static_cast<uint32_t>(b.size())}};
  h.positive_buckets = std::move(b);
  return h;
}

TEST(FloatHistogramTest, BucketBounds) {
  const std::vector<double> none;
  EXPECT_EQ(BucketUpperBound(0, 0, none), 1);
  EXPECT_EQ(BucketUpperBound(1, 0, none), 2);
  EXPECT_EQ(BucketUpperBound(-1, 0, none), 0.5);
  EXPECT_NEAR(BucketUpperBound(1, 1, none), std::sqrt(2), 1e-15);
  EXPECT_EQ(BucketUpperBound(1, -1, none), 4);
  const std::vector<double> custom = {5, 10};
  EXPECT_EQ(BucketUpperBound(1, kCustomBucketsSchema, custom), 10);
  EXPECT_EQ(BucketUpperBound(2, kCustomBucketsSchema, custom),
            std::numeric_limits<double>::infinity());
}

TEST(FloatHistogramTest, AddReducesToTheLowerSchema) {
  FloatHistogram a = Exp(1, 1, {1, 2});  // (1,√2], (√2,2]
  FloatHistogram b = Exp(0, 1, {4});     // (1,2]
  ASSERT_TRUE(a.Add(b).ok());
  a.Compact(0);
  EXPECT_EQ(a.schema, 0);
  EXPECT_EQ(a.count, 7);
  EXPECT_EQ(a.positive_spans, (std::vector<HistogramSpan>{{1, 1}}));
  EXPECT_EQ(a.positive_buckets, (std::vector<double>{7}));
}

TEST(FloatHistogramTest, SubAndCompact) {
  FloatHistogram a = Exp(0, 0, {3, 2, 1});
  FloatHistogram b = Exp(0, 0, {3, 0, 1});
  ASSERT_TRUE(a.Sub(b).ok());
  a.Compact(0);
  EXPECT_EQ(a.positive_spans, (std::vector<HistogramSpan>{{1, 1}}));
  EXPECT_EQ(a.positive_buckets, (std::vector<double>{2}));
}

TEST(FloatHistogramTest, MixedSchemasDoNotAdd) {
  FloatHistogram a = Exp(0, 0, {1});
  FloatHistogram c;
  c.schema = kCustomBucketsSchema;
  c.custom_values = {5};
  EXPECT_EQ(a.Add(c).message(), kIncompatibleSchemaError);
}

TEST(FloatHistogramTest, CustomBoundsReconcileToTheirIntersection) {
  FloatHistogram a;
  a.schema = kCustomBucketsSchema;
  a.custom_values = {5, 10};
  a.positive_spans = {{0, 3}};
  a.positive_buckets = {1, 2, 3};
  FloatHistogram b = a;
  b.custom_values = {5, 20};
  FloatHistogram::AddInfo info;
  ASSERT_TRUE(a.Add(b, &info).ok());
  EXPECT_TRUE(info.nhcb_bounds_reconciled);
  EXPECT_EQ(a.custom_values, (std::vector<double>{5}));
  EXPECT_EQ(a.positive_buckets, (std::vector<double>{2, 10}));
}

TEST(FloatHistogramTest, DetectReset) {
  FloatHistogram prev = Exp(0, 0, {2, 2});
  FloatHistogram cur = Exp(0, 0, {3, 2});
  EXPECT_FALSE(cur.DetectReset(prev));
  FloatHistogram dropped = Exp(0, 1, {5});  // bucket 0 vanished
  EXPECT_TRUE(dropped.DetectReset(prev));
  cur.counter_reset_hint = CounterResetHint::kCounterReset;
  EXPECT_TRUE(cur.DetectReset(prev));
}

TEST(FloatHistogramTest, ZeroThresholdsReconcile) {
  FloatHistogram a = Exp(0, -1, {1, 1});  // (0.25,0.5], (0.5,1]
  FloatHistogram b;
  b.zero_threshold = 0.5;
  b.zero_count = 2;
  b.count = 2;
  ASSERT_TRUE(a.Add(b).ok());
  a.Compact(0);
  EXPECT_EQ(a.zero_threshold, 0.5);
  EXPECT_EQ(a.zero_count, 3);
  EXPECT_EQ(a.positive_buckets, (std::vector<double>{1}));
}

TEST(FloatHistogramTest, NaNThresholdsTerminate) {
  FloatHistogram a = Exp(0, 0, {1});
  a.zero_threshold = std::nan("");
  FloatHistogram b = a;
  EXPECT_TRUE(a.Add(b).ok());
  EXPECT_EQ(a.count, 2);
}

TEST(FloatHistogramTest, StringForm) {
  FloatHistogram a = Exp(0, 0, {1, 2});
  EXPECT_EQ(a.String(), "{count:3, sum:3, (0.5,1]:1, (1,2]:2}");
}

}  // namespace
}  // namespace vigil
