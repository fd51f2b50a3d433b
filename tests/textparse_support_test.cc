// Content-type negotiation, metric-family membership, and the number
// helpers the parsers share.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "lib/textparse/lexer.h"
#include "vigil/textparse.h"

namespace vigil::textparse {
namespace {

TEST(ChooseFormatTest, PicksParserFromContentType) {
  struct Case {
    const char* content_type;
    Format format;
    const char* warning;
  };
  const Case cases[] = {
      {"text/plain; version=0.0.4; charset=utf-8", Format::kPrometheusText, ""},
      {"text/plain", Format::kPrometheusText, ""},
      {"Text/Plain;version=1.0.0;escaping=allow-utf-8", Format::kPrometheusText,
       ""},
      {"application/openmetrics-text; version=1.0.0; charset=utf-8",
       Format::kOpenMetrics, ""},
      {"application/openmetrics-text;version=0.0.1", Format::kOpenMetrics, ""},
      {"", Format::kPrometheusText,
       "non-compliant scrape target sending blank Content-Type, using the "
       "Prometheus text format 0.0.4"},
      {"application/vnd.google.protobuf; "
       "proto=io.prometheus.client.MetricFamily; encoding=delimited",
       Format::kProtobuf, ""},
      {"application/json", Format::kPrometheusText,
       "received unsupported Content-Type \"application/json\", using the "
       "Prometheus text format 0.0.4"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.content_type);
    FormatChoice choice = ChooseFormat(c.content_type);
    EXPECT_EQ(choice.format, c.format);
    EXPECT_EQ(choice.warning, c.warning);
  }
}

TEST(IsSeriesOfFamilyTest, SuffixRulesPerType) {
  using MT = MetricType;
  const Format text = Format::kPrometheusText;
  const Format om = Format::kOpenMetrics;
  EXPECT_TRUE(IsSeriesOfFamily("c_total", "c", MT::kCounter, text));
  EXPECT_TRUE(IsSeriesOfFamily("c_total", "c_total", MT::kCounter, text));
  EXPECT_TRUE(IsSeriesOfFamily("c", "c", MT::kCounter, text));
  EXPECT_FALSE(IsSeriesOfFamily("c", "c_total", MT::kCounter, text));
  EXPECT_FALSE(IsSeriesOfFamily("c_created", "c", MT::kCounter, text));
  EXPECT_TRUE(IsSeriesOfFamily("c_created", "c", MT::kCounter, om));
  EXPECT_FALSE(IsSeriesOfFamily("cx_total", "c", MT::kCounter, text));
  EXPECT_TRUE(IsSeriesOfFamily("h_bucket", "h", MT::kHistogram, text));
  EXPECT_TRUE(IsSeriesOfFamily("h_sum", "h", MT::kHistogram, text));
  EXPECT_TRUE(IsSeriesOfFamily("h_count", "h", MT::kHistogram, text));
  EXPECT_TRUE(IsSeriesOfFamily("h_created", "h", MT::kHistogram, om));
  EXPECT_FALSE(IsSeriesOfFamily("h_gsum", "h", MT::kHistogram, om));
  EXPECT_TRUE(IsSeriesOfFamily("g_gsum", "g", MT::kGaugeHistogram, om));
  EXPECT_TRUE(IsSeriesOfFamily("g_gcount", "g", MT::kGaugeHistogram, om));
  EXPECT_FALSE(IsSeriesOfFamily("g_created", "g", MT::kGaugeHistogram, om));
  EXPECT_TRUE(IsSeriesOfFamily("s_count", "s", MT::kSummary, text));
  EXPECT_FALSE(IsSeriesOfFamily("s_bucket", "s", MT::kSummary, text));
  EXPECT_TRUE(IsSeriesOfFamily("i_info", "i", MT::kInfo, om));
  EXPECT_TRUE(IsSeriesOfFamily("i_info", "i_info", MT::kInfo, om));
  EXPECT_TRUE(IsSeriesOfFamily("g", "g", MT::kGauge, text));
  EXPECT_FALSE(IsSeriesOfFamily("g_total", "g", MT::kGauge, text));
  EXPECT_FALSE(IsSeriesOfFamily("x", "y", MT::kUnknown, text));
}

TEST(ParseFloatTest, GoSyntaxWithoutHexOrUnderscores) {
  using internal::FloatStatus;
  using internal::ParseFloat;
  double v = 0;
  EXPECT_EQ(ParseFloat("1.5e3", &v), FloatStatus::kOk);
  EXPECT_EQ(v, 1500);
  EXPECT_EQ(ParseFloat("+.5", &v), FloatStatus::kOk);
  EXPECT_EQ(v, 0.5);
  EXPECT_EQ(ParseFloat("5.", &v), FloatStatus::kOk);
  EXPECT_EQ(v, 5);
  EXPECT_EQ(ParseFloat("-Infinity", &v), FloatStatus::kOk);
  EXPECT_EQ(v, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(ParseFloat("nAn", &v), FloatStatus::kOk);
  EXPECT_TRUE(std::isnan(v));
  EXPECT_EQ(ParseFloat("-NaN", &v), FloatStatus::kSyntax);
  EXPECT_EQ(ParseFloat("nan(1)", &v), FloatStatus::kSyntax);
  EXPECT_EQ(ParseFloat("+-1", &v), FloatStatus::kSyntax);
  EXPECT_EQ(ParseFloat("1e", &v), FloatStatus::kSyntax);
  EXPECT_EQ(ParseFloat(".", &v), FloatStatus::kSyntax);
  EXPECT_EQ(ParseFloat("", &v), FloatStatus::kSyntax);
  EXPECT_EQ(ParseFloat("0x10", &v), FloatStatus::kSyntax);
  EXPECT_EQ(ParseFloat("0x1p3", &v), FloatStatus::kUnsupportedChar);
  EXPECT_EQ(ParseFloat("1_000", &v), FloatStatus::kUnsupportedChar);
  EXPECT_EQ(ParseFloat("1e309", &v), FloatStatus::kOutOfRange);
  EXPECT_EQ(ParseFloat("-123456789e301", &v), FloatStatus::kOutOfRange);
  EXPECT_EQ(ParseFloat("0.000001e-330", &v), FloatStatus::kOk);
  EXPECT_EQ(v, 0);
  EXPECT_EQ(ParseFloat("-1e-400", &v), FloatStatus::kOk);
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(std::signbit(v));
}

TEST(OpenMetricsFloatTest, MatchesGoShortestFormatting) {
  struct Case {
    double f;
    const char* want;
  };
  const Case cases[] = {
      {1, "1.0"},
      {0, "0.0"},
      {-1, "-1.0"},
      {0.25, "0.25"},
      {100, "100.0"},
      {123456, "123456.0"},
      {1e6, "1e+06"},
      {1.5e7, "1.5e+07"},
      {0.0001, "0.0001"},
      {1e-5, "1e-05"},
      {-2.5e-7, "-2.5e-07"},
      {1e21, "1e+21"},
      {1e100, "1e+100"},
      {0.1, "0.1"},
      {-0.5, "-0.5"},
      {99999.5, "99999.5"},
      {8.999999999999998, "8.999999999999998"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
      {std::numeric_limits<double>::quiet_NaN(), "NaN"},
  };
  for (const Case& c : cases) {
    std::string out;
    internal::AppendOpenMetricsFloat(c.f, &out);
    EXPECT_EQ(out, c.want) << c.f;
  }
}

TEST(SeriesLabelsBuilderTest, ReusedAcrossSeriesAndSortsByName) {
  Parser parser("m{z=\"1\",a=\"2\",\"q\\\"x\"=\"3\\n\"} 1\nn{b=\"x\"} 2\n",
                Format::kPrometheusText);
  SeriesLabelsBuilder b;
  ASSERT_EQ(*parser.Next(), EntryType::kSeries);
  const auto& first = b.View(parser);
  ASSERT_EQ(first.size(), 4u);
  EXPECT_EQ(first[0].name, "__name__");
  EXPECT_EQ(first[1].name, "a");
  EXPECT_EQ(first[2].name, "q\"x");
  EXPECT_EQ(first[2].value, "3\n");
  EXPECT_EQ(first[3].name, "z");
  ASSERT_EQ(*parser.Next(), EntryType::kSeries);
  Labels second = b.Build(parser);
  EXPECT_EQ(second, Labels::FromStrings({"__name__", "n", "b", "x"}));
}

TEST(SeriesLabelsBuilderTest, EmptyForNonSeriesEntries) {
  Parser parser("# HELP m x\n", Format::kPrometheusText);
  ASSERT_EQ(*parser.Next(), EntryType::kHelp);
  SeriesLabelsBuilder b;
  EXPECT_TRUE(b.View(parser).empty());
}

}  // namespace
}  // namespace vigil::textparse
