// Encoding and decoding remote write 1.0 bodies; see write_request.h.
#include "lib/remote/write_request.h"

#include <snappy.h>

#include <bit>
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
  for (size_t i = 0; i < n; ++i) {
    const EncodedSample& s = samples[i];
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
    // Little-endian IEEE bytes; a NaN (the staleness marker) keeps its bits.
    const uint64_t bits = std::bit_cast<uint64_t>(s.v);
    char le[8];
    for (int b = 0; b < 8; ++b) le[b] = static_cast<char>(bits >> (8 * b));
    out->append(le, 8);
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
