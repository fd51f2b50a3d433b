// The protobuf exposition format, read as Prometheus's ProtobufParser reads
// it (model/textparse/protobufparse.go): per family HELP, UNIT (when set),
// TYPE, then its series; classic histograms and summaries expand to
// _count, _sum and _bucket/quantile series; native histograms are one
// kHistogram entry each.
#include "lib/textparse/protobuf_reader.h"

#include <bit>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "client/metrics.pb.h"
#include "lib/model/absl_compat.h"
#include "lib/model/utf8.h"
#include "lib/textparse/lexer.h"
#include "lib/textparse/parser_state.h"

namespace vigil::textparse::internal {
namespace pb = ::io::prometheus::client;

namespace {

// MetricFamily's field numbers (client_model's metrics.proto).
constexpr uint32_t kFamilyName = 1;
constexpr uint32_t kFamilyHelp = 2;
constexpr uint32_t kFamilyType = 3;
constexpr uint32_t kFamilyMetric = 4;
constexpr uint32_t kFamilyUnit = 5;

enum WireType : uint32_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

// Prometheus's ExponentialSchemaMaxReserved.
constexpr int32_t kMaxReservedExponentialSchema = 52;
// A varint is at most ten bytes.
constexpr int kMaxVarintBytes = 10;

enum class VarintStatus { kOk, kTruncated, kOverlong };

VarintStatus ReadVarint(std::string_view in, size_t* pos, uint64_t* out) {
  uint64_t v = 0;
  for (int i = 0; i < kMaxVarintBytes; ++i) {
    if (*pos >= in.size()) return VarintStatus::kTruncated;
    const uint8_t b = static_cast<uint8_t>(in[(*pos)++]);
    v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      *out = v;
      return VarintStatus::kOk;
    }
  }
  return VarintStatus::kOverlong;
}

std::string_view WireTypeName(uint32_t wt) {
  switch (wt) {
    case kVarint:
      return "varint";
    case kFixed64:
      return "64-bit";
    case kLengthDelimited:
      return "length-delimited";
    case kStartGroup:
    case kEndGroup:
      return "group";
    case kFixed32:
      return "32-bit";
  }
  return "invalid";
}

// Prometheus's value.NormalNaN for every NaN a target sends, so that a
// payload cannot inject the staleness marker.
double Normal(double v) {
  return std::isnan(v) ? std::bit_cast<double>(kNormalNaNBits) : v;
}

int64_t TimestampMs(const pb::Timestamp& ts) {
  return ts.seconds() * 1000 + ts.nanos() / 1000000;
}

MetricType TypeOf(int type) {
  switch (type) {
    case pb::COUNTER:
      return MetricType::kCounter;
    case pb::GAUGE:
      return MetricType::kGauge;
    case pb::SUMMARY:
      return MetricType::kSummary;
    case pb::HISTOGRAM:
      return MetricType::kHistogram;
    case pb::GAUGE_HISTOGRAM:
      return MetricType::kGaugeHistogram;
    default:
      return MetricType::kUnknown;
  }
}

std::string OpenMetricsFloat(double f) {
  std::string s;
  AppendOpenMetricsFloat(f, &s);
  return s;
}

// Prometheus's isNativeHistogram: spans, a zero threshold or zero count make
// a histogram native (an empty native histogram carries a no-op span).
bool IsNative(const pb::Histogram& h) {
  return h.positive_span_size() > 0 || h.negative_span_size() > 0 ||
         h.zero_threshold() > 0 || h.zero_count() > 0 ||
         h.zero_count_float() > 0;
}

bool HasTimestampedExemplar(const pb::Histogram& h) {
  for (const pb::Exemplar& e : h.exemplars()) {
    if (e.has_timestamp()) return true;
  }
  for (const pb::Bucket& b : h.bucket()) {
    if (b.has_exemplar() && b.exemplar().has_timestamp()) return true;
  }
  return false;
}

// One side's spans and counts into `spans`/`buckets` (absolute counts).
template <typename Counts>
absl::Status ReadSide(
    std::string_view side,
    const google::protobuf::RepeatedPtrField<pb::BucketSpan>& pb_spans,
    const Counts& counts, bool deltas, std::vector<HistogramSpan>* spans,
    std::vector<double>* buckets) {
  uint64_t covered = 0;
  for (const pb::BucketSpan& s : pb_spans) {
    spans->push_back(HistogramSpan{s.offset(), s.length()});
    covered += s.length();
  }
  if (covered != static_cast<uint64_t>(counts.size())) {
    return absl::InvalidArgumentError(
        Cat("native histogram's ", side, " spans cover ", covered,
            " buckets but ", counts.size(), " counts are given"));
  }
  buckets->reserve(counts.size());
  int64_t running = 0;
  for (auto c : counts) {
    double v = 0;
    if (deltas) {
      if (__builtin_add_overflow(running, static_cast<int64_t>(c), &running)) {
        return absl::InvalidArgumentError(
            Cat("native histogram's ", side, " bucket counts overflow"));
      }
      v = static_cast<double>(running);
    } else {
      v = static_cast<double>(c);
    }
    if (v < 0 || std::isnan(v)) {
      return absl::InvalidArgumentError(
          Cat("native histogram has a negative ", side, " bucket count"));
    }
    buckets->push_back(v);
  }
  return absl::OkStatus();
}

// The native histogram of `h` (Prometheus's ProtobufParser.Histogram):
// float when sample_count_float or zero_count_float is set, else integer
// counts with delta-encoded buckets.
absl::Status BuildNative(const pb::Histogram& h, bool gauge,
                         FloatHistogram* out) {
  // Prometheus reserves schemas up to 52 for finer exponential buckets and
  // reduces them to 8 on ingestion; the entry never carries one.
  if (h.schema() < kMinExponentialSchema ||
      h.schema() > kMaxReservedExponentialSchema) {
    return absl::InvalidArgumentError(
        Cat("native histogram schema ", h.schema(),
            " is not an exponential schema (", kMinExponentialSchema, "..",
            kMaxReservedExponentialSchema, ")"));
  }
  if (!(h.zero_threshold() >= 0)) {
    return absl::InvalidArgumentError(
        "native histogram has a negative zero_threshold");
  }
  const bool is_float = h.sample_count_float() > 0 || h.zero_count_float() > 0;
  out->schema = h.schema();
  out->zero_threshold = h.zero_threshold();
  out->sum = Normal(h.sample_sum());
  out->counter_reset_hint =
      gauge ? CounterResetHint::kGauge : CounterResetHint::kUnknown;
  if (is_float) {
    out->count = h.sample_count_float();
    out->zero_count = h.zero_count_float();
  } else {
    out->count = static_cast<double>(h.sample_count());
    out->zero_count = static_cast<double>(h.zero_count());
  }
  if (is_float) {
    if (auto st = ReadSide("positive", h.positive_span(), h.positive_count(),
                           false, &out->positive_spans, &out->positive_buckets);
        !st.ok()) {
      return st;
    }
    if (auto st = ReadSide("negative", h.negative_span(), h.negative_count(),
                           false, &out->negative_spans, &out->negative_buckets);
        !st.ok()) {
      return st;
    }
  } else {
    if (auto st = ReadSide("positive", h.positive_span(), h.positive_delta(),
                           true, &out->positive_spans, &out->positive_buckets);
        !st.ok()) {
      return st;
    }
    if (auto st = ReadSide("negative", h.negative_span(), h.negative_delta(),
                           true, &out->negative_spans, &out->negative_buckets);
        !st.ok()) {
      return st;
    }
  }
  if (out->schema > kMaxExponentialSchema) {
    out->ReduceResolution(kMaxExponentialSchema);
  }
  out->Compact(0);
  return absl::OkStatus();
}

double CumulativeCount(const pb::Bucket& b) {
  return b.cumulative_count_float() != 0
             ? b.cumulative_count_float()
             : static_cast<double>(b.cumulative_count());
}

double SampleCount(const pb::Histogram& h) {
  return h.sample_count_float() != 0 ? h.sample_count_float()
                                     : static_cast<double>(h.sample_count());
}

absl::Status BuildNhcb(const pb::Histogram& h, bool gauge,
                       FloatHistogram* out) {
  std::vector<ClassicBucket> buckets;
  buckets.reserve(h.bucket_size());
  for (const pb::Bucket& b : h.bucket()) {
    buckets.push_back(ClassicBucket{b.upper_bound(), CumulativeCount(b)});
  }
  return ClassicToNhcb(buckets, SampleCount(h), Normal(h.sample_sum()), gauge,
                       out);
}

}  // namespace

ProtoReader::ProtoReader(std::string_view input, const ParserOptions& options)
    : in_(input), options_(options), metric_(std::make_unique<pb::Metric>()) {}

ProtoReader::~ProtoReader() = default;

absl::Status ProtoReader::ErrorAt(size_t at, std::string_view what) const {
  return absl::InvalidArgumentError(Cat("byte ", at, ": ", what));
}

absl::Status ProtoReader::FamilyError(size_t at, std::string_view what) const {
  return ErrorAt(at, Cat("metric family ", QuoteForError(name_), ": ", what));
}

absl::StatusOr<bool> ProtoReader::NextFamily() {
  while (pos_ < in_.size()) {
    const size_t at = pos_;
    uint64_t len = 0;
    switch (ReadVarint(in_, &pos_, &len)) {
      case VarintStatus::kOk:
        break;
      case VarintStatus::kTruncated:
        return ErrorAt(at, "truncated varint in a MetricFamily length prefix");
      case VarintStatus::kOverlong:
        return ErrorAt(at, "MetricFamily length prefix is not a varint");
    }
    if (len > options_.max_message_bytes) {
      return ErrorAt(at, Cat("MetricFamily message of ", len,
                             " bytes exceeds the limit of ",
                             options_.max_message_bytes, " bytes"));
    }
    if (len > in_.size() - pos_) {
      return ErrorAt(at, Cat("MetricFamily message of ", len,
                             " bytes is truncated: the input ends after ",
                             in_.size() - pos_));
    }
    family_at_ = pos_;
    family_end_ = pos_ + len;
    pos_ = family_end_;
    name_ = help_ = unit_ = {};
    type_ = 0;
    bool has_metric = false;

    // The family's own fields; the structure of every other field is
    // checked here too, so that NextMetric's walk cannot fail.
    size_t q = family_at_;
    const std::string_view family = in_.substr(0, family_end_);
    while (q < family_end_) {
      const size_t field_at = q;
      uint64_t tag = 0;
      if (ReadVarint(family, &q, &tag) != VarintStatus::kOk) {
        return ErrorAt(field_at, "truncated or invalid field tag");
      }
      const uint32_t number = static_cast<uint32_t>(tag >> 3);
      const uint32_t wt = static_cast<uint32_t>(tag & 7);
      if (number == 0 || (tag >> 3) > 0x1fffffff) {
        return ErrorAt(field_at, Cat("invalid field number ", tag >> 3));
      }
      uint64_t v = 0;
      std::string_view bytes;
      switch (wt) {
        case kVarint:
          if (ReadVarint(family, &q, &v) != VarintStatus::kOk) {
            return ErrorAt(field_at, Cat("field ", number,
                                         ": truncated or invalid varint"));
          }
          break;
        case kFixed64:
        case kFixed32: {
          const size_t n = wt == kFixed64 ? 8 : 4;
          if (family_end_ - q < n) {
            return ErrorAt(field_at, Cat("field ", number, ": truncated ",
                                         WireTypeName(wt), " value"));
          }
          q += n;
          break;
        }
        case kLengthDelimited: {
          const size_t len_at = q;
          if (ReadVarint(family, &q, &v) != VarintStatus::kOk) {
            return ErrorAt(
                len_at, Cat("field ", number, ": truncated or invalid length"));
          }
          if (v > family_end_ - q) {
            return ErrorAt(field_at, Cat("field ", number, ": length ", v,
                                         " runs past the end of the "
                                         "MetricFamily message"));
          }
          bytes = in_.substr(q, v);
          q += v;
          break;
        }
        default:
          return ErrorAt(field_at,
                         Cat("field ", number, ": unsupported wire type ", wt,
                             " (", WireTypeName(wt), ")"));
      }
      const uint32_t want = number == kFamilyType ? kVarint
                            : (number >= kFamilyName && number <= kFamilyUnit)
                                ? kLengthDelimited
                                : wt;
      if (wt != want) {
        return ErrorAt(field_at, Cat("MetricFamily field ", number, " has ",
                                     WireTypeName(wt), " wire type, want ",
                                     WireTypeName(want)));
      }
      switch (number) {
        case kFamilyName:
          name_ = bytes;
          break;
        case kFamilyHelp:
          help_ = bytes;
          break;
        case kFamilyType:
          type_ = static_cast<int>(static_cast<int32_t>(v));
          break;
        case kFamilyMetric:
          has_metric = true;
          break;
        case kFamilyUnit:
          unit_ = bytes;
          break;
        default:
          break;  // unknown fields are skipped, as protobuf does
      }
    }
    metric_cursor_ = family_at_;
    // Prometheus skips families without metrics before validating them.
    if (!has_metric) continue;

    if (name_.empty() || !IsValidUtf8(name_)) {
      return ErrorAt(family_at_,
                     Cat("invalid metric name ", QuoteForError(name_)));
    }
    if (!IsValidUtf8(help_)) {
      return FamilyError(family_at_, "help is not valid UTF-8");
    }
    if (!pb::MetricType_IsValid(type_)) {
      return FamilyError(family_at_, Cat("unknown metric type ", type_));
    }
    if (!unit_.empty()) {
      // Prometheus: the unit must be the name's last component, before
      // _total for counters.
      std::string_view base = name_;
      if (type_ == pb::COUNTER && base.ends_with("_total")) {
        base.remove_suffix(6);
      }
      if (base.size() < unit_.size() + 1 || !base.ends_with(unit_) ||
          base[base.size() - unit_.size() - 1] != '_') {
        return FamilyError(family_at_, Cat("unit ", QuoteForError(unit_),
                                           " is not a suffix of the name"));
      }
    }
    return true;
  }
  return false;
}

absl::StatusOr<bool> ProtoReader::NextMetric() {
  const std::string_view family = in_.substr(0, family_end_);
  while (metric_cursor_ < family_end_) {
    uint64_t tag = 0;
    (void)ReadVarint(family, &metric_cursor_, &tag);
    const uint32_t wt = static_cast<uint32_t>(tag & 7);
    uint64_t v = 0;
    switch (wt) {
      case kVarint:
        (void)ReadVarint(family, &metric_cursor_, &v);
        continue;
      case kFixed64:
        metric_cursor_ += 8;
        continue;
      case kFixed32:
        metric_cursor_ += 4;
        continue;
      default:
        break;
    }
    const size_t field_at = metric_cursor_;
    (void)ReadVarint(family, &metric_cursor_, &v);
    const size_t start = metric_cursor_;
    metric_cursor_ += v;
    if ((tag >> 3) != kFamilyMetric) continue;

    metric_at_ = field_at;
    // ParseFromArray takes an int.
    if (v > options_.max_entry_bytes || v > INT32_MAX) {
      return FamilyError(
          field_at, Cat("Metric message of ", v, " bytes exceeds the limit of ",
                        options_.max_entry_bytes, " bytes"));
    }
    metric_->Clear();
    if (!metric_->ParseFromArray(in_.data() + start, static_cast<int>(v))) {
      return FamilyError(field_at,
                         Cat("malformed Metric message of ", v, " bytes"));
    }
    if (auto st = Emit(*metric_); !st.ok()) return st;
    if (!emissions_.empty()) return true;
  }
  return false;
}

absl::Status ProtoReader::Emit(const pb::Metric& m) {
  base_labels_.clear();
  if (static_cast<size_t>(m.label_size()) > options_.max_labels_per_series) {
    return FamilyError(metric_at_, Cat("metric has ", m.label_size(),
                                       " labels, more than the limit of ",
                                       options_.max_labels_per_series));
  }
  for (const pb::LabelPair& l : m.label()) {
    if (l.name().empty() || !IsValidUtf8(l.name())) {
      return FamilyError(metric_at_,
                         Cat("invalid label name ", QuoteForError(l.name())));
    }
    if (!IsValidUtf8(l.value())) {
      return FamilyError(metric_at_, Cat("label ", QuoteForError(l.name()),
                                         ": value is not valid UTF-8"));
    }
    if (l.name() == kMetricName) {
      return FamilyError(metric_at_, "metric carries a __name__ label");
    }
    for (const LabelRef& seen : base_labels_) {
      if (seen.name == l.name()) {
        return FamilyError(
            metric_at_, Cat("duplicate label name ", QuoteForError(l.name())));
      }
    }
    base_labels_.push_back(LabelRef{l.name(), l.value()});
  }
  timestamp_ms_ = m.timestamp_ms();
  created_ms_ = 0;

  auto simple = [this](double value, bool exemplar) {
    ProtoEmission& e = emissions_.emplace_back();
    e.value = Normal(value);
    e.has_exemplar = exemplar;
  };
  switch (type_) {
    case pb::COUNTER:
      if (m.counter().has_created_timestamp()) {
        created_ms_ = TimestampMs(m.counter().created_timestamp());
      }
      simple(m.counter().value(), m.counter().has_exemplar());
      return absl::OkStatus();
    case pb::GAUGE:
      simple(m.gauge().value(), false);
      return absl::OkStatus();
    case pb::UNTYPED:
      simple(m.untyped().value(), false);
      return absl::OkStatus();
    case pb::SUMMARY:
      return EmitSummary(m);
    default:
      return EmitClassicHistogram(m);
  }
}

absl::Status ProtoReader::EmitSummary(const pb::Metric& m) {
  const pb::Summary& s = m.summary();
  if (s.has_created_timestamp()) {
    created_ms_ = TimestampMs(s.created_timestamp());
  }
  ProtoEmission& count = emissions_.emplace_back();
  count.suffix = "_count";
  count.value = static_cast<double>(s.sample_count());
  ProtoEmission& sum = emissions_.emplace_back();
  sum.suffix = "_sum";
  sum.value = Normal(s.sample_sum());
  for (const pb::Quantile& q : s.quantile()) {
    ProtoEmission& e = emissions_.emplace_back();
    e.magic_name = "quantile";
    e.magic_value = OpenMetricsFloat(q.quantile());
    e.value = Normal(q.value());
  }
  return absl::OkStatus();
}

absl::Status ProtoReader::EmitClassicHistogram(const pb::Metric& m) {
  const pb::Histogram& h = m.histogram();
  const bool gauge = type_ == pb::GAUGE_HISTOGRAM;
  if (h.has_created_timestamp()) {
    created_ms_ = TimestampMs(h.created_timestamp());
  }
  const bool native = IsNative(h) && !options_.ignore_native_histograms;
  bool classic = true;
  if (native) {
    ProtoEmission& e = emissions_.emplace_back();
    e.type = EntryType::kHistogram;
    e.has_exemplar = HasTimestampedExemplar(h);
    if (auto st = BuildNative(h, gauge, &e.histogram); !st.ok()) {
      return FamilyError(metric_at_, FromAbsl(st.message()));
    }
    // Prometheus: the classic buckets of a histogram exposed both ways
    // are kept only on request.
    classic = options_.keep_classic_histograms && h.bucket_size() > 0;
  } else if (options_.convert_classic_histograms_to_nhcb) {
    ProtoEmission& e = emissions_.emplace_back();
    e.type = EntryType::kHistogram;
    for (const pb::Bucket& b : h.bucket()) e.has_exemplar |= b.has_exemplar();
    if (auto st = BuildNhcb(h, gauge, &e.histogram); !st.ok()) {
      return FamilyError(metric_at_, FromAbsl(st.message()));
    }
    classic = options_.keep_classic_histograms;
  }
  if (!classic) return absl::OkStatus();

  const double count = SampleCount(h);
  ProtoEmission& c = emissions_.emplace_back();
  c.suffix = "_count";
  c.value = Normal(count);
  ProtoEmission& sum = emissions_.emplace_back();
  sum.suffix = "_sum";
  sum.value = Normal(h.sample_sum());
  bool has_inf = false;
  for (const pb::Bucket& b : h.bucket()) {
    ProtoEmission& e = emissions_.emplace_back();
    e.suffix = "_bucket";
    e.magic_name = "le";
    e.magic_value = OpenMetricsFloat(b.upper_bound());
    e.value = Normal(CumulativeCount(b));
    e.has_exemplar = b.has_exemplar();
    // Prometheus stops at the +Inf bucket.
    if (std::isinf(b.upper_bound()) && b.upper_bound() > 0) {
      has_inf = true;
      break;
    }
  }
  if (!has_inf) {
    ProtoEmission& e = emissions_.emplace_back();
    e.suffix = "_bucket";
    e.magic_name = "le";
    e.magic_value = "+Inf";
    e.value = Normal(count);
  }
  return absl::OkStatus();
}

absl::StatusOr<EntryType> ProtoReader::Next(Entry* entry,
                                            std::vector<LabelRef>* labels,
                                            MetricType* declared_type) {
  for (;;) {
    switch (phase_) {
      case Phase::kFamily: {
        auto more = NextFamily();
        if (!more.ok()) return more.status();
        if (!*more) return EntryType::kEof;
        *declared_type = TypeOf(type_);
        entry->type = EntryType::kHelp;
        entry->metric_name = name_;
        entry->text = help_;
        phase_ = unit_.empty() ? Phase::kType : Phase::kUnit;
        return EntryType::kHelp;
      }
      case Phase::kUnit:
        entry->type = EntryType::kUnit;
        entry->metric_name = name_;
        entry->text = unit_;
        phase_ = Phase::kType;
        return EntryType::kUnit;
      case Phase::kType:
        entry->type = EntryType::kType;
        entry->metric_name = name_;
        entry->metric_type = TypeOf(type_);
        phase_ = Phase::kMetrics;
        return EntryType::kType;
      case Phase::kMetrics:
        break;
    }
    if (emissions_.empty()) {
      auto more = NextMetric();
      if (!more.ok()) return more.status();
      if (!*more) {
        phase_ = Phase::kFamily;
        continue;
      }
    }
    current_ = std::move(emissions_.front());
    emissions_.pop_front();

    name_scratch_.assign(name_);
    name_scratch_.append(current_.suffix);
    labels->assign(base_labels_.begin(), base_labels_.end());
    if (!current_.magic_name.empty()) {
      labels->push_back(LabelRef{current_.magic_name, current_.magic_value});
    }
    // A key unique to the series, as Prometheus's entryBytes: the name,
    // then each label name and value after a 0xff separator.
    series_scratch_.assign(name_scratch_);
    for (const LabelRef& l : *labels) {
      series_scratch_.push_back('\xff');
      series_scratch_.append(l.name);
      series_scratch_.push_back('\xff');
      series_scratch_.append(l.value);
    }
    entry->type = current_.type;
    entry->series = series_scratch_;
    entry->metric_name = name_scratch_;
    entry->metric_type = TypeOf(type_);
    entry->value = current_.value;
    // Prometheus reads a zero timestamp as none (proto3 could not tell).
    if (timestamp_ms_ != 0) entry->timestamp_ms = timestamp_ms_;
    entry->has_exemplar = current_.has_exemplar;
    entry->created_timestamp_ms = created_ms_;
    entry->histogram =
        current_.type == EntryType::kHistogram ? &current_.histogram : nullptr;
    return current_.type;
  }
}

}  // namespace vigil::textparse::internal
