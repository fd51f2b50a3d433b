// Encoding and decoding remote write 1.0 bodies; see write_request.h.
#include "lib/remote/write_request.h"

#include <snappy.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "prompb/remote.pb.h"

namespace vigil::remote {
namespace {

// Protobuf wire types.
constexpr uint8_t kVarint = 0;
constexpr uint8_t kFixed64 = 1;
constexpr uint8_t kLengthDelimited = 2;

constexpr uint8_t Tag(int field, uint8_t wire_type) {
  return static_cast<uint8_t>((field << 3) | wire_type);
}

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void PutString(int field, std::string_view s, std::string* out) {
  out->push_back(static_cast<char>(Tag(field, kLengthDelimited)));
  PutVarint(s.size(), out);
  out->append(s);
}

// A tag of any field number (Tag() covers fields up to 15).
void PutTag(int field, uint8_t wire_type, std::string* out) {
  PutVarint((static_cast<uint64_t>(field) << 3) | wire_type, out);
}

// Inlined: it is per sample on the float path, where a call showed up in
// bench/remote_write_bench's profile.
[[gnu::always_inline]] inline void PutFixed64(uint64_t bits, std::string* out) {
  char le[8];
  for (int b = 0; b < 8; ++b) le[b] = static_cast<char>(bits >> (8 * b));
  out->append(le, 8);
}

[[gnu::always_inline]] inline void PutDouble(double v, std::string* out) {
  // Little-endian IEEE bytes; a NaN (the staleness marker) keeps its bits.
  PutFixed64(std::bit_cast<uint64_t>(v), out);
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

// Proto3 leaves a scalar at its default out; oneof members are written
// whatever their value (they have presence), as protobuf's encoders do.
void PutDoubleField(int field, double v, std::string* out) {
  if (std::bit_cast<uint64_t>(v) == 0) return;
  PutTag(field, kFixed64, out);
  PutDouble(v, out);
}

void PutSpansField(int field, const std::vector<HistogramSpan>& spans,
                   std::string* out) {
  std::string span;
  for (const HistogramSpan& s : spans) {
    // BucketSpan { sint32 offset = 1; uint32 length = 2; }
    span.clear();
    if (s.offset != 0) {
      PutTag(1, kVarint, &span);
      PutVarint(ZigZag(s.offset), &span);
    }
    if (s.length != 0) {
      PutTag(2, kVarint, &span);
      PutVarint(s.length, &span);
    }
    PutTag(field, kLengthDelimited, out);
    PutVarint(span.size(), out);
    out->append(span);
  }
}

void PutPackedDoubles(int field, const std::vector<double>& values,
                      std::string* out) {
  if (values.empty()) return;
  PutTag(field, kLengthDelimited, out);
  PutVarint(values.size() * 8, out);
  for (double v : values) PutDouble(v, out);
}

// Integer bucket counts as deltas from the previous bucket (the first from
// 0), across spans, as an integer histogram holds them.
void PutPackedDeltas(int field, const std::vector<double>& counts,
                     std::string* out) {
  if (counts.empty()) return;
  std::string packed;
  int64_t previous = 0;
  for (double c : counts) {
    const auto count = static_cast<int64_t>(c);
    PutVarint(ZigZag(count - previous), &packed);
    previous = count;
  }
  PutTag(field, kLengthDelimited, out);
  PutVarint(packed.size(), out);
  out->append(packed);
}

// A prometheus.Histogram with timestamp `t`, fields in number order.
void PutHistogram(const FloatHistogram& h, int64_t t, bool integer,
                  std::string* out) {
  if (integer) {
    PutTag(1, kVarint, out);
    PutVarint(static_cast<uint64_t>(h.count), out);
  } else {
    PutTag(2, kFixed64, out);
    PutDouble(h.count, out);
  }
  PutDoubleField(3, h.sum, out);
  if (h.schema != 0) {
    PutTag(4, kVarint, out);
    PutVarint(ZigZag(h.schema), out);
  }
  PutDoubleField(5, h.zero_threshold, out);
  if (integer) {
    PutTag(6, kVarint, out);
    PutVarint(static_cast<uint64_t>(h.zero_count), out);
  } else {
    PutTag(7, kFixed64, out);
    PutDouble(h.zero_count, out);
  }
  PutSpansField(8, h.negative_spans, out);
  if (integer) {
    PutPackedDeltas(9, h.negative_buckets, out);
  } else {
    PutPackedDoubles(10, h.negative_buckets, out);
  }
  PutSpansField(11, h.positive_spans, out);
  if (integer) {
    PutPackedDeltas(12, h.positive_buckets, out);
  } else {
    PutPackedDoubles(13, h.positive_buckets, out);
  }
  if (h.counter_reset_hint != CounterResetHint::kUnknown) {
    PutTag(14, kVarint, out);
    PutVarint(static_cast<uint64_t>(h.counter_reset_hint), out);
  }
  if (t != 0) {
    PutTag(15, kVarint, out);
    PutVarint(static_cast<uint64_t>(t), out);
  }
  PutPackedDoubles(16, h.custom_values, out);
}

bool IsWholeCount(double c) {
  // 2^63: deltas of counts below it fit an int64.
  return c >= 0 && c < 9223372036854775808.0 && std::floor(c) == c;
}

std::vector<HistogramSpan> SpansFromProto(
    const google::protobuf::RepeatedPtrField<prometheus::BucketSpan>& spans) {
  std::vector<HistogramSpan> out;
  out.reserve(static_cast<size_t>(spans.size()));
  for (const prometheus::BucketSpan& s : spans) {
    out.push_back({s.offset(), s.length()});
  }
  return out;
}

std::vector<double> CountsFromDeltas(
    const google::protobuf::RepeatedField<int64_t>& deltas) {
  std::vector<double> out;
  out.reserve(static_cast<size_t>(deltas.size()));
  int64_t count = 0;
  for (int64_t d : deltas) {
    // Wrapping, as Go's int64 addition does, not undefined behaviour.
    count = static_cast<int64_t>(static_cast<uint64_t>(count) +
                                 static_cast<uint64_t>(d));
    out.push_back(static_cast<double>(count));
  }
  return out;
}

size_t SpanLength(const std::vector<HistogramSpan>& spans) {
  size_t n = 0;
  for (const HistogramSpan& s : spans) n += s.length;
  return n;
}

absl::StatusOr<DecodedHistogram> HistogramFromProto(
    const prometheus::Histogram& p) {
  DecodedHistogram d;
  d.t = p.timestamp();
  d.integer = p.count_case() != prometheus::Histogram::kCountFloat;
  FloatHistogram& h = d.h;
  h.counter_reset_hint = static_cast<CounterResetHint>(p.reset_hint() & 3);
  h.schema = p.schema();
  h.zero_threshold = p.zero_threshold();
  h.sum = p.sum();
  h.positive_spans = SpansFromProto(p.positive_spans());
  h.negative_spans = SpansFromProto(p.negative_spans());
  if (d.integer) {
    h.count = static_cast<double>(p.count_int());
    h.zero_count = static_cast<double>(p.zero_count_int());
    h.positive_buckets = CountsFromDeltas(p.positive_deltas());
    h.negative_buckets = CountsFromDeltas(p.negative_deltas());
  } else {
    h.count = p.count_float();
    h.zero_count = p.zero_count_float();
    h.positive_buckets.assign(p.positive_counts().begin(),
                              p.positive_counts().end());
    h.negative_buckets.assign(p.negative_counts().begin(),
                              p.negative_counts().end());
  }
  h.custom_values.assign(p.custom_values().begin(), p.custom_values().end());
  if (SpanLength(h.positive_spans) != h.positive_buckets.size() ||
      SpanLength(h.negative_spans) != h.negative_buckets.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "histogram at ", d.t, ": spans cover ", SpanLength(h.positive_spans),
        " positive and ", SpanLength(h.negative_spans),
        " negative buckets, the counts are ", h.positive_buckets.size(),
        " and ", h.negative_buckets.size()));
  }
  return d;
}

// prometheus.MetricMetadata.MetricType's values, in enum order.
constexpr std::string_view kMetricTypeNames[] = {
    "unknown",        "counter", "gauge", "histogram",
    "gaugehistogram", "summary", "info",  "stateset"};

uint64_t MetricTypeValue(std::string_view name) {
  for (size_t i = 0; i < std::size(kMetricTypeNames); ++i) {
    if (kMetricTypeNames[i] == name) return i;
  }
  return 0;
}

// Decompresses and parses a body.
absl::Status ParseBody(std::string_view body, size_t max_bytes,
                       prometheus::WriteRequest* req) {
  size_t raw_size = 0;
  if (!snappy::GetUncompressedLength(body.data(), body.size(), &raw_size)) {
    return absl::InvalidArgumentError("body is not snappy-compressed");
  }
  if (raw_size > max_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("decompressed body of ", raw_size,
                     " bytes exceeds the limit of ", max_bytes));
  }
  std::string raw;
  if (!snappy::Uncompress(body.data(), body.size(), &raw)) {
    return absl::InvalidArgumentError("body is not valid snappy data");
  }
  if (!req->ParseFromString(raw)) {
    return absl::InvalidArgumentError("body is not a prometheus.WriteRequest");
  }
  return absl::OkStatus();
}

}  // namespace

bool IsIntegerHistogram(const FloatHistogram& h) {
  if (!IsWholeCount(h.count) || !IsWholeCount(h.zero_count)) return false;
  for (double c : h.positive_buckets) {
    if (!IsWholeCount(c)) return false;
  }
  for (double c : h.negative_buckets) {
    if (!IsWholeCount(c)) return false;
  }
  return true;
}

std::string EncodeLabels(const Labels& labels) {
  std::string out;
  for (const Label& l : labels) {
    // Label { name = 1; value = 2; } as TimeSeries.labels (field 1).
    const size_t inner = 1 + VarintSize(l.name.size()) + l.name.size() + 1 +
                         VarintSize(l.value.size()) + l.value.size();
    out.push_back(static_cast<char>(Tag(1, kLengthDelimited)));
    PutVarint(inner, &out);
    PutString(1, l.name, &out);
    PutString(2, l.value, &out);
  }
  return out;
}

void EncodeWriteRequest(const EncodedSample* samples, size_t n,
                        std::string* out) {
  std::string histogram;
  for (size_t i = 0; i < n; ++i) {
    const EncodedSample& s = samples[i];
    if (s.h != nullptr) {
      // TimeSeries { labels = 1; histograms = 4; }
      histogram.clear();
      PutHistogram(*s.h, s.t, s.integer, &histogram);
      const size_t series_size = s.labels->size() + 1 +
                                 VarintSize(histogram.size()) +
                                 histogram.size();
      out->push_back(static_cast<char>(Tag(1, kLengthDelimited)));
      PutVarint(series_size, out);
      out->append(*s.labels);
      PutString(4, histogram, out);
      continue;
    }
    // Sample { double value = 1; int64 timestamp = 2; }: a timestamp of 0
    // is proto3's default and left out, as protobuf's own encoder does.
    const uint64_t t = static_cast<uint64_t>(s.t);
    const size_t sample_size = 1 + 8 + (t == 0 ? 0 : 1 + VarintSize(t));
    const size_t series_size =
        s.labels->size() + 1 + VarintSize(sample_size) + sample_size;
    out->push_back(static_cast<char>(Tag(1, kLengthDelimited)));
    PutVarint(series_size, out);
    out->append(*s.labels);
    out->push_back(static_cast<char>(Tag(2, kLengthDelimited)));
    PutVarint(sample_size, out);
    out->push_back(static_cast<char>(Tag(1, kFixed64)));
    PutDouble(s.v, out);
    if (t != 0) {
      out->push_back(static_cast<char>(Tag(2, kVarint)));
      PutVarint(t, out);
    }
  }
}

void EncodeMetadataRequest(const scrape::MetricMetadata* metadata, size_t n,
                           std::string* out) {
  std::string entry;
  for (size_t i = 0; i < n; ++i) {
    const scrape::MetricMetadata& m = metadata[i];
    // MetricMetadata { type = 1; metric_family_name = 2; help = 4;
    // unit = 5; } as WriteRequest.metadata (field 3); proto3 defaults (0,
    // "") left out.
    entry.clear();
    if (const uint64_t type = MetricTypeValue(m.type); type != 0) {
      entry.push_back(static_cast<char>(Tag(1, kVarint)));
      PutVarint(type, &entry);
    }
    if (!m.metric_family_name.empty()) {
      PutString(2, m.metric_family_name, &entry);
    }
    if (!m.help.empty()) PutString(4, m.help, &entry);
    if (!m.unit.empty()) PutString(5, m.unit, &entry);
    PutString(3, entry, out);
  }
}

void Compress(std::string_view in, std::string* out) {
  out->clear();
  snappy::Compress(in.data(), in.size(), out);
}

absl::StatusOr<std::vector<DecodedSeries>> DecodeWriteRequest(
    std::string_view body, size_t max_bytes) {
  prometheus::WriteRequest req;
  if (absl::Status s = ParseBody(body, max_bytes, &req); !s.ok()) return s;
  std::vector<DecodedSeries> out;
  out.reserve(static_cast<size_t>(req.timeseries_size()));
  for (const prometheus::TimeSeries& ts : req.timeseries()) {
    DecodedSeries& d = out.emplace_back();
    std::vector<Label> labels;
    for (const prometheus::Label& l : ts.labels()) {
      labels.push_back({l.name(), l.value()});
    }
    d.labels = Labels::FromVector(std::move(labels));
    for (const prometheus::Sample& s : ts.samples()) {
      d.samples.emplace_back(s.timestamp(), s.value());
    }
    for (const prometheus::Histogram& h : ts.histograms()) {
      absl::StatusOr<DecodedHistogram> decoded = HistogramFromProto(h);
      if (!decoded.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "series ", d.labels.ToString(), ": ", decoded.status().message()));
      }
      d.histograms.push_back(*std::move(decoded));
    }
  }
  return out;
}

absl::StatusOr<std::vector<scrape::MetricMetadata>> DecodeWriteRequestMetadata(
    std::string_view body, size_t max_bytes) {
  prometheus::WriteRequest req;
  if (absl::Status s = ParseBody(body, max_bytes, &req); !s.ok()) return s;
  std::vector<scrape::MetricMetadata> out;
  for (const prometheus::MetricMetadata& m : req.metadata()) {
    const auto type = static_cast<size_t>(m.type());
    out.push_back(
        {m.metric_family_name(),
         std::string(type < std::size(kMetricTypeNames) ? kMetricTypeNames[type]
                                                        : kMetricTypeNames[0]),
         m.help(), m.unit()});
  }
  return out;
}

}  // namespace vigil::remote
