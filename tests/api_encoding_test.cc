// The API's encoders and parameter parsers, against Go's and Prometheus's
// outputs.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>

#include "lib/api/json_encoding.h"
#include "lib/api/params.h"

namespace vigil::api {
namespace {

TEST(ApiEncodingTest, SampleValues) {
  EXPECT_EQ(FormatSampleValue(1), "1");
  EXPECT_EQ(FormatSampleValue(0), "0");
  EXPECT_EQ(FormatSampleValue(-0.0), "-0");
  EXPECT_EQ(FormatSampleValue(0.1), "0.1");
  EXPECT_EQ(FormatSampleValue(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(FormatSampleValue(1e-6), "0.000001");
  EXPECT_EQ(FormatSampleValue(9.99e-7), "9.99e-07");
  EXPECT_EQ(FormatSampleValue(1e21), "1e+21");
  EXPECT_EQ(FormatSampleValue(123456789012345678.0), "123456789012345680");
  EXPECT_EQ(FormatSampleValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatSampleValue(-std::numeric_limits<double>::infinity()),
            "-Inf");
  EXPECT_EQ(FormatSampleValue(std::nan("")), "NaN");
  EXPECT_EQ(FormatFloatExp(0), "0e+00");
  EXPECT_EQ(FormatFloatExp(1234.5), "1.2345e+03");
}

// Prometheus's answers (and Go's strconv.AppendFloat) for the same floats:
// the shortest digits that read back, zero padded, never the exact binary
// expansion; 'e' below 1e-6 and from 1e21.
TEST(ApiEncodingTest, SampleValuesAcrossMagnitudes) {
  struct Case {
    double v;
    const char* want;
  };
  const Case cases[] = {
      {4157438965351694336.0, "4157438965351694300"},
      {9007199254740992.0, "9007199254740992"},        // 2^53
      {9007199254740994.0, "9007199254740994"},        // 2^53 + 2
      {18014398509481984.0, "18014398509481984"},      // 2^54
      {18014398509481988.0, "18014398509481988"},      // 2^54 + 4
      {36028797018963968.0, "36028797018963970"},      // 2^55
      {4611686018427387904.0, "4611686018427388000"},  // 2^62
      {9223372036854775808.0, "9223372036854776000"},  // 2^63
      {1e20, "100000000000000000000"},
      {9.999999999999999e20, "999999999999999900000"},  // below 1e21
      {1e21, "1e+21"},
      {-1e21, "-1e+21"},
      {1e23, "1e+23"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {1e-6, "0.000001"},
      {-1e-6, "-0.000001"},
      {1.2345678e-6, "0.0000012345678"},
      {9.999999999999997e-7, "9.999999999999997e-07"},  // below 1e-6
      {1e-7, "1e-07"},
      {5e-324, "5e-324"},  // the smallest subnormal
      {2.2250738585072014e-308, "2.2250738585072014e-308"},
      {-0.0, "-0"},
      {0.1 + 0.2, "0.30000000000000004"},
      {123456789.125, "123456789.125"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(FormatSampleValue(c.v), c.want) << c.v;
  }
}

// promql.Scalar and promql.String marshal themselves: the time as the
// float64 encoding/json prints (trailing zeros trimmed, unlike vectors),
// a scalar's value in 'f' form at every magnitude.
TEST(ApiEncodingTest, ScalarAndStringResults) {
  auto encode = [](promql::QueryResult r) { return EncodeQueryData(r); };
  promql::QueryResult r;
  r.value = promql::Scalar{1796000000000, 1.0 / 1796000000};
  EXPECT_EQ(encode(r), R"({"resultType":"scalar","result":[1796000000,)"
                       R"("0.0000000005567928730512249"]})");
  r.value = promql::Scalar{1435781451010, 1e21};
  EXPECT_EQ(encode(r), R"({"resultType":"scalar","result":[1435781451.01,)"
                       R"("1000000000000000000000"]})");
  r.value = promql::Scalar{-1500, 4157438965351694336.0};
  EXPECT_EQ(encode(r), R"({"resultType":"scalar","result":[-1.5,)"
                       R"("4157438965351694300"]})");
  r.value = promql::Scalar{0, std::nan("")};
  EXPECT_EQ(encode(r), R"({"resultType":"scalar","result":[0,"NaN"]})");
  r.value = promql::Scalar{1000, -std::numeric_limits<double>::infinity()};
  EXPECT_EQ(encode(r), R"({"resultType":"scalar","result":[1,"-Inf"]})");
  r.value = promql::Scalar{1000, 5e-324};
  EXPECT_EQ(encode(r), R"({"resultType":"scalar","result":[1,"0.)" +
                           std::string(323, '0') + R"(5"]})");
  r.value = promql::StringResult{1435781451100, "a"};
  EXPECT_EQ(encode(r),
            R"({"resultType":"string","result":[1435781451.1,"a"]})");
  // Vectors keep marshalTimestamp's three decimals.
  r.value = promql::Vector{promql::VectorSample{Labels(), 1435781451010, 1}};
  EXPECT_EQ(encode(r), R"({"resultType":"vector","result":[{"metric":{},)"
                       R"("value":[1435781451.010,"1"]}]})");
}

// Native histograms as Prometheus's jsonutil.MarshalHistogram writes them.
TEST(ApiEncodingTest, HistogramResults) {
  FloatHistogram h;
  h.count = 5;
  h.sum = 7.5;
  h.zero_threshold = 0.001;
  h.zero_count = 1;
  h.positive_spans = {{0, 3}};
  h.positive_buckets = {1, 0, 2};  // (0.5,1], (1,2] empty, (2,4]
  h.negative_spans = {{0, 1}};
  h.negative_buckets = {1};  // [-1,-0.5)
  auto hp = std::make_shared<const FloatHistogram>(h);
  promql::QueryResult r;
  r.value = promql::Vector{promql::VectorSample{Labels(), 1000, 0, hp}};
  EXPECT_EQ(EncodeQueryData(r),
            R"({"resultType":"vector","result":[{"metric":{},"histogram":)"
            R"([1,{"count":"5","sum":"7.5","buckets":[[1,"-1","-0.5","1"],)"
            R"([3,"-0.001","0.001","1"],[0,"0.5","1","1"],)"
            R"([0,"2","4","2"]]}]}]})");
  FloatHistogram empty;
  r.value = promql::Matrix{promql::MatrixSeries(
      Labels(), {{1000, 2}},
      {{2000, std::make_shared<const FloatHistogram>(empty)}})};
  EXPECT_EQ(
      EncodeQueryData(r),
      R"({"resultType":"matrix","result":[{"metric":{},)"
      R"("values":[[1,"2"]],"histograms":[[2,{"count":"0","sum":"0"}]]}]})");
}

TEST(ApiEncodingTest, Timestamps) {
  auto ts = [](int64_t ms) {
    std::string s;
    AppendTimestamp(ms, &s);
    return s;
  };
  EXPECT_EQ(ts(1435781451781), "1435781451.781");
  EXPECT_EQ(ts(1435781451000), "1435781451");
  // marshalTimestamp pads to three digits, it never trims.
  EXPECT_EQ(ts(1435781451010), "1435781451.010");
  EXPECT_EQ(ts(5), "0.005");
  EXPECT_EQ(ts(-1500), "-1.500");
  EXPECT_EQ(ts(0), "0");
  EXPECT_EQ(FormatRfc3339Ms(1700000000123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(FormatRfc3339Ms(1700000000100), "2023-11-14T22:13:20.1Z");
  EXPECT_EQ(FormatRfc3339Ms(0), "0001-01-01T00:00:00Z");
}

TEST(ApiEncodingTest, JsonStrings) {
  std::string out;
  AppendJsonString("a\"b\\c\n<&>\x01\xe2\x80\xa8 \xff", &out);
  EXPECT_EQ(out,
            "\"a\\\"b\\\\c\\n\\u003c\\u0026\\u003e\\u0001\\u2028 \\ufffd\"");
  JsonWriter w;
  w.BeginObject();
  w.Key("a");
  w.Number(1e-7);
  w.Key("b");
  w.Number(30);
  w.Key("c");
  w.Number(0.0125);
  w.Key("d");
  w.BeginArray();
  w.Point(1000, 2.5);
  w.Null();
  w.EndArray();
  w.EndObject();
  EXPECT_EQ(w.str(), R"({"a":1e-7,"b":30,"c":0.0125,"d":[[1,"2.5"],null]})");
}

TEST(ApiParamsTest, Times) {
  EXPECT_EQ(*ParseTimeMs("1435781451.781"), 1435781451781);
  EXPECT_EQ(*ParseTimeMs("1435781451"), 1435781451000);
  EXPECT_EQ(*ParseTimeMs("+5"), 5000);
  EXPECT_EQ(*ParseTimeMs("1e3"), 1000000);
  EXPECT_EQ(*ParseTimeMs("2015-07-01T20:10:51.781Z"), 1435781451781);
  EXPECT_EQ(*ParseTimeMs("2015-07-01T22:10:51.781+02:00"), 1435781451781);
  EXPECT_EQ(*ParseTimeMs("-292273086-05-16T16:47:06Z"), kMinTimeMs);
  EXPECT_EQ(*ParseTimeMs("292277025-08-18T07:12:54.999999999Z"), kMaxTimeMs);
  for (const char* bad : {"", "abc", "NaN", "Inf", "1e400", "1.5.5", "0x10",
                          "2015-07-01", " 1"}) {
    auto t = ParseTimeMs(bad);
    ASSERT_FALSE(t.ok()) << bad;
  }
  EXPECT_EQ(ParseTimeMs("x").status().message(),
            "cannot parse \"x\" to a valid timestamp");
}

TEST(ApiParamsTest, Durations) {
  EXPECT_EQ(*ParseDurationNs("15"), 15000000000);
  EXPECT_EQ(*ParseDurationNs("0.5"), 500000000);
  EXPECT_EQ(*ParseDurationNs("1m30s"), 90000000000);
  EXPECT_EQ(*ParseDurationNs("1d"), 86400000000000);
  EXPECT_EQ(*ParseDurationNs("-3"), -3000000000);
  EXPECT_EQ(ParseDurationNs("x").status().message(),
            "cannot parse \"x\" to a valid duration");
  EXPECT_EQ(ParseDurationNs("1e300").status().message(),
            "cannot parse \"1e300\" to a valid duration. It overflows int64");
  EXPECT_FALSE(ParseDurationNs("").ok());
}

TEST(ApiParamsTest, Limits) {
  EXPECT_EQ(*ParseLimit(""), 0);
  EXPECT_EQ(*ParseLimit("10"), 10);
  EXPECT_EQ(ParseLimit("-1").status().message(), "limit must be non-negative");
  EXPECT_EQ(ParseLimit("1x").status().message(),
            "strconv.Atoi: parsing \"1x\": invalid syntax");
  EXPECT_EQ(ParseLimit("99999999999999999999").status().message(),
            "strconv.Atoi: parsing \"99999999999999999999\": value out of "
            "range");
}

TEST(ApiParamsTest, Forms) {
  Form f;
  f.Parse("query=sum%28up%29+by&match[]=a&match%5B%5D=b&&empty=&flag");
  EXPECT_EQ(f.Value("query"), "sum(up) by");
  EXPECT_EQ(f.Values("match[]"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(f.Has("empty"));
  EXPECT_EQ(f.Value("empty"), "");
  EXPECT_TRUE(f.Has("flag"));
  EXPECT_FALSE(f.error().has_value());
  Form bad;
  bad.Parse("a=%zz&b=1;c=2&d=4");
  EXPECT_EQ(bad.Value("d"), "4");
  EXPECT_FALSE(bad.Has("a"));
  ASSERT_TRUE(bad.error().has_value());
}

TEST(ApiParamsTest, Matchers) {
  auto sets = ParseMatchersParam({"up", "{job=\"a\",x!=\"\"}"});
  ASSERT_TRUE(sets.ok()) << sets.status();
  EXPECT_EQ(sets->size(), 2u);
  EXPECT_EQ(ParseMatchersParam({"up", "{x=~\".*\"}"}).status().message(),
            "match[] must contain at least one non-empty matcher");
  EXPECT_FALSE(ParseMatchersParam({"up{"}).ok());
}

TEST(ApiParamsTest, UnescapeLabelNames) {
  EXPECT_EQ(UnescapeLabelName("job"), "job");
  EXPECT_EQ(UnescapeLabelName("U__my__name"), "my_name");
  EXPECT_EQ(UnescapeLabelName("U__a_2e_b"), "a.b");
  EXPECT_EQ(UnescapeLabelName("U___1f600_"), "\xf0\x9f\x98\x80");
  EXPECT_EQ(UnescapeLabelName("U__bad_zz_"), "U__bad_zz_");
  EXPECT_EQ(UnescapeLabelName("U__open_2e"), "U__open_2e");
}

}  // namespace
}  // namespace vigil::api
