// The protobuf wire format is written by hand here: the generated classes
// would build one message per family (Prometheus builds a dto.MetricFamily
// holding every metric of the name), and a federated family can hold
// hundreds of thousands of series. Field numbers are client_model's
// (lib/textparse/client/metrics.proto); fields are written in field-number
// order, repeated scalars packed, as protobuf decoders accept.
#include "lib/api/federate_protobuf.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "client/metrics.pb.h"
#include "google/protobuf/text_format.h"

namespace vigil::api {
namespace {

enum WireType : uint8_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2 };

constexpr uint8_t Tag(int field, WireType type) {
  return static_cast<uint8_t>(field << 3 | type);
}

// io.prometheus.client.MetricType.
enum FamilyType : uint8_t {
  kUntyped = 3,
  kHistogramType = 4,
  kGaugeHistogramType = 5,
};

// Field numbers (metrics.proto).
namespace family_field {
constexpr int kName = 1, kType = 3, kMetric = 4;
}
namespace metric_field {
constexpr int kLabel = 1, kUntyped = 5, kTimestampMs = 6, kHistogram = 7;
}
namespace histogram_field {
constexpr int kSampleCount = 1, kSampleSum = 2, kBucket = 3,
              kSampleCountFloat = 4, kSchema = 5, kZeroThreshold = 6,
              kZeroCount = 7, kZeroCountFloat = 8, kNegativeSpan = 9,
              kNegativeDelta = 10, kNegativeCount = 11, kPositiveSpan = 12,
              kPositiveDelta = 13, kPositiveCount = 14;
}
namespace bucket_field {
constexpr int kCumulativeCount = 1, kUpperBound = 2, kCumulativeCountFloat = 4;
}

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void AppendVarint(uint64_t v, std::string* out) {
  char buf[10];
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out->append(buf, n);
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

void AppendFixed64(double d, std::string* out) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(bits >> (8 * i));
  out->append(buf, 8);
}

void AppendDouble(int field, double d, std::string* out) {
  out->push_back(static_cast<char>(Tag(field, kFixed64)));
  AppendFixed64(d, out);
}

void AppendUint(int field, uint64_t v, std::string* out) {
  out->push_back(static_cast<char>(Tag(field, kVarint)));
  AppendVarint(v, out);
}

void AppendBytes(int field, std::string_view s, std::string* out) {
  out->push_back(static_cast<char>(Tag(field, kLengthDelimited)));
  AppendVarint(s.size(), out);
  out->append(s);
}

// A LabelPair field of a Metric; sizes are known, so no scratch buffer.
void AppendLabelPair(std::string_view name, std::string_view value,
                     std::string* out) {
  const size_t len = 2 + VarintSize(name.size()) + name.size() +
                     VarintSize(value.size()) + value.size();
  out->push_back(
      static_cast<char>(Tag(metric_field::kLabel, kLengthDelimited)));
  AppendVarint(len, out);
  AppendBytes(1, name, out);
  AppendBytes(2, value, out);
}

// Counts that the integer form carries exactly: whole, non-negative and
// small enough that their deltas fit an int64 without loss.
constexpr double kMaxWholeCount = 9007199254740992.0;  // 2^53
bool IsWholeCount(double c) {
  return c >= 0 && c <= kMaxWholeCount && c == std::floor(c);
}

bool HasWholeCounts(const FloatHistogram& h) {
  if (!IsWholeCount(h.count) || !IsWholeCount(h.zero_count)) return false;
  for (double b : h.positive_buckets) {
    if (!IsWholeCount(b)) return false;
  }
  for (double b : h.negative_buckets) {
    if (!IsWholeCount(b)) return false;
  }
  return true;
}

void AppendSpans(int field, const std::vector<HistogramSpan>& spans,
                 std::string* out) {
  for (const HistogramSpan& s : spans) {
    const uint64_t offset = ZigZag(s.offset);
    out->push_back(static_cast<char>(Tag(field, kLengthDelimited)));
    AppendVarint(2 + VarintSize(offset) + VarintSize(s.length), out);
    AppendUint(1, offset, out);
    AppendUint(2, s.length, out);
  }
}

// Packed sint64 deltas between consecutive absolute counts.
void AppendDeltas(int field, const std::vector<double>& buckets,
                  std::string* out) {
  if (buckets.empty()) return;
  size_t len = 0;
  int64_t previous = 0;
  for (double b : buckets) {
    const int64_t c = static_cast<int64_t>(b);
    len += VarintSize(ZigZag(c - previous));
    previous = c;
  }
  out->push_back(static_cast<char>(Tag(field, kLengthDelimited)));
  AppendVarint(len, out);
  previous = 0;
  for (double b : buckets) {
    const int64_t c = static_cast<int64_t>(b);
    AppendVarint(ZigZag(c - previous), out);
    previous = c;
  }
}

// Packed doubles.
void AppendCounts(int field, const std::vector<double>& buckets,
                  std::string* out) {
  if (buckets.empty()) return;
  out->push_back(static_cast<char>(Tag(field, kLengthDelimited)));
  AppendVarint(8 * buckets.size(), out);
  for (double b : buckets) AppendFixed64(b, out);
}

void AppendExponentialHistogram(const FloatHistogram& h, bool whole,
                                std::string* out) {
  if (whole)
    AppendUint(histogram_field::kSampleCount, static_cast<uint64_t>(h.count),
               out);
  AppendDouble(histogram_field::kSampleSum, h.sum, out);
  if (!whole) AppendDouble(histogram_field::kSampleCountFloat, h.count, out);
  AppendUint(histogram_field::kSchema, ZigZag(h.schema), out);
  AppendDouble(histogram_field::kZeroThreshold, h.zero_threshold, out);
  if (whole) {
    AppendUint(histogram_field::kZeroCount, static_cast<uint64_t>(h.zero_count),
               out);
  } else {
    AppendDouble(histogram_field::kZeroCountFloat, h.zero_count, out);
  }
  AppendSpans(histogram_field::kNegativeSpan, h.negative_spans, out);
  if (whole) {
    AppendDeltas(histogram_field::kNegativeDelta, h.negative_buckets, out);
  } else {
    AppendCounts(histogram_field::kNegativeCount, h.negative_buckets, out);
  }
  if (h.positive_spans.empty() && h.negative_spans.empty() &&
      h.zero_threshold == 0 && h.zero_count == 0) {
    // client_golang's no-op span: marks an empty histogram as native.
    AppendSpans(histogram_field::kPositiveSpan, {HistogramSpan{0, 0}}, out);
  } else {
    AppendSpans(histogram_field::kPositiveSpan, h.positive_spans, out);
  }
  if (whole) {
    AppendDeltas(histogram_field::kPositiveDelta, h.positive_buckets, out);
  } else {
    AppendCounts(histogram_field::kPositiveCount, h.positive_buckets, out);
  }
}

// Prometheus 3 (federate.go since #17215): a custom-bucket histogram as a
// classic one, one bucket per custom bound with the cumulative count, the
// +Inf bucket left to sample_count.
void AppendCustomBucketsHistogram(const FloatHistogram& h, bool whole,
                                  std::vector<double>* per_bound,
                                  std::string* out) {
  if (whole) {
    AppendUint(histogram_field::kSampleCount, static_cast<uint64_t>(h.count),
               out);
  }
  AppendDouble(histogram_field::kSampleSum, h.sum, out);
  // Bucket i counts observations up to custom_values[i]; indices past the
  // bounds are the +Inf bucket.
  per_bound->assign(h.custom_values.size(), 0);
  int64_t index = 0;
  size_t b = 0;
  for (const HistogramSpan& span : h.positive_spans) {
    index += span.offset;  // the first absolute, the others from the last end
    for (uint32_t k = 0; k < span.length && b < h.positive_buckets.size();
         ++k, ++index, ++b) {
      if (index >= 0 && static_cast<size_t>(index) < per_bound->size()) {
        (*per_bound)[static_cast<size_t>(index)] += h.positive_buckets[b];
      }
    }
  }
  double cumulative = 0;
  for (size_t i = 0; i < h.custom_values.size(); ++i) {
    cumulative += (*per_bound)[i];
    const size_t len =
        whole ? 1 + VarintSize(static_cast<uint64_t>(cumulative)) + 9 : 18;
    out->push_back(
        static_cast<char>(Tag(histogram_field::kBucket, kLengthDelimited)));
    AppendVarint(len, out);
    if (whole) {
      AppendUint(bucket_field::kCumulativeCount,
                 static_cast<uint64_t>(cumulative), out);
    }
    AppendDouble(bucket_field::kUpperBound, h.custom_values[i], out);
    if (!whole) {
      AppendDouble(bucket_field::kCumulativeCountFloat, cumulative, out);
    }
  }
  if (!whole) AppendDouble(histogram_field::kSampleCountFloat, h.count, out);
}

enum class Kind { kFloat, kHistogram, kGaugeHistogram };

Kind KindOf(const FederatedSample& s) {
  if (s.histogram == nullptr) return Kind::kFloat;
  return s.histogram->counter_reset_hint == CounterResetHint::kGauge
             ? Kind::kGaugeHistogram
             : Kind::kHistogram;
}

FamilyType TypeOf(Kind k) {
  switch (k) {
    case Kind::kHistogram:
      return kHistogramType;
    case Kind::kGaugeHistogram:
      return kGaugeHistogramType;
    case Kind::kFloat:
      break;
  }
  return kUntyped;
}

class FamilyEncoder {
 public:
  explicit FamilyEncoder(std::span<const Label> external)
      : external_(external) {}

  // The MetricFamily's own fields.
  static void AppendHeader(std::string_view name, Kind kind, std::string* out) {
    AppendBytes(family_field::kName, name, out);
    AppendUint(family_field::kType, TypeOf(kind), out);
  }

  // One `metric` field of the family, with its tag and length.
  void AppendMetric(const FederatedSample& s, std::string* out) {
    metric_.clear();
    EncodeMetric(s, &metric_);
    out->push_back(
        static_cast<char>(Tag(family_field::kMetric, kLengthDelimited)));
    AppendVarint(metric_.size(), out);
    out->append(metric_);
  }

  // What AppendMetric would add.
  size_t MetricFieldSize(const FederatedSample& s) {
    metric_.clear();
    EncodeMetric(s, &metric_);
    return 1 + VarintSize(metric_.size()) + metric_.size();
  }

 private:
  void EncodeMetric(const FederatedSample& s, std::string* out) {
    for (const Label& l : s.labels) {
      // An empty value is an unset label, as everywhere in Prometheus.
      if (l.name == kMetricName || l.value.empty()) continue;
      AppendLabelPair(l.name, l.value, out);
    }
    for (const Label& l : external_) {
      if (s.labels.Get(l.name).empty()) AppendLabelPair(l.name, l.value, out);
    }
    if (s.histogram == nullptr) {
      out->push_back(
          static_cast<char>(Tag(metric_field::kUntyped, kLengthDelimited)));
      out->push_back(9);
      AppendDouble(1, s.v, out);
    }
    AppendUint(metric_field::kTimestampMs, static_cast<uint64_t>(s.t), out);
    if (s.histogram != nullptr) {
      const FloatHistogram& h = *s.histogram;
      histogram_.clear();
      if (h.UsesCustomBuckets()) {
        AppendCustomBucketsHistogram(h, HasWholeCounts(h), &per_bound_,
                                     &histogram_);
      } else {
        AppendExponentialHistogram(h, HasWholeCounts(h), &histogram_);
      }
      AppendBytes(metric_field::kHistogram, histogram_, out);
    }
  }

  std::span<const Label> external_;
  std::string metric_;
  std::string histogram_;
  std::vector<double> per_bound_;
};

// Calls fn(begin, end, name, kind) for each family's run of samples.
template <typename Fn>
void ForEachFamily(std::span<const FederatedSample* const> samples, Fn fn) {
  size_t i = 0;
  while (i < samples.size()) {
    const std::string_view name = samples[i]->labels.MetricName();
    const Kind kind = KindOf(*samples[i]);
    size_t end = i + 1;
    while (end < samples.size() && samples[end]->labels.MetricName() == name &&
           KindOf(*samples[end]) == kind) {
      ++end;
    }
    // Nameless series: Prometheus logs and skips them.
    if (!name.empty()) fn(i, end, name, kind);
    i = end;
  }
}

}  // namespace

void WriteFederateProtobuf(std::span<const FederatedSample* const> samples,
                           std::span<const Label> external,
                           const FederateSink& write) {
  FamilyEncoder enc(external);
  std::string out;
  std::string header;
  std::string metrics;  // the family's first metrics, up to the buffer size
  auto flush = [&](bool always) {
    if (out.empty() || (!always && out.size() < kFederateChunkBytes)) return;
    write(out);
    out.clear();
  };
  ForEachFamily(
      samples, [&](size_t begin, size_t end, std::string_view name, Kind kind) {
        header.clear();
        FamilyEncoder::AppendHeader(name, kind, &header);
        metrics.clear();
        size_t j = begin;
        for (; j < end && metrics.size() < kFederateFamilyBufferBytes; ++j) {
          enc.AppendMetric(*samples[j], &metrics);
        }
        size_t length = header.size() + metrics.size();
        for (size_t k = j; k < end; ++k)
          length += enc.MetricFieldSize(*samples[k]);
        AppendVarint(length, &out);
        out.append(header);
        for (size_t at = 0; at < metrics.size();) {
          const size_t n = std::min(
              metrics.size() - at,
              kFederateChunkBytes - std::min(out.size(), kFederateChunkBytes));
          out.append(metrics, at, n);
          at += n;
          flush(false);
        }
        flush(false);
        for (size_t k = j; k < end; ++k) {
          enc.AppendMetric(*samples[k], &out);
          flush(false);
        }
      });
  flush(true);
}

void WriteFederateProtobufText(std::span<const FederatedSample* const> samples,
                               std::span<const Label> external, bool compact,
                               const FederateSink& write) {
  FamilyEncoder enc(external);
  std::string bytes;
  std::string text;
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(compact);
  ForEachFamily(samples, [&](size_t begin, size_t end, std::string_view name,
                             Kind kind) {
    bytes.clear();
    FamilyEncoder::AppendHeader(name, kind, &bytes);
    for (size_t k = begin; k < end; ++k) enc.AppendMetric(*samples[k], &bytes);
    io::prometheus::client::MetricFamily family;
    text.clear();
    if (family.ParseFromString(bytes) && printer.PrintToString(family, &text)) {
      // Fprintln after the text, as expfmt does.
      if (compact && !text.empty() && text.back() == ' ') text.pop_back();
      text.push_back('\n');
      write(text);
    }
  });
}

}  // namespace vigil::api
