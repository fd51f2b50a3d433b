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
#include <type_traits>

#include "client/metrics.pb.h"
#include "google/protobuf/text_format.h"
#include "lib/model/strings.h"

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

// Each message is encoded twice by the same code: once into a SizeWriter,
// which only counts (a length prefix needs the length first), then into a
// PtrWriter over memory of exactly that size. Measuring costs little next
// to writing, and nothing is encoded into a scratch buffer to be copied.
struct SizeWriter {
  size_t n = 0;
  void Byte(uint8_t) { ++n; }
  void Varint(uint64_t v) { n += VarintSize(v); }
  void Fixed64(double) { n += 8; }
  void Bytes(std::string_view s) { n += s.size(); }
};

struct PtrWriter {
  char* p;
  void Byte(uint8_t b) { *p++ = static_cast<char>(b); }
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      *p++ = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    *p++ = static_cast<char>(v);
  }
  void Fixed64(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    for (int i = 0; i < 8; ++i) *p++ = static_cast<char>(bits >> (8 * i));
  }
  void Bytes(std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  }
};

template <typename W>
void Double(W& w, int field, double d) {
  w.Byte(Tag(field, kFixed64));
  w.Fixed64(d);
}

template <typename W>
void Uint(W& w, int field, uint64_t v) {
  w.Byte(Tag(field, kVarint));
  w.Varint(v);
}

// The tag and length of a length-delimited field.
template <typename W>
void Len(W& w, int field, size_t len) {
  w.Byte(Tag(field, kLengthDelimited));
  w.Varint(len);
}

template <typename W>
void String(W& w, int field, std::string_view s) {
  Len(w, field, s.size());
  w.Bytes(s);
}

template <typename W>
void LabelPair(W& w, std::string_view name, std::string_view value) {
  Len(w, metric_field::kLabel,
      2 + VarintSize(name.size()) + name.size() + VarintSize(value.size()) +
          value.size());
  String(w, 1, name);
  String(w, 2, value);
}

// Counts that the integer form carries exactly: whole, non-negative and
// small enough that their deltas fit an int64 without loss.
constexpr double kMaxWholeCount = 9007199254740992.0;  // 2^53
bool IsWholeCount(double c) {
  return c >= 0 && c <= kMaxWholeCount &&
         static_cast<double>(static_cast<int64_t>(c)) == c;
}

// One side's buckets in the integer form: whether they all fit it, and the
// length of their packed deltas.
struct Side {
  bool whole = true;
  size_t delta_bytes = 0;
};

Side MeasureSide(const std::vector<double>& buckets) {
  Side side;
  int64_t previous = 0;
  for (double b : buckets) {
    if (!IsWholeCount(b)) return Side{false, 0};
    const auto c = static_cast<int64_t>(b);
    side.delta_bytes += VarintSize(ZigZag(c - previous));
    previous = c;
  }
  return side;
}

template <typename W>
void Spans(W& w, int field, const std::vector<HistogramSpan>& spans) {
  for (const HistogramSpan& s : spans) {
    const uint64_t offset = ZigZag(s.offset);
    Len(w, field, 2 + VarintSize(offset) + VarintSize(s.length));
    Uint(w, 1, offset);
    Uint(w, 2, s.length);
  }
}

// Packed sint64 deltas between consecutive absolute counts, `bytes` long.
template <typename W>
void Deltas(W& w, int field, const std::vector<double>& buckets, size_t bytes) {
  if (buckets.empty()) return;
  Len(w, field, bytes);
  if constexpr (std::is_same_v<W, SizeWriter>) {
    w.n += bytes;
  } else {
    int64_t previous = 0;
    for (double b : buckets) {
      const auto c = static_cast<int64_t>(b);
      w.Varint(ZigZag(c - previous));
      previous = c;
    }
  }
}

// Packed doubles.
template <typename W>
void Counts(W& w, int field, const std::vector<double>& buckets) {
  if (buckets.empty()) return;
  Len(w, field, 8 * buckets.size());
  for (double b : buckets) w.Fixed64(b);
}

template <typename W>
void ExponentialHistogram(W& w, const FloatHistogram& h, bool whole,
                          const Side& negative, const Side& positive) {
  namespace f = histogram_field;
  if (whole) Uint(w, f::kSampleCount, static_cast<uint64_t>(h.count));
  Double(w, f::kSampleSum, h.sum);
  if (!whole) Double(w, f::kSampleCountFloat, h.count);
  Uint(w, f::kSchema, ZigZag(h.schema));
  Double(w, f::kZeroThreshold, h.zero_threshold);
  if (whole) {
    Uint(w, f::kZeroCount, static_cast<uint64_t>(h.zero_count));
  } else {
    Double(w, f::kZeroCountFloat, h.zero_count);
  }
  Spans(w, f::kNegativeSpan, h.negative_spans);
  if (whole) {
    Deltas(w, f::kNegativeDelta, h.negative_buckets, negative.delta_bytes);
  } else {
    Counts(w, f::kNegativeCount, h.negative_buckets);
  }
  if (h.positive_spans.empty() && h.negative_spans.empty() &&
      h.zero_threshold == 0 && h.zero_count == 0) {
    // client_golang's no-op span: marks an empty histogram as native.
    static const std::vector<HistogramSpan> kNoOp = {{0, 0}};
    Spans(w, f::kPositiveSpan, kNoOp);
  } else {
    Spans(w, f::kPositiveSpan, h.positive_spans);
  }
  if (whole) {
    Deltas(w, f::kPositiveDelta, h.positive_buckets, positive.delta_bytes);
  } else {
    Counts(w, f::kPositiveCount, h.positive_buckets);
  }
}

// The count of each custom bucket (index i counts observations up to
// custom_values[i]); indices past the bounds are the +Inf bucket, left out.
void CountPerBound(const FloatHistogram& h, std::vector<double>* per_bound) {
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
}

// Prometheus 3 (federate.go since #17215): a custom-bucket histogram as a
// classic one, one bucket per custom bound with the cumulative count, the
// +Inf bucket left to sample_count.
template <typename W>
void CustomBucketsHistogram(W& w, const FloatHistogram& h, bool whole,
                            const std::vector<double>& per_bound) {
  namespace f = histogram_field;
  namespace b = bucket_field;
  if (whole) Uint(w, f::kSampleCount, static_cast<uint64_t>(h.count));
  Double(w, f::kSampleSum, h.sum);
  double cumulative = 0;
  for (size_t i = 0; i < h.custom_values.size(); ++i) {
    cumulative += per_bound[i];
    const auto whole_cumulative = static_cast<uint64_t>(cumulative);
    Len(w, f::kBucket, whole ? 1 + VarintSize(whole_cumulative) + 9 : 18);
    if (whole) Uint(w, b::kCumulativeCount, whole_cumulative);
    Double(w, b::kUpperBound, h.custom_values[i]);
    if (!whole) Double(w, b::kCumulativeCountFloat, cumulative);
  }
  if (!whole) Double(w, f::kSampleCountFloat, h.count);
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
  FamilyEncoder(std::span<const Label> external, NameEscaping escaping)
      : external_(external), escaping_(escaping) {
    // Escaped once here, not for every metric.
    for (const Label& e : external) {
      external_names_.emplace_back(ExpositionName(e.name, escaping, &name_));
    }
  }

  // The MetricFamily's own fields.
  void AppendHeader(std::string_view raw_name, Kind kind, std::string* out) {
    const std::string_view name = ExpositionName(raw_name, escaping_, &name_);
    SizeWriter size;
    String(size, family_field::kName, name);
    Uint(size, family_field::kType, TypeOf(kind));
    const size_t at = out->size();
    out->resize(at + size.n);
    PtrWriter w{out->data() + at};
    String(w, family_field::kName, name);
    Uint(w, family_field::kType, TypeOf(kind));
  }

  // One `metric` field of the family, with its tag and length.
  void AppendMetric(const FederatedSample& s, std::string* out) {
    const size_t field = MetricFieldSize(s);
    const size_t at = out->size();
    out->resize(at + field);
    PtrWriter w{out->data() + at};
    Len(w, family_field::kMetric, metric_size_);
    Metric(w, s);
  }

  // What AppendMetric would add; prepares the sample for it.
  size_t MetricFieldSize(const FederatedSample& s) {
    escape_labels_ = false;  // found by the measuring pass
    histogram_size_ = 0;
    if (s.histogram != nullptr) {
      const FloatHistogram& h = *s.histogram;
      negative_ = MeasureSide(h.negative_buckets);
      positive_ = MeasureSide(h.positive_buckets);
      whole_ = negative_.whole && positive_.whole && IsWholeCount(h.count) &&
               IsWholeCount(h.zero_count);
      if (h.UsesCustomBuckets()) CountPerBound(h, &per_bound_);
      SizeWriter size;
      Histogram(size, h);
      histogram_size_ = size.n;
    }
    SizeWriter size;
    Metric(size, s);
    metric_size_ = size.n;
    return 1 + VarintSize(metric_size_) + metric_size_;
  }

 private:
  template <typename W>
  void Histogram(W& w, const FloatHistogram& h) {
    if (h.UsesCustomBuckets()) {
      CustomBucketsHistogram(w, h, whole_, per_bound_);
    } else {
      ExponentialHistogram(w, h, whole_, negative_, positive_);
    }
  }

  template <typename W>
  void Metric(W& w, const FederatedSample& s) {
    const Labels& labels = s.labels;
    for (const Label& l : labels) {
      // An empty value is an unset label, as everywhere in Prometheus.
      if (l.name == kMetricName || l.value.empty()) continue;
      std::string_view name = l.name;
      if constexpr (std::is_same_v<W, SizeWriter>) {
        if (escaping_ != NameEscaping::kAllowUtf8 &&
            !IsLegacyMetricName(name)) {
          escape_labels_ = true;
        }
      }
      if (escape_labels_) name = ExpositionName(name, escaping_, &name_);
      LabelPair(w, name, l.value);
    }
    // Both sorted by name: one walk finds the external labels the series
    // lacks.
    size_t j = 0;
    for (size_t k = 0; k < external_.size(); ++k) {
      const Label& e = external_[k];
      while (j < labels.size() && labels[j].name < e.name) ++j;
      if (j < labels.size() && labels[j].name == e.name &&
          !labels[j].value.empty()) {
        continue;
      }
      LabelPair(w, external_names_[k], e.value);
    }
    if (s.histogram == nullptr) {
      Len(w, metric_field::kUntyped, 9);
      Double(w, 1, s.v);
    }
    Uint(w, metric_field::kTimestampMs, static_cast<uint64_t>(s.t));
    if (s.histogram != nullptr) {
      Len(w, metric_field::kHistogram, histogram_size_);
      if constexpr (std::is_same_v<W, SizeWriter>) {
        w.n += histogram_size_;  // measured already
      } else {
        Histogram(w, *s.histogram);
      }
    }
  }

  std::span<const Label> external_;
  NameEscaping escaping_;
  std::vector<std::string> external_names_;  // as written
  std::string name_;                         // the escaped name being written
  // Whether the prepared sample has a label name to escape: found by the
  // measuring pass, so the writing pass checks none.
  bool escape_labels_ = false;
  // The prepared sample's.
  bool whole_ = false;
  Side negative_;
  Side positive_;
  size_t histogram_size_ = 0;
  size_t metric_size_ = 0;
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
                           NameEscaping escaping, const FederateSink& write) {
  FamilyEncoder enc(external, escaping);
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
        enc.AppendHeader(name, kind, &header);
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
                               NameEscaping escaping,
                               const FederateSink& write) {
  FamilyEncoder enc(external, escaping);
  std::string bytes;
  std::string text;
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(compact);
  // Go's prototext leaves UTF-8 as is; the C++ default escapes it in octal.
  printer.SetUseUtf8StringEscaping(true);
  ForEachFamily(samples, [&](size_t begin, size_t end, std::string_view name,
                             Kind kind) {
    bytes.clear();
    enc.AppendHeader(name, kind, &bytes);
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
