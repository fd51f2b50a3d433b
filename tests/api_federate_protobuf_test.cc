// The protobuf answer of /federate: every field read back both with the
// generated io.prometheus.client classes (what is on the wire) and with
// vigil's own protobuf scrape reader (what a scraper makes of it).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "client/metrics.pb.h"
#include "google/protobuf/text_format.h"
#include "lib/api/federate_protobuf.h"
#include "tests/api_test_support.h"
#include "vigil/textparse.h"

namespace vigil::api::testing {
namespace {

namespace pb = ::io::prometheus::client;

constexpr const char* kProtoAccept =
    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
    "encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3";

// The delimited stream as messages; fails the test on bad framing.
std::vector<pb::MetricFamily> Families(std::string_view body) {
  std::vector<pb::MetricFamily> out;
  size_t pos = 0;
  while (pos < body.size()) {
    uint64_t len = 0;
    int shift = 0;
    while (pos < body.size()) {
      const auto b = static_cast<uint8_t>(body[pos++]);
      len |= static_cast<uint64_t>(b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) == 0) break;
    }
    EXPECT_LE(pos + len, body.size()) << "family overruns the body";
    if (pos + len > body.size()) return out;
    pb::MetricFamily mf;
    EXPECT_TRUE(mf.ParseFromArray(body.data() + pos, static_cast<int>(len)));
    out.push_back(std::move(mf));
    pos += len;
  }
  return out;
}

// What vigil's protobuf reader yields, one entry per element.
struct ReadSample {
  std::string labels;  // name{label="value", ...}
  std::optional<int64_t> t;
  double v = 0;
  std::optional<FloatHistogram> h;
};

std::vector<ReadSample> Read(std::string_view body,
                             textparse::ParserOptions options = {}) {
  std::vector<ReadSample> out;
  textparse::Parser parser(body, textparse::Format::kProtobuf, options);
  textparse::SeriesLabelsBuilder builder;
  for (;;) {
    absl::StatusOr<textparse::EntryType> t = parser.Next();
    EXPECT_TRUE(t.ok()) << t.status();
    if (!t.ok() || *t == textparse::EntryType::kEof) return out;
    if (*t != textparse::EntryType::kSeries &&
        *t != textparse::EntryType::kHistogram) {
      continue;
    }
    ReadSample s;
    s.labels = builder.Build(parser).ToString();
    s.t = parser.entry().timestamp_ms;
    s.v = parser.entry().value;
    if (parser.entry().histogram != nullptr) s.h = *parser.entry().histogram;
    out.push_back(std::move(s));
  }
}

std::string Encode(const std::vector<FederatedSample>& samples,
                   const std::vector<Label>& external = {{"instance", ""}},
                   std::vector<size_t>* pieces = nullptr) {
  std::vector<const FederatedSample*> ptrs;
  for (const FederatedSample& s : samples) ptrs.push_back(&s);
  std::string out;
  WriteFederateProtobuf(ptrs, external, kDefaultNameEscaping,
                        [&](std::string_view p) {
                          out.append(p);
                          if (pieces != nullptr) pieces->push_back(p.size());
                        });
  return out;
}

HistogramPtr Share(FloatHistogram h) {
  return std::make_shared<const FloatHistogram>(std::move(h));
}

// Schema 1, a zero bucket, two negative and two positive spans.
FloatHistogram IntegerHistogram() {
  FloatHistogram h;
  h.schema = 1;
  h.zero_threshold = 0.001;
  h.zero_count = 2;
  h.negative_spans = {{-2, 2}, {1, 1}};
  h.negative_buckets = {1, 3, 2};
  h.positive_spans = {{0, 2}, {3, 1}};
  h.positive_buckets = {4, 1, 5};
  h.count = 18;
  h.sum = 12.5;
  return h;
}

void ExpectSpans(const google::protobuf::RepeatedPtrField<pb::BucketSpan>& got,
                 const std::vector<HistogramSpan>& want) {
  ASSERT_EQ(got.size(), static_cast<int>(want.size()));
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_TRUE(got[i].has_offset() && got[i].has_length());
    EXPECT_EQ(got[i].offset(), want[i].offset) << i;
    EXPECT_EQ(got[i].length(), want[i].length) << i;
  }
}

TEST(FederateProtobufTest, IntegerHistogramWithDeltas) {
  const FloatHistogram h = IntegerHistogram();
  const std::string body = Encode(
      {FederatedSample(Labels::FromStrings({"__name__", "lat", "job", "api"}),
                       1234567, 0, Share(h))},
      {{"cluster", "eu"}, {"instance", ""}, {"job", "ignored"}});
  std::vector<pb::MetricFamily> fams = Families(body);
  ASSERT_EQ(fams.size(), 1u);
  EXPECT_EQ(fams[0].name(), "lat");
  EXPECT_EQ(fams[0].type(), pb::HISTOGRAM);
  ASSERT_EQ(fams[0].metric_size(), 1);
  const pb::Metric& m = fams[0].metric(0);
  ASSERT_EQ(m.label_size(), 3);  // own job, then missing externals
  EXPECT_EQ(m.label(0).name(), "job");
  EXPECT_EQ(m.label(0).value(), "api");
  EXPECT_EQ(m.label(1).name(), "cluster");
  EXPECT_EQ(m.label(2).name(), "instance");
  EXPECT_TRUE(m.label(2).has_value());
  EXPECT_EQ(m.label(2).value(), "");
  EXPECT_EQ(m.timestamp_ms(), 1234567);
  EXPECT_FALSE(m.has_untyped());
  const pb::Histogram& ph = m.histogram();
  EXPECT_EQ(ph.sample_count(), 18u);
  EXPECT_FALSE(ph.has_sample_count_float());
  EXPECT_EQ(ph.sample_sum(), 12.5);
  EXPECT_EQ(ph.schema(), 1);
  EXPECT_EQ(ph.zero_threshold(), 0.001);
  EXPECT_EQ(ph.zero_count(), 2u);
  EXPECT_FALSE(ph.has_zero_count_float());
  ExpectSpans(ph.negative_span(), h.negative_spans);
  ExpectSpans(ph.positive_span(), h.positive_spans);
  EXPECT_EQ(std::vector<int64_t>(ph.negative_delta().begin(),
                                 ph.negative_delta().end()),
            (std::vector<int64_t>{1, 2, -1}));
  EXPECT_EQ(std::vector<int64_t>(ph.positive_delta().begin(),
                                 ph.positive_delta().end()),
            (std::vector<int64_t>{4, -3, 4}));
  EXPECT_EQ(ph.negative_count_size(), 0);
  EXPECT_EQ(ph.positive_count_size(), 0);
  EXPECT_EQ(ph.bucket_size(), 0);

  std::vector<ReadSample> read = Read(body);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].labels, "lat{cluster=\"eu\", job=\"api\"}");
  EXPECT_EQ(read[0].t, 1234567);
  ASSERT_TRUE(read[0].h.has_value());
  EXPECT_TRUE(read[0].h->Equals(h)) << read[0].h->String();
}

TEST(FederateProtobufTest, FloatHistogramWithAbsoluteCounts) {
  FloatHistogram h = IntegerHistogram();
  h.zero_count = 0.5;
  h.negative_buckets = {1.25, 3, 2};
  h.count = 16.75;
  h.sum = -3.5;
  const std::string body = Encode({FederatedSample(
      Labels::FromStrings({"__name__", "rate_h"}), 99, 0, Share(h))});
  std::vector<pb::MetricFamily> fams = Families(body);
  ASSERT_EQ(fams.size(), 1u);
  const pb::Histogram& ph = fams[0].metric(0).histogram();
  EXPECT_FALSE(ph.has_sample_count());
  EXPECT_EQ(ph.sample_count_float(), 16.75);
  EXPECT_EQ(ph.sample_sum(), -3.5);
  EXPECT_EQ(ph.schema(), 1);
  EXPECT_FALSE(ph.has_zero_count());
  EXPECT_EQ(ph.zero_count_float(), 0.5);
  ExpectSpans(ph.negative_span(), h.negative_spans);
  ExpectSpans(ph.positive_span(), h.positive_spans);
  EXPECT_EQ(std::vector<double>(ph.negative_count().begin(),
                                ph.negative_count().end()),
            h.negative_buckets);
  EXPECT_EQ(std::vector<double>(ph.positive_count().begin(),
                                ph.positive_count().end()),
            h.positive_buckets);
  EXPECT_EQ(ph.negative_delta_size(), 0);
  EXPECT_EQ(ph.positive_delta_size(), 0);

  std::vector<ReadSample> read = Read(body);
  ASSERT_EQ(read.size(), 1u);
  ASSERT_TRUE(read[0].h.has_value());
  EXPECT_TRUE(read[0].h->Equals(h)) << read[0].h->String();
}

TEST(FederateProtobufTest, NegativeCountsOfAGaugeHistogramGoAsFloats) {
  // What `-1 * h` gives: a gauge histogram with negative counts, which the
  // integer form (unsigned counts) cannot carry.
  FloatHistogram h = IntegerHistogram();
  h.Mul(-1);
  ASSERT_EQ(h.counter_reset_hint, CounterResetHint::kGauge);
  const std::string body = Encode({FederatedSample(
      Labels::FromStrings({"__name__", "neg"}), 5, 0, Share(h))});
  std::vector<pb::MetricFamily> fams = Families(body);
  ASSERT_EQ(fams.size(), 1u);
  EXPECT_EQ(fams[0].type(), pb::GAUGE_HISTOGRAM);
  const pb::Histogram& ph = fams[0].metric(0).histogram();
  EXPECT_EQ(ph.sample_count_float(), -18);
  EXPECT_EQ(ph.zero_count_float(), -2);
  EXPECT_EQ(std::vector<double>(ph.positive_count().begin(),
                                ph.positive_count().end()),
            (std::vector<double>{-4, -1, -5}));
  EXPECT_EQ(ph.positive_delta_size(), 0);
}

TEST(FederateProtobufTest, EmptyHistogramStaysNative) {
  FloatHistogram h;
  h.schema = 3;
  const std::string body = Encode({FederatedSample(
      Labels::FromStrings({"__name__", "idle"}), 5, 0, Share(h))});
  std::vector<ReadSample> read = Read(body);
  ASSERT_EQ(read.size(), 1u);
  ASSERT_TRUE(read[0].h.has_value()) << "read as a classic histogram";
  EXPECT_EQ(read[0].h->count, 0);
  EXPECT_EQ(read[0].h->schema, 3);
}

FloatHistogram CustomBuckets(double scale) {
  FloatHistogram h;
  h.schema = kCustomBucketsSchema;
  h.custom_values = {0.1, 0.5, 1, 5};
  // Buckets 0, 1, 3 and the +Inf bucket (index 4).
  h.positive_spans = {{0, 2}, {1, 2}};
  h.positive_buckets = {1 * scale, 2 * scale, 4 * scale, 3 * scale};
  h.count = 10 * scale;
  h.sum = 42;
  return h;
}

TEST(FederateProtobufTest, CustomBucketsAsClassicBucketsWithoutInf) {
  for (double scale : {1.0, 0.5}) {
    SCOPED_TRACE(scale);
    const FloatHistogram h = CustomBuckets(scale);
    const std::string body = Encode({FederatedSample(
        Labels::FromStrings({"__name__", "nhcb"}), 7, 0, Share(h))});
    std::vector<pb::MetricFamily> fams = Families(body);
    ASSERT_EQ(fams.size(), 1u);
    EXPECT_EQ(fams[0].type(), pb::HISTOGRAM);
    const pb::Histogram& ph = fams[0].metric(0).histogram();
    EXPECT_FALSE(ph.has_schema());
    EXPECT_EQ(ph.positive_span_size(), 0);
    EXPECT_EQ(ph.sample_sum(), 42);
    const bool whole = scale == 1.0;
    EXPECT_EQ(ph.has_sample_count(), whole);
    EXPECT_EQ(whole ? static_cast<double>(ph.sample_count())
                    : ph.sample_count_float(),
              10 * scale);
    const std::vector<double> cumulative = {1, 3, 3, 7};
    ASSERT_EQ(ph.bucket_size(), 4);
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(ph.bucket(i).upper_bound(), h.custom_values[i]);
      EXPECT_EQ(whole ? static_cast<double>(ph.bucket(i).cumulative_count())
                      : ph.bucket(i).cumulative_count_float(),
                cumulative[i] * scale)
          << i;
    }
    // A scraper converting classic histograms gets the histogram back.
    textparse::ParserOptions nhcb;
    nhcb.convert_classic_histograms_to_nhcb = true;
    std::vector<ReadSample> read = Read(body, nhcb);
    ASSERT_EQ(read.size(), 1u);
    ASSERT_TRUE(read[0].h.has_value());
    EXPECT_EQ(read[0].h->custom_values, h.custom_values);
    EXPECT_EQ(read[0].h->count, h.count);
    EXPECT_EQ(read[0].h->sum, h.sum);
    std::vector<std::pair<double, double>> got, want;
    for (const HistogramBucket& b : read[0].h->Buckets(true)) {
      if (b.count != 0) got.emplace_back(b.upper, b.count);
    }
    for (const HistogramBucket& b : h.Buckets(true)) {
      if (b.count != 0) want.emplace_back(b.upper, b.count);
    }
    EXPECT_EQ(got, want);
  }
}

TEST(FederateProtobufTest, FamiliesSplitByNameAndSampleKind) {
  FloatHistogram gauge = IntegerHistogram();
  gauge.counter_reset_hint = CounterResetHint::kGauge;
  const Labels a = Labels::FromStrings({"__name__", "m", "i", "1"});
  const Labels b = Labels::FromStrings({"__name__", "m", "i", "2"});
  const Labels c = Labels::FromStrings({"__name__", "m", "i", "3"});
  const Labels d = Labels::FromStrings({"__name__", "m", "i", "4"});
  const Labels e = Labels::FromStrings({"__name__", "m", "i", "5"});
  const std::string body = Encode({
      FederatedSample(a, 1, 1.5, nullptr),
      FederatedSample(b, 2, -2, nullptr),
      FederatedSample(c, 3, 0, Share(IntegerHistogram())),
      FederatedSample(d, 4, 0, Share(gauge)),
      FederatedSample(e, 5, std::nan(""), nullptr),
      FederatedSample(Labels::FromStrings({"i", "nameless"}), 6, 1, nullptr),
      FederatedSample(Labels::FromStrings({"__name__", "n"}), 7, 8, nullptr),
  });
  std::vector<pb::MetricFamily> fams = Families(body);
  ASSERT_EQ(fams.size(), 5u);
  std::vector<std::pair<std::string, int>> got;
  for (const pb::MetricFamily& f : fams) {
    got.emplace_back(f.name() + "/" + std::to_string(f.metric_size()),
                     f.type());
  }
  EXPECT_EQ(got, (std::vector<std::pair<std::string, int>>{
                     {"m/2", pb::UNTYPED},
                     {"m/1", pb::HISTOGRAM},
                     {"m/1", pb::GAUGE_HISTOGRAM},
                     {"m/1", pb::UNTYPED},
                     {"n/1", pb::UNTYPED}}));
  EXPECT_EQ(fams[0].metric(1).untyped().value(), -2);
  EXPECT_EQ(fams[0].metric(1).timestamp_ms(), 2);
  EXPECT_TRUE(std::isnan(fams[3].metric(0).untyped().value()));

  std::vector<ReadSample> read = Read(body);
  ASSERT_EQ(read.size(), 6u);
  EXPECT_EQ(read[0].v, 1.5);
  EXPECT_FALSE(read[0].h.has_value());
  ASSERT_TRUE(read[3].h.has_value());
  EXPECT_EQ(read[3].h->counter_reset_hint, CounterResetHint::kGauge);
  EXPECT_EQ(read[5].labels, "n{}");
  EXPECT_EQ(read[5].t, 7);
}

TEST(FederateProtobufTest, LargeFamilyIsStreamedInBoundedPieces) {
  // Well past the family buffer, so the family is measured before written.
  const int n = 40000;
  std::vector<FederatedSample> samples;
  samples.reserve(n);
  const std::string pad(40, 'x');
  for (int i = 0; i < n; ++i) {
    samples.emplace_back(Labels::FromStrings({"__name__", "big", "pad", pad,
                                              "series", std::to_string(i)}),
                         1000 + i, i * 0.5, nullptr);
  }
  std::vector<size_t> pieces;
  const std::string body = Encode(samples, {{"instance", ""}}, &pieces);
  ASSERT_GT(body.size(), 2 * kFederateFamilyBufferBytes);
  EXPECT_GT(pieces.size(), body.size() / kFederateChunkBytes / 2);
  for (size_t p : pieces) EXPECT_LT(p, kFederateChunkBytes + 4096);
  std::vector<pb::MetricFamily> fams = Families(body);
  ASSERT_EQ(fams.size(), 1u);
  ASSERT_EQ(fams[0].metric_size(), n);
  for (int i : {0, 1, n / 2, n - 1}) {
    EXPECT_EQ(fams[0].metric(i).untyped().value(), i * 0.5);
    EXPECT_EQ(fams[0].metric(i).timestamp_ms(), 1000 + i);
  }
}

TEST(FederateProtobufTest, TextEncodingsHoldTheSameFamilies) {
  const std::vector<FederatedSample> samples = {
      FederatedSample(Labels::FromStrings({"__name__", "h"}), 3, 0,
                      Share(IntegerHistogram())),
      FederatedSample(Labels::FromStrings({"__name__", "u"}), 4, 2, nullptr)};
  std::vector<const FederatedSample*> ptrs = {&samples[0], &samples[1]};
  const std::vector<pb::MetricFamily> want = Families(Encode(samples));
  for (bool compact : {false, true}) {
    std::string text;
    WriteFederateProtobufText(ptrs, std::vector<Label>{{"instance", ""}},
                              compact, kDefaultNameEscaping,
                              [&](std::string_view p) { text.append(p); });
    // Compact: one line per family.
    if (compact) {
      EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
    }
    const size_t split = compact ? text.find('\n') + 1 : text.find("\n\n") + 2;
    ASSERT_NE(split, std::string::npos);
    for (int i = 0; i < 2; ++i) {
      pb::MetricFamily mf;
      const std::string part =
          i == 0 ? text.substr(0, split) : text.substr(split);
      ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(part, &mf))
          << part;
      EXPECT_EQ(mf.SerializeAsString(), want[i].SerializeAsString());
    }
  }
}

// Through the server: negotiation, selection and staleness.
class FederateProtobufServerTest : public ApiServerTest {
 protected:
  http::Response Federate(const std::string& query, const std::string& accept) {
    http::Request req;
    req.url = Url("/federate?" + query);
    if (!accept.empty()) req.headers.emplace_back("Accept", accept);
    auto r = http::Perform(req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : http::Response{};
  }
};

TEST_F(FederateProtobufServerTest, HistogramsAndFloatsWhenProtobufIsAccepted) {
  FloatHistogram h = IntegerHistogram();
  FloatHistogram stale = h;
  stale.sum = StaleNaN();
  {
    auto app = head_.NewAppender();
    const Labels switched = Labels::FromStrings({"__name__", "switched"});
    ASSERT_TRUE(app->Append(switched, kT0 + 280000, 7).ok());
    ASSERT_TRUE(app->AppendHistogram(0, switched, kT0 + 290000, h).ok());
    const Labels gone = Labels::FromStrings({"__name__", "gone"});
    ASSERT_TRUE(app->AppendHistogram(0, gone, kT0 + 280000, h).ok());
    ASSERT_TRUE(app->AppendHistogram(0, gone, kT0 + 290000, stale).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  deps_.external_labels = [] { return Labels::FromStrings({"dc", "x"}); };
  StartServer();
  http::Response r = Federate(
      "match[]=switched&match[]=gone&match[]=up%7Binstance%3D%22a:9090%22%7D",
      kProtoAccept);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type,
            "application/vnd.google.protobuf; "
            "proto=io.prometheus.client.MetricFamily; encoding=delimited; "
            "escaping=underscores");
  std::vector<ReadSample> read = Read(r.body);
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0].labels, "switched{dc=\"x\"}");
  EXPECT_EQ(read[0].t, kT0 + 290000);
  ASSERT_TRUE(read[0].h.has_value());
  EXPECT_TRUE(read[0].h->Equals(h)) << read[0].h->String();
  EXPECT_EQ(read[1].labels, "up{dc=\"x\", instance=\"a:9090\", job=\"api\"}");
  EXPECT_EQ(read[1].v, 1);
  EXPECT_EQ(read[1].t, kT0 + 20 * kStepMs);
  std::vector<pb::MetricFamily> fams = Families(r.body);
  ASSERT_EQ(fams.size(), 2u);
  // instance="" where the series has none, as in the text format.
  const pb::Metric& m = fams[0].metric(0);
  ASSERT_EQ(m.label_size(), 2);
  EXPECT_EQ(m.label(0).name(), "dc");
  EXPECT_EQ(m.label(1).name(), "instance");

  // The same request in the text format leaves the histogram out.
  http::Response text = Federate("match[]=switched", "text/plain");
  EXPECT_EQ(text.content_type,
            "text/plain; version=0.0.4; charset=utf-8; escaping=underscores");
  EXPECT_EQ(text.body, "");
}

TEST_F(FederateProtobufServerTest, GarbageAcceptGetsText) {
  StartServer();
  http::Response r = Federate("match[]=temperature", "garbage;;q=,/ ,=;*");
  EXPECT_EQ(r.content_type,
            "text/plain; version=0.0.4; charset=utf-8; escaping=underscores");
  EXPECT_EQ(r.body,
            "# TYPE temperature untyped\n"
            "temperature{room=\"kitchen\",instance=\"\"} 21.5 " +
                std::to_string(kT0 + 20 * kStepMs) + "\n");
}

// A series with a UTF-8 name and label under each escaping scheme the
// Accept header can ask for, in the text and the protobuf format.
TEST_F(FederateProtobufServerTest, UtfEightNamesEscapedAsAccepted) {
  const int64_t t = kT0 + 290000;
  {
    auto app = head_.NewAppender();
    ASSERT_TRUE(app->Append(Labels::FromStrings({"__name__", "my.metric", "job",
                                                 "x", "lé.bel", "v\"1"}),
                            t, 3)
                    .ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  deps_.external_labels = [] { return Labels::FromStrings({"dc.zone", "eu"}); };
  StartServer();
  const std::string query = "match[]=%7B__name__%3D%22my.metric%22%7D";
  const std::string ts = std::to_string(t);
  const struct {
    std::string scheme;  // "" sends no escaping parameter
    std::string family;
    std::string label;
    std::string external;
    std::string text;
  } cases[] = {
      {"", "my_metric", "l__bel", "dc_zone",
       "# TYPE my_metric untyped\n"
       "my_metric{job=\"x\",l__bel=\"v\\\"1\",dc_zone=\"eu\",instance=\"\"} "
       "3 " +
           ts + "\n"},
      {"underscores", "my_metric", "l__bel", "dc_zone",
       "# TYPE my_metric untyped\n"
       "my_metric{job=\"x\",l__bel=\"v\\\"1\",dc_zone=\"eu\",instance=\"\"} "
       "3 " +
           ts + "\n"},
      {"dots", "my_dot_metric", "l___dot_bel", "dc_dot_zone",
       "# TYPE my_dot_metric untyped\n"
       "my_dot_metric{job=\"x\",l___dot_bel=\"v\\\"1\",dc_dot_zone=\"eu\","
       "instance=\"\"} 3 " +
           ts + "\n"},
      {"values", "U__my_2e_metric", "U__l_e9__2e_bel", "U__dc_2e_zone",
       "# TYPE U__my_2e_metric untyped\n"
       "U__my_2e_metric{job=\"x\",U__l_e9__2e_bel=\"v\\\"1\","
       "U__dc_2e_zone=\"eu\",instance=\"\"} 3 " +
           ts + "\n"},
      // UTF-8 allowed: names as they are, quoted where the text format
      // needs it, the metric name first inside the braces.
      {"allow-utf-8", "my.metric", "lé.bel", "dc.zone",
       "# TYPE \"my.metric\" untyped\n"
       "{\"my.metric\",job=\"x\",\"lé.bel\"=\"v\\\"1\",\"dc.zone\"=\"eu\","
       "instance=\"\"} 3 " +
           ts + "\n"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.scheme);
    const std::string param = c.scheme.empty() ? "" : ";escaping=" + c.scheme;
    const std::string stated =
        "; escaping=" + (c.scheme.empty() ? "underscores" : c.scheme);

    http::Response text = Federate(query, "text/plain;version=0.0.4" + param);
    EXPECT_EQ(text.content_type,
              "text/plain; version=0.0.4; charset=utf-8" + stated);
    EXPECT_EQ(text.body, c.text);

    http::Response proto =
        Federate(query,
                 "application/vnd.google.protobuf;"
                 "proto=io.prometheus.client.MetricFamily;encoding=delimited" +
                     param);
    EXPECT_EQ(proto.content_type,
              "application/vnd.google.protobuf; "
              "proto=io.prometheus.client.MetricFamily; encoding=delimited" +
                  stated);
    std::vector<pb::MetricFamily> fams = Families(proto.body);
    ASSERT_EQ(fams.size(), 1u);
    EXPECT_EQ(fams[0].name(), c.family);
    ASSERT_EQ(fams[0].metric_size(), 1);
    const pb::Metric& m = fams[0].metric(0);
    ASSERT_EQ(m.label_size(), 4);
    EXPECT_EQ(m.label(0).name(), "job");
    EXPECT_EQ(m.label(1).name(), c.label);
    EXPECT_EQ(m.label(1).value(), "v\"1");  // values are never escaped
    EXPECT_EQ(m.label(2).name(), c.external);
    EXPECT_EQ(m.label(3).name(), "instance");
    EXPECT_EQ(m.untyped().value(), 3);

    // The protobuf text encodings carry the same names, UTF-8 unescaped.
    http::Response compact = Federate(
        query,
        "application/vnd.google.protobuf;"
        "proto=io.prometheus.client.MetricFamily;encoding=compact-text" +
            param);
    pb::MetricFamily mf;
    ASSERT_TRUE(
        google::protobuf::TextFormat::ParseFromString(compact.body, &mf))
        << compact.body;
    EXPECT_EQ(mf.SerializeAsString(), fams[0].SerializeAsString());
    EXPECT_NE(compact.body.find("\"" + c.label + "\""), std::string::npos)
        << compact.body;
  }
}

TEST_F(FederateProtobufServerTest, QuotedNamesAreEscapedAsTextFormatStrings) {
  const int64_t t = kT0 + 290000;
  {
    auto app = head_.NewAppender();
    ASSERT_TRUE(
        app->Append(Labels::FromStrings({"__name__", "9\"q\\", "a:b", "1"}), t,
                    2)
            .ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  StartServer();
  const std::string query = "match[]=%7B__name__%3D%229%5C%22q%5C%5C%22%7D";
  const std::string ts = std::to_string(t);
  // a:b is a legacy metric name, so expfmt leaves the label name alone.
  EXPECT_EQ(Federate(query, "text/plain;escaping=allow-utf-8").body,
            "# TYPE \"9\\\"q\\\\\" untyped\n"
            "{\"9\\\"q\\\\\",a:b=\"1\",instance=\"\"} 2 " +
                ts + "\n");
  EXPECT_EQ(Federate(query, "text/plain").body,
            "# TYPE __q_ untyped\n"
            "__q_{a:b=\"1\",instance=\"\"} 2 " +
                ts + "\n");
}

}  // namespace
}  // namespace vigil::api::testing
