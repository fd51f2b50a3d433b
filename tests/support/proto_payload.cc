#include "tests/support/proto_payload.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <cmath>

namespace vigil::testing {

void AppendDelimited(const pb::MetricFamily& mf, std::string* out) {
  google::protobuf::io::StringOutputStream stream(out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.WriteVarint32(static_cast<uint32_t>(mf.ByteSizeLong()));
  mf.SerializeToCodedStream(&coded);
}

void AddLabels(const LabelPairs& labels, pb::Metric* m) {
  for (const auto& [name, value] : labels) {
    pb::LabelPair* l = m->add_label();
    l->set_name(name);
    l->set_value(value);
  }
}

namespace {

std::string PodName(int pod) { return "pod-" + std::to_string(pod); }

void SetTimestamp(const PayloadOptions& o, pb::Metric* m) {
  if (o.timestamp_ms != 0) m->set_timestamp_ms(o.timestamp_ms);
}

// Observation counts of bucket `i` of pod `pod` at `step`: always growing.
uint64_t BucketCount(int pod, int i, int step) {
  return static_cast<uint64_t>((i % 5 + 1) * (step + 1) + pod);
}

}  // namespace

pb::MetricFamily ExponentialHistogramFamily(const std::string& name,
                                            const PayloadOptions& o) {
  pb::MetricFamily mf;
  mf.set_name(name);
  mf.set_help("A native histogram with exponential buckets.");
  mf.set_type(pb::HISTOGRAM);
  for (int pod = 0; pod < o.pods; ++pod) {
    pb::Metric* m = mf.add_metric();
    AddLabels({{"pod", PodName(pod)}, {"job_kind", pod % 2 ? "b" : "a"}}, m);
    SetTimestamp(o, m);
    pb::Histogram* h = m->mutable_histogram();
    const int schema = pod % 4;
    h->set_schema(schema);
    h->set_zero_threshold(1e-3);
    const uint64_t zero = static_cast<uint64_t>(o.step + pod + 1);
    h->set_zero_count(zero);
    uint64_t total = zero;
    double sum = 0;
    // Positive buckets: two spans with a gap; negative: one span.
    struct SpanDef {
      int32_t offset;
      uint32_t length;
    };
    const SpanDef positive[] = {{-2, 4}, {3, 3}};
    int64_t previous = 0;
    int index = 0;
    int32_t bucket = 0;
    for (const SpanDef& s : positive) {
      pb::BucketSpan* span = h->add_positive_span();
      span->set_offset(s.offset);
      span->set_length(s.length);
      bucket += s.offset;
      for (uint32_t j = 0; j < s.length; ++j, ++index, ++bucket) {
        const uint64_t c = BucketCount(pod, index, o.step);
        h->add_positive_delta(static_cast<int64_t>(c) - previous);
        previous = static_cast<int64_t>(c);
        total += c;
        sum +=
            static_cast<double>(c) * std::pow(2.0, std::ldexp(bucket, -schema));
      }
    }
    pb::BucketSpan* neg = h->add_negative_span();
    neg->set_offset(0);
    neg->set_length(2);
    previous = 0;
    for (int j = 0; j < 2; ++j) {
      const uint64_t c = BucketCount(pod, j + 7, o.step);
      h->add_negative_delta(static_cast<int64_t>(c) - previous);
      previous = static_cast<int64_t>(c);
      total += c;
      sum -= static_cast<double>(c) * std::pow(2.0, std::ldexp(j, -schema));
    }
    h->set_sample_count(total);
    h->set_sample_sum(sum);
    if (o.with_classic_buckets) {
      uint64_t cumulative = zero;
      for (double le : {0.5, 1.0, 4.0}) {
        cumulative += static_cast<uint64_t>(o.step + 1);
        pb::Bucket* b = h->add_bucket();
        b->set_upper_bound(le);
        b->set_cumulative_count(cumulative);
      }
    }
  }
  return mf;
}

pb::MetricFamily ClassicHistogramFamily(const std::string& name,
                                        const PayloadOptions& o) {
  pb::MetricFamily mf;
  mf.set_name(name);
  mf.set_help("A classic histogram.");
  mf.set_type(pb::HISTOGRAM);
  const double bounds[] = {100, 1000, 10000, 100000};
  for (int pod = 0; pod < o.pods; ++pod) {
    pb::Metric* m = mf.add_metric();
    AddLabels({{"pod", PodName(pod)}}, m);
    SetTimestamp(o, m);
    pb::Histogram* h = m->mutable_histogram();
    uint64_t cumulative = 0;
    double sum = 0;
    for (size_t i = 0; i < std::size(bounds); ++i) {
      const uint64_t c = BucketCount(pod, static_cast<int>(i), o.step);
      cumulative += c;
      sum += static_cast<double>(c) * bounds[i] / 2;
      pb::Bucket* b = h->add_bucket();
      b->set_upper_bound(bounds[i]);
      b->set_cumulative_count(cumulative);
    }
    const uint64_t overflow = static_cast<uint64_t>(pod);
    h->set_sample_count(cumulative + overflow);
    h->set_sample_sum(sum + static_cast<double>(overflow) * 2e5);
  }
  return mf;
}

pb::MetricFamily CounterFamily(const std::string& name,
                               const PayloadOptions& o) {
  pb::MetricFamily mf;
  mf.set_name(name);
  mf.set_help("A counter.");
  mf.set_type(pb::COUNTER);
  for (int pod = 0; pod < o.pods; ++pod) {
    pb::Metric* m = mf.add_metric();
    AddLabels({{"pod", PodName(pod)}}, m);
    SetTimestamp(o, m);
    m->mutable_counter()->set_value(10.0 * (o.step + 1) + pod);
  }
  return mf;
}

std::string DemoPayload(const PayloadOptions& o) {
  std::string out;
  AppendDelimited(ExponentialHistogramFamily("demo_latency_seconds", o), &out);
  AppendDelimited(ClassicHistogramFamily("demo_size_bytes", o), &out);
  AppendDelimited(CounterFamily("demo_requests_total", o), &out);
  return out;
}

}  // namespace vigil::testing
