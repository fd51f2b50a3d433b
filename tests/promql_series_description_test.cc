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
  auto hist = ParseSeriesDescription("m {{schema:0 sum:1}}");
  EXPECT_EQ(hist.status().code(), absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace vigil::promql
