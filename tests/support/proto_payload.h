// Protobuf exposition payloads for tests, benchmarks and the differential
// test: delimited io.prometheus.client.MetricFamily messages, built from the
// same schema the parser reads (lib/textparse/client/metrics.proto).
#ifndef VIGIL_TESTS_SUPPORT_PROTO_PAYLOAD_H_
#define VIGIL_TESTS_SUPPORT_PROTO_PAYLOAD_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "client/metrics.pb.h"

namespace vigil::testing {

namespace pb = ::io::prometheus::client;

// Appends `mf` with its varint length prefix.
void AppendDelimited(const pb::MetricFamily& mf, std::string* out);

using LabelPairs = std::vector<std::pair<std::string, std::string>>;
void AddLabels(const LabelPairs& labels, pb::Metric* m);

// What the generated families hold at scrape `step` (0, 1, ...): counts
// grow with the step so that rate() and friends see a counter.
struct PayloadOptions {
  int step = 0;
  int pods = 3;
  // Timestamps on every metric (ms); 0 leaves them off.
  int64_t timestamp_ms = 0;
  // Also expose the exponential histogram's classic buckets.
  bool with_classic_buckets = true;
};

// A native histogram family `name` (schema 0..3 per pod, positive and
// negative buckets, a zero bucket) with integer counts, one metric per pod.
pb::MetricFamily ExponentialHistogramFamily(const std::string& name,
                                            const PayloadOptions& options);
// A classic-only histogram family (what convert_classic_histograms_to_nhcb
// turns into custom-bucket histograms).
pb::MetricFamily ClassicHistogramFamily(const std::string& name,
                                        const PayloadOptions& options);
// A counter family.
pb::MetricFamily CounterFamily(const std::string& name,
                               const PayloadOptions& options);
// The three above as one payload: "demo_latency_seconds",
// "demo_size_bytes" and "demo_requests_total".
std::string DemoPayload(const PayloadOptions& options);

}  // namespace vigil::testing

#endif  // VIGIL_TESTS_SUPPORT_PROTO_PAYLOAD_H_
