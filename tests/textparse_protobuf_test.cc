// The protobuf exposition parser: the entries Prometheus's ProtobufParser
// yields (classic expansion, native histograms, NHCB conversion), and every
// framing and wire error with its byte offset.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "tests/support/proto_payload.h"
#include "vigil/textparse.h"

namespace vigil::textparse {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using vigil::testing::AddLabels;
using vigil::testing::AppendDelimited;
namespace pb = ::io::prometheus::client;

std::string Num(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

std::string LabelsOf(const Parser& parser) {
  SeriesLabelsBuilder builder;
  std::string out = "{";
  for (const auto& p : builder.View(parser)) {
    if (out.size() > 1) out += ",";
    out += std::string(p.name) + "=" + std::string(p.value);
  }
  return out + "}";
}

std::vector<std::string> Dump(std::string_view input,
                              ParserOptions options = {}) {
  std::vector<std::string> out;
  Parser parser(input, Format::kProtobuf, options);
  for (;;) {
    absl::StatusOr<EntryType> t = parser.Next();
    if (!t.ok()) {
      out.push_back("ERROR: " + std::string(t.status().message()));
      return out;
    }
    const Entry& e = parser.entry();
    switch (*t) {
      case EntryType::kEof:
        out.push_back("EOF");
        return out;
      case EntryType::kHelp:
        out.push_back("HELP " + std::string(e.metric_name) + " " +
                      std::string(e.text));
        break;
      case EntryType::kType:
        out.push_back("TYPE " + std::string(e.metric_name) + " " +
                      std::string(MetricTypeName(e.metric_type)));
        break;
      case EntryType::kUnit:
        out.push_back("UNIT " + std::string(e.metric_name) + " " +
                      std::string(e.text));
        break;
      case EntryType::kSeries: {
        std::string s = LabelsOf(parser) + " " + Num(e.value);
        if (e.timestamp_ms) s += " @" + std::to_string(*e.timestamp_ms);
        if (e.created_timestamp_ms) {
          s += " ct=" + std::to_string(e.created_timestamp_ms);
        }
        if (e.has_exemplar) s += " ex";
        out.push_back(s);
        break;
      }
      case EntryType::kHistogram:
        out.push_back("HIST " + LabelsOf(parser) + " " +
                      e.histogram->TestExpression() +
                      (e.has_exemplar ? " ex" : ""));
        break;
      case EntryType::kComment:
        out.push_back("COMMENT");
        break;
    }
  }
}

std::string Payload(const std::vector<pb::MetricFamily>& families) {
  std::string out;
  for (const auto& mf : families) AppendDelimited(mf, &out);
  return out;
}

pb::MetricFamily Family(const std::string& name, pb::MetricType type) {
  pb::MetricFamily mf;
  mf.set_name(name);
  mf.set_type(type);
  return mf;
}

TEST(ProtobufParser, CounterGaugeUntypedWithMetadata) {
  pb::MetricFamily c = Family("http_requests_total", pb::COUNTER);
  c.set_help("Requests.");
  pb::Metric* m = c.add_metric();
  AddLabels({{"code", "200"}, {"path", "a\\b\"c"}}, m);
  m->mutable_counter()->set_value(7);
  m->mutable_counter()->mutable_created_timestamp()->set_seconds(100);
  m->mutable_counter()->mutable_created_timestamp()->set_nanos(5000000);
  m->mutable_counter()->mutable_exemplar()->set_value(1);
  m->set_timestamp_ms(1234);
  pb::MetricFamily g = Family("temp_celsius", pb::GAUGE);
  g.set_unit("celsius");
  g.add_metric()->mutable_gauge()->set_value(-1.5);
  pb::MetricFamily u = Family("thing", pb::UNTYPED);
  u.add_metric()->mutable_untyped()->set_value(3);
  // Prometheus skips families without metrics.
  pb::MetricFamily empty = Family("", pb::COUNTER);

  EXPECT_THAT(
      Dump(Payload({c, empty, g, u})),
      ElementsAre(
          "HELP http_requests_total Requests.",
          "TYPE http_requests_total counter",
          "{__name__=http_requests_total,code=200,path=a\\b\"c} 7 @1234 "
          "ct=100005 ex",
          "HELP temp_celsius ", "UNIT temp_celsius celsius",
          "TYPE temp_celsius gauge", "{__name__=temp_celsius} -1.5",
          "HELP thing ", "TYPE thing unknown", "{__name__=thing} 3", "EOF"));
}

TEST(ProtobufParser, SummaryExpandsLikePrometheus) {
  pb::MetricFamily s = Family("rpc_seconds", pb::SUMMARY);
  pb::Summary* sum = s.add_metric()->mutable_summary();
  sum->set_sample_count(10);
  sum->set_sample_sum(2.5);
  pb::Quantile* q = sum->add_quantile();
  q->set_quantile(0.5);
  q->set_value(0.2);
  q = sum->add_quantile();
  q->set_quantile(1);
  q->set_value(0.9);
  EXPECT_THAT(Dump(Payload({s})),
              ElementsAre("HELP rpc_seconds ", "TYPE rpc_seconds summary",
                          "{__name__=rpc_seconds_count} 10",
                          "{__name__=rpc_seconds_sum} 2.5",
                          "{__name__=rpc_seconds,quantile=0.5} 0.2",
                          "{__name__=rpc_seconds,quantile=1.0} 0.9", "EOF"));
}

pb::MetricFamily ClassicOnly() {
  pb::MetricFamily h = Family("size_bytes", pb::HISTOGRAM);
  pb::Histogram* hist = h.add_metric()->mutable_histogram();
  hist->set_sample_count(9);
  hist->set_sample_sum(70);
  pb::Bucket* b = hist->add_bucket();
  b->set_upper_bound(1);
  b->set_cumulative_count(2);
  b = hist->add_bucket();
  b->set_upper_bound(10);
  b->set_cumulative_count(2);
  b->mutable_exemplar()->set_value(4);
  b = hist->add_bucket();
  b->set_upper_bound(100);
  b->set_cumulative_count(7);
  return h;
}

TEST(ProtobufParser, ClassicHistogramGetsItsInfBucket) {
  EXPECT_THAT(Dump(Payload({ClassicOnly()})),
              ElementsAre("HELP size_bytes ", "TYPE size_bytes histogram",
                          "{__name__=size_bytes_count} 9",
                          "{__name__=size_bytes_sum} 70",
                          "{__name__=size_bytes_bucket,le=1.0} 2",
                          "{__name__=size_bytes_bucket,le=10.0} 2 ex",
                          "{__name__=size_bytes_bucket,le=100.0} 7",
                          "{__name__=size_bytes_bucket,le=+Inf} 9", "EOF"));
}

TEST(ProtobufParser, ClassicHistogramToNhcb) {
  ParserOptions o;
  o.convert_classic_histograms_to_nhcb = true;
  EXPECT_THAT(Dump(Payload({ClassicOnly()}), o),
              ElementsAre("HELP size_bytes ", "TYPE size_bytes histogram",
                          "HIST {__name__=size_bytes} "
                          "{{schema:-53 count:9 sum:70 custom_values:[1 10 "
                          "100] buckets:[2 0 5 2]}} ex",
                          "EOF"));
  o.keep_classic_histograms = true;
  std::vector<std::string> both = Dump(Payload({ClassicOnly()}), o);
  ASSERT_EQ(both.size(), 10u);
  EXPECT_THAT(both[2], HasSubstr("HIST {__name__=size_bytes}"));
  EXPECT_EQ(both[3], "{__name__=size_bytes_count} 9");
}

TEST(ProtobufParser, NhcbRejectsDecreasingBuckets) {
  pb::MetricFamily h = ClassicOnly();
  h.mutable_metric(0)->mutable_histogram()->mutable_bucket(2)->set_upper_bound(
      5);
  ParserOptions o;
  o.convert_classic_histograms_to_nhcb = true;
  EXPECT_THAT(Dump(Payload({h}), o).back(),
              HasSubstr("le=5.0 does not follow le=10.0"));
}

pb::MetricFamily Native(pb::MetricType type = pb::HISTOGRAM) {
  pb::MetricFamily f = Family("lat_seconds", type);
  pb::Metric* m = f.add_metric();
  AddLabels({{"pod", "a"}}, m);
  pb::Histogram* h = m->mutable_histogram();
  h->set_schema(1);
  h->set_zero_threshold(0.001);
  h->set_zero_count(1);
  h->set_sample_count(12);
  h->set_sample_sum(20);
  pb::BucketSpan* s = h->add_positive_span();
  s->set_offset(0);
  s->set_length(2);
  s = h->add_positive_span();
  s->set_offset(1);
  s->set_length(1);
  for (int64_t d : {2, 1, -1}) h->add_positive_delta(d);  // 2 3 2
  s = h->add_negative_span();
  s->set_offset(-1);
  s->set_length(1);
  h->add_negative_delta(4);
  pb::Bucket* b = h->add_bucket();
  b->set_upper_bound(1);
  b->set_cumulative_count(5);
  pb::Exemplar* e = h->add_exemplars();
  e->set_value(0.3);
  e->mutable_timestamp()->set_seconds(1);
  return f;
}

TEST(ProtobufParser, NativeHistogram) {
  EXPECT_THAT(Dump(Payload({Native()})),
              ElementsAre("HELP lat_seconds ", "TYPE lat_seconds histogram",
                          "HIST {__name__=lat_seconds,pod=a} {{schema:1 "
                          "count:12 sum:20 z_bucket:1 z_bucket_w:0.001 "
                          "buckets:[2 3 0 2] n_offset:-1 n_buckets:[4]}} ex",
                          "EOF"));
}

TEST(ProtobufParser, ReservedSchemasAreReducedTo8) {
  pb::MetricFamily f = Native();
  f.mutable_metric(0)->mutable_histogram()->set_schema(10);
  // Bucket i of schema 10 is bucket ((i-1)>>2)+1 of schema 8: 0 -> 0,
  // 1 and 3 -> 1; negative -1 -> 0.
  EXPECT_THAT(Dump(Payload({f}))[2],
              HasSubstr("{{schema:8 count:12 sum:20 z_bucket:1 "
                        "z_bucket_w:0.001 buckets:[2 5] n_buckets:[4]}}"));
}

TEST(ProtobufParser, GaugeHistogramIsAGauge) {
  const std::string payload = Payload({Native(pb::GAUGE_HISTOGRAM)});
  Parser parser(payload, Format::kProtobuf);
  EntryType t;
  do {
    t = *parser.Next();
  } while (t != EntryType::kHistogram && t != EntryType::kEof);
  ASSERT_EQ(t, EntryType::kHistogram);
  EXPECT_EQ(parser.entry().histogram->counter_reset_hint,
            CounterResetHint::kGauge);
}

TEST(ProtobufParser, NativeAndClassicOnRequest) {
  ParserOptions o;
  o.keep_classic_histograms = true;
  std::vector<std::string> d = Dump(Payload({Native()}), o);
  EXPECT_THAT(
      d, ElementsAre("HELP lat_seconds ", "TYPE lat_seconds histogram",
                     ::testing::StartsWith("HIST "),
                     "{__name__=lat_seconds_count,pod=a} 12",
                     "{__name__=lat_seconds_sum,pod=a} 20",
                     "{__name__=lat_seconds_bucket,le=1.0,pod=a} 5",
                     "{__name__=lat_seconds_bucket,le=+Inf,pod=a} 12", "EOF"));
  // Native histograms off: only the classic series.
  ParserOptions off;
  off.ignore_native_histograms = true;
  d = Dump(Payload({Native()}), off);
  EXPECT_EQ(d.size(), 7u);
  EXPECT_EQ(d[2], "{__name__=lat_seconds_count,pod=a} 12");
}

TEST(ProtobufParser, FloatNativeHistogram) {
  pb::MetricFamily f = Native();
  pb::Histogram* h = f.mutable_metric(0)->mutable_histogram();
  h->clear_positive_delta();
  h->clear_negative_delta();
  h->set_sample_count_float(11.5);
  h->set_zero_count_float(0.5);
  for (double c : {1.5, 2.5, 3.5}) h->add_positive_count(c);
  h->add_negative_count(3.5);
  EXPECT_THAT(Dump(Payload({f}))[2],
              HasSubstr("{{schema:1 count:11.5 sum:20 z_bucket:0.5 "
                        "z_bucket_w:0.001 buckets:[1.5 2.5 0 3.5] n_offset:-1 "
                        "n_buckets:[3.5]}}"));
}

TEST(ProtobufParser, NativeHistogramErrors) {
  pb::MetricFamily f = Native();
  f.mutable_metric(0)->mutable_histogram()->add_positive_delta(1);
  EXPECT_THAT(Dump(Payload({f})).back(),
              HasSubstr("byte 17: metric family \"lat_seconds\": native "
                        "histogram's positive spans cover 3 buckets but 4 "
                        "counts are given"));
  f = Native();
  f.mutable_metric(0)->mutable_histogram()->set_positive_delta(2, -9);
  EXPECT_THAT(Dump(Payload({f})).back(),
              HasSubstr("negative positive bucket count"));
  f = Native();
  f.mutable_metric(0)->mutable_histogram()->set_schema(53);
  EXPECT_THAT(Dump(Payload({f})).back(),
              HasSubstr("native histogram schema 53 is not an exponential "
                        "schema (-4..52)"));
  f = Native();
  f.mutable_metric(0)->mutable_histogram()->set_schema(-5);
  EXPECT_THAT(Dump(Payload({f})).back(), HasSubstr("schema -5 is not"));
}

TEST(ProtobufParser, FramingErrorsSayWhere) {
  pb::MetricFamily g = Family("g", pb::GAUGE);
  g.add_metric()->mutable_gauge()->set_value(1);
  const std::string one = Payload({g});
  // A truncated length prefix after a good family.
  EXPECT_EQ(Dump(one + "\x80").back(),
            "ERROR: byte " + std::to_string(one.size()) +
                ": truncated varint in a MetricFamily length prefix");
  EXPECT_EQ(Dump(std::string(11, '\xff')).back(),
            "ERROR: byte 0: MetricFamily length prefix is not a varint");
  EXPECT_EQ(Dump(one.substr(0, one.size() - 1)).back(),
            "ERROR: byte 0: MetricFamily message of " +
                std::to_string(one.size() - 1) +
                " bytes is truncated: the input ends after " +
                std::to_string(one.size() - 2));
  ParserOptions small;
  small.max_message_bytes = 4;
  EXPECT_THAT(Dump(one, small).back(),
              HasSubstr("byte 0: MetricFamily message of"));
  EXPECT_THAT(Dump(one, small).back(),
              HasSubstr("exceeds the limit of 4 bytes"));
  // Field 1 (name) sent as a varint; then wire type 7.
  EXPECT_EQ(Dump(std::string("\x02\x08\x01", 3)).back(),
            "ERROR: byte 1: MetricFamily field 1 has varint wire type, want "
            "length-delimited");
  EXPECT_EQ(Dump(std::string("\x02\x0f\x01", 3)).back(),
            "ERROR: byte 1: field 1: unsupported wire type 7 (invalid)");
  // A Metric that is not a valid message (a truncated field inside).
  std::string bad("\x06\x0a\x01g\x22\x01\x0a", 7);
  EXPECT_EQ(Dump(bad).back(),
            "ERROR: byte 5: metric family \"g\": malformed Metric message of "
            "1 bytes");
  ParserOptions tiny;
  tiny.max_entry_bytes = 2;
  EXPECT_THAT(Dump(one, tiny).back(),
              HasSubstr("Metric message of 11 bytes exceeds the limit of 2"));
}

TEST(ProtobufParser, LabelAndNameErrors) {
  pb::MetricFamily g = Family("g", pb::GAUGE);
  pb::Metric* m = g.add_metric();
  AddLabels({{"a", "1"}, {"a", "2"}}, m);
  EXPECT_THAT(Dump(Payload({g})).back(),
              HasSubstr("duplicate label name \"a\""));
  g.mutable_metric(0)->mutable_label(1)->set_name("__name__");
  EXPECT_THAT(Dump(Payload({g})).back(), HasSubstr("__name__ label"));
  g.mutable_metric(0)->mutable_label(1)->set_name("b");
  g.mutable_metric(0)->mutable_label(1)->set_value("\xff");
  EXPECT_THAT(Dump(Payload({g})).back(), HasSubstr("not valid UTF-8"));
  ParserOptions o;
  o.max_labels_per_series = 1;
  g.mutable_metric(0)->mutable_label(1)->set_value("ok");
  EXPECT_THAT(Dump(Payload({g}), o).back(),
              HasSubstr("more than the limit of 1"));
  pb::MetricFamily c = Family("x_total", pb::COUNTER);
  c.set_unit("seconds");
  c.add_metric();
  EXPECT_THAT(Dump(Payload({c})).back(),
              HasSubstr("unit \"seconds\" is not a suffix of the name"));
  c.set_name("");
  EXPECT_THAT(Dump(Payload({c})).back(), HasSubstr("invalid metric name"));
  // name "x", type 7 (set_type refuses it), one empty metric.
  EXPECT_EQ(Dump(std::string("\x07\x0a\x01x\x18\x07\x22\x00", 8)).back(),
            "ERROR: byte 1: metric family \"x\": unknown metric type 7");
}

TEST(ProtobufParser, NaNCannotForgeAStalenessMarker) {
  pb::MetricFamily g = Family("g", pb::GAUGE);
  g.add_metric()->mutable_gauge()->set_value(
      std::bit_cast<double>(uint64_t{0x7ff0000000000002}));
  const std::string payload = Payload({g});
  Parser parser(payload, Format::kProtobuf);
  while (*parser.Next() != EntryType::kSeries) {
  }
  EXPECT_TRUE(std::isnan(parser.entry().value));
  EXPECT_NE(std::bit_cast<uint64_t>(parser.entry().value),
            uint64_t{0x7ff0000000000002});
}

TEST(ProtobufParser, ChooseFormat) {
  FormatChoice c = ChooseFormat(
      "application/vnd.google.protobuf; "
      "proto=io.prometheus.client.MetricFamily; encoding=delimited");
  EXPECT_EQ(c.format, Format::kProtobuf);
  EXPECT_TRUE(c.warning.empty());
}

TEST(ProtobufParser, GeneratedDemoPayloadParses) {
  vigil::testing::PayloadOptions o;
  o.step = 3;
  o.timestamp_ms = 1000;
  std::vector<std::string> d = Dump(vigil::testing::DemoPayload(o));
  ASSERT_EQ(d.back(), "EOF");
  int hist = 0;
  for (const auto& s : d) hist += s.starts_with("HIST ");
  EXPECT_EQ(hist, o.pods);
}

}  // namespace
}  // namespace vigil::textparse
