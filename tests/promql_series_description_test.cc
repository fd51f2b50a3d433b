// ParseSeriesDescription: the `load` notation of Prometheus's test language.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <vector>

#include "vigil/promql/series_description.h"
#include "vigil/storage.h"

namespace vigil::promql {
namespace {

using Values = std::vector<std::optional<double>>;

Values MustParse(std::string_view input, Labels* labels = nullptr) {
  auto d = ParseSeriesDescription(input);
  EXPECT_TRUE(d.ok()) << input << ": " << d.status();
  if (!d.ok()) return {};
  if (labels != nullptr) *labels = d->labels;
  return d->values;
}

TEST(SeriesDescriptionTest, PrometheusExamples) {
  Labels l;
  EXPECT_EQ(MustParse("{} 1 2 3", &l), (Values{1, 2, 3}));
  EXPECT_TRUE(l.empty());
  EXPECT_EQ(MustParse("{a=\"b\"} -1 2 3", &l), (Values{-1, 2, 3}));
  EXPECT_EQ(l, Labels::FromStrings({"a", "b"}));
  EXPECT_EQ(MustParse("my_metric 1 2 3", &l), (Values{1, 2, 3}));
  EXPECT_EQ(l.MetricName(), "my_metric");
  EXPECT_EQ(MustParse("my_metric{a=\"b\"} 1 2 3-10x4", &l),
            (Values{1, 2, 3, -7, -17, -27, -37}));
  EXPECT_EQ(l, Labels::FromStrings({"__name__", "my_metric", "a", "b"}));
  EXPECT_EQ(MustParse("my_metric{a=\"b\"} 1 2 3-0x4"),
            (Values{1, 2, 3, 3, 3, 3, 3}));
  EXPECT_EQ(MustParse("{} 1x0"), (Values{1}));
  EXPECT_EQ(MustParse("{} 1+1x0"), (Values{1}));
  EXPECT_EQ(MustParse("my_metric{a=\"b\"} 1 3 _ 5 _x4"),
            (Values{1, 3, std::nullopt, 5, std::nullopt, std::nullopt,
                    std::nullopt, std::nullopt}));
  EXPECT_EQ(MustParse("m 1 -1 -3-10x4 7 9 +5"),
            (Values{1, -1, -3, -13, -23, -33, -43, 7, 9, 5}));
  EXPECT_EQ(MustParse("m{a=\"b\"} 1 2 3    "), (Values{1, 2, 3}));
  EXPECT_EQ(MustParse("m{a=\"\\u70ac = torch\"} 1", &l), (Values{1}));
  EXPECT_EQ(l.Get("a"), "炬 = torch");
  EXPECT_EQ(
      MustParse("{\"http.requests\", \"service.name\"=\"api\"} 0+50x2", &l),
      (Values{0, 50, 100}));
  EXPECT_EQ(l.MetricName(), "http.requests");
  EXPECT_EQ(l.Get("service.name"), "api");
  EXPECT_EQ(MustParse("m 1m 0.5 1e3 Inf -inf"),
            (Values{60, 0.5, 1000, INFINITY, -INFINITY}));
  EXPECT_TRUE(MustParse("m").empty());
}

TEST(SeriesDescriptionTest, StaleAndNaN) {
  Values v = MustParse("m 1 stale NaN");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_TRUE(IsStaleNaN(*v[1]));
  EXPECT_TRUE(std::isnan(*v[2]));
  EXPECT_FALSE(IsStaleNaN(*v[2]));
}

TEST(SeriesDescriptionTest, Errors) {
  for (const char* bad :
       {"{} 1+1", "my_metric{a=\"b\"} 1 3 _ 5 _a4", "m{a=\"b\"} -3-3 -3",
        "m{a=\"b\"} -3 -3-3", "m{a=\"b\"} -3 _-2", "m{a=\"b\"} -3 3+3x4-4",
        "{\"http.requests\"xx} 0+50x2", "{\"http.requests\"=, x=\"y\"} 1",
        "{\"http.requests} 1", "m 1x99999999999"}) {
    auto d = ParseSeriesDescription(bad);
    EXPECT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  auto junk = ParseSeriesDescription("{\"http.requests\"xx} 0+50x2");
  EXPECT_EQ(junk.status().message(),
            "1:17: parse error: unexpected identifier \"xx\" in label set, "
            "expected \",\" or \"}\"");
  for (const char* bad :
       {"m {{schema:0 sum:1", "m {{schema:9}}", "m {{bogus:1}}",
        "m {{buckets:[1 2}}", "m {{schema:1}}+{{schema:0}}x2",
        "m {{counter_reset_hint:maybe}}"}) {
    auto d = ParseSeriesDescription(bad);
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(SeriesDescriptionTest, NativeHistograms) {
  auto d = ParseSeriesDescription(
      "m 1 {{schema:1 count:3 sum:5 z_bucket:1 z_bucket_w:0.5 buckets:[1 1] "
      "offset:2 n_buckets:[1] counter_reset_hint:gauge}} _");
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->values.size(), 3u);
  ASSERT_EQ(d->histograms.size(), 3u);
  EXPECT_EQ(d->values[0], 1.0);
  EXPECT_FALSE(d->values[1].has_value());
  EXPECT_EQ(d->histograms[0], nullptr);
  ASSERT_NE(d->histograms[1], nullptr);
  const FloatHistogram& h = *d->histograms[1];
  EXPECT_EQ(h.schema, 1);
  EXPECT_EQ(h.count, 3);
  EXPECT_EQ(h.zero_count, 1);
  EXPECT_EQ(h.zero_threshold, 0.5);
  EXPECT_EQ(h.counter_reset_hint, CounterResetHint::kGauge);
  EXPECT_EQ(h.positive_spans, (std::vector<HistogramSpan>{{2, 2}}));
  EXPECT_EQ(h.negative_buckets, (std::vector<double>{1}));
  EXPECT_EQ(h.TestExpression(),
            "{{schema:1 count:3 sum:5 z_bucket:1 z_bucket_w:0.5 "
            "counter_reset_hint:gauge offset:2 buckets:[1 1] "
            "n_buckets:[1]}}");

  // Expanding notation adds the increment, as Prometheus does.
  auto e = ParseSeriesDescription(
      "m {{schema:0 count:1 sum:1 buckets:[1]}}+{{count:2 sum:3 "
      "buckets:[1 1]}}x2");
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(e->histograms.size(), 3u);
  EXPECT_EQ(e->histograms[2]->count, 5);
  EXPECT_EQ(e->histograms[2]->sum, 7);
  FloatHistogram last = *e->histograms[2];
  last.Compact(0);
  EXPECT_EQ(last.positive_buckets, (std::vector<double>{3, 2}));
}

}  // namespace
}  // namespace vigil::promql
