// Remote write 1.0's body: a prometheus.WriteRequest (prompb/remote.proto)
// compressed with snappy's block format. Internal to vigil_remote.
//
// The encoder writes the protobuf wire format by hand: a series' labels are
// encoded once, when the queue first sees the series, and a request is then
// those bytes and a sample per entry, with no message objects built per
// sample. The protoc-generated classes decode (tests, and anything that
// receives), so the two stay checked against each other.
#ifndef VIGIL_LIB_REMOTE_WRITE_REQUEST_H_
#define VIGIL_LIB_REMOTE_WRITE_REQUEST_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "vigil/histogram.h"
#include "vigil/labels.h"
#include "vigil/scrape.h"

namespace vigil::remote {

// The repeated `labels` field of a TimeSeries for `labels` (in their
// order, which is sorted by name).
std::string EncodeLabels(const Labels& labels);

// One sample of a request: its series' EncodeLabels bytes and the sample,
// a float `v` or, when `h` is set, a native histogram sent as an integer
// histogram (delta-encoded buckets, as Prometheus's FromIntHistogram) when
// `integer`, else as a float histogram (absolute counts,
// FromFloatHistogram). `integer` needs IsIntegerHistogram(*h).
struct EncodedSample {
  const std::string* labels;
  int64_t t;
  double v;
  const FloatHistogram* h = nullptr;
  bool integer = false;
};

// Whether every count of `h` is a whole number an integer histogram holds
// (0 <= c < 2^63): what a histogram scraped as an integer histogram has.
// A staleness marker (sum StaleNaN, no counts) is one.
bool IsIntegerHistogram(const FloatHistogram& h);

// Appends the WriteRequest holding `samples` as one TimeSeries each (as
// Prometheus sends them) to `out`.
void EncodeWriteRequest(const EncodedSample* samples, size_t n,
                        std::string* out);

// Appends the WriteRequest holding `metadata` (and no samples) to `out`,
// as Prometheus's metadata sends. An unknown type string is sent as
// UNKNOWN, as Prometheus's metricTypeToMetricTypeProto does.
void EncodeMetadataRequest(const scrape::MetricMetadata* metadata, size_t n,
                           std::string* out);

// snappy block compression of `in` into `out` (replaced).
void Compress(std::string_view in, std::string* out);

// A decoded request, for tests and receivers.
struct DecodedHistogram {
  int64_t t = 0;
  bool integer = false;  // sent as an integer histogram (count_int)
  FloatHistogram h;      // deltas summed up into absolute counts
};
struct DecodedSeries {
  Labels labels;
  std::vector<std::pair<int64_t, double>> samples;  // (t ms, value)
  std::vector<DecodedHistogram> histograms;
};
// Decompresses and parses a remote write 1.0 body. Errors: not snappy,
// larger than `max_bytes` once decompressed, not a WriteRequest, a
// histogram whose bucket counts disagree with its spans.
absl::StatusOr<std::vector<DecodedSeries>> DecodeWriteRequest(
    std::string_view body, size_t max_bytes = 64 << 20);
// The metadata of such a body (the type as its lower-case name), with the
// same errors.
absl::StatusOr<std::vector<scrape::MetricMetadata>> DecodeWriteRequestMetadata(
    std::string_view body, size_t max_bytes = 64 << 20);

}  // namespace vigil::remote

#endif  // VIGIL_LIB_REMOTE_WRITE_REQUEST_H_
