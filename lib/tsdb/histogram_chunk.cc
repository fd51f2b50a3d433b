#include "lib/tsdb/histogram_chunk.h"

#include <bit>
#include <cmath>
#include <cstdint>

#include "lib/tsdb/histogram_layout.h"
#include "vigil/storage.h"

namespace vigil::tsdb {
namespace {

using gorilla::ReadUvarint;
using gorilla::UnZigZag;
using gorilla::WriteUvarint;
using gorilla::ZigZag;

// count, zero count and sum come before the buckets.
constexpr size_t kFixedValues = 3;
constexpr size_t kSumValue = 2;

void WriteSpans(BitWriter& w, const std::vector<HistogramSpan>& spans) {
  WriteUvarint(w, spans.size());
  for (const HistogramSpan& s : spans) {
    WriteUvarint(w, ZigZag(s.offset));
    WriteUvarint(w, s.length);
  }
}

bool ReadSpans(BitReader& r, std::vector<HistogramSpan>* spans,
               size_t* covered) {
  uint64_t n = 0;
  if (!ReadUvarint(r, &n) || n > kMaxStoredHistogramSpans) return false;
  spans->clear();
  *covered = 0;
  int64_t next = 0;  // as ValidateStoredHistogram checks a histogram's
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t offset = 0, length = 0;
    if (!ReadUvarint(r, &offset) || !ReadUvarint(r, &length)) return false;
    const int64_t o = UnZigZag(offset);
    if (o < INT32_MIN || o > INT32_MAX || (i > 0 && o < 0) ||
        length > kMaxStoredHistogramBuckets) {
      return false;
    }
    next += o + static_cast<int64_t>(length);
    if (next < INT32_MIN || next - 1 > INT32_MAX) return false;
    *covered += length;
    if (*covered > kMaxStoredHistogramBuckets) return false;
    spans->push_back({static_cast<int32_t>(o), static_cast<uint32_t>(length)});
  }
  return true;
}

// The header byte: the hint in the low bits, integer counts on top.
constexpr uint8_t kIntegerCountsBit = 0x80;
constexpr uint8_t kHintMask = 0x03;

bool IsInteger(double v) {
  constexpr double kMaxExact = 9007199254740992.0;  // 2^53
  return v == std::trunc(v) && std::fabs(v) <= kMaxExact;
}

size_t Covered(const std::vector<HistogramSpan>& spans) {
  size_t n = 0;
  for (const HistogramSpan& s : spans) n += s.length;
  return n;
}

}  // namespace

bool HasIntegerCounts(const FloatHistogram& h) {
  if (!IsInteger(h.count) || !IsInteger(h.zero_count)) return false;
  for (double b : h.positive_buckets) {
    if (!IsInteger(b)) return false;
  }
  for (double b : h.negative_buckets) {
    if (!IsInteger(b)) return false;
  }
  return true;
}

HistogramEncoder::HistogramEncoder(HistogramChunkLayout layout)
    : layout_(std::move(layout)) {
  layout_.positive_count = Covered(layout_.positive_spans);
  layout_.negative_count = Covered(layout_.negative_spans);
  writer_.WriteBits(static_cast<uint64_t>(layout_.header) |
                        (layout_.integer ? kIntegerCountsBit : 0),
                    8);
  WriteUvarint(writer_, ZigZag(layout_.schema));
  writer_.WriteBits(std::bit_cast<uint64_t>(layout_.zero_threshold), 64);
  WriteSpans(writer_, layout_.positive_spans);
  WriteSpans(writer_, layout_.negative_spans);
  WriteUvarint(writer_, layout_.custom_values.size());
  for (double v : layout_.custom_values) {
    writer_.WriteBits(std::bit_cast<uint64_t>(v), 64);
  }
  const size_t n =
      kFixedValues + layout_.positive_count + layout_.negative_count;
  prev_.assign(n, 0);
  windows_.assign(n, gorilla::XorWindow{});
  deltas_.assign(n, 0);
}

void HistogramEncoder::WriteSlot(size_t i, uint64_t value, bool first) {
  if (layout_.integer && i != kSumValue) {
    // Unsigned: wraps as the decoder's does, whatever the values.
    const uint64_t delta = value - prev_[i];
    gorilla::WriteDod(writer_, static_cast<int64_t>(delta - deltas_[i]));
    prev_[i] = value;
    deltas_[i] = first ? 0 : delta;
    return;
  }
  gorilla::WriteXor(writer_, value, &prev_[i], &windows_[i]);
}

void HistogramEncoder::Append(int64_t t, const FloatHistogram& h) {
  if (num_samples_ == 0) {
    WriteUvarint(writer_, ZigZag(t));
  } else if (num_samples_ == 1) {
    t_delta_ = t - t_;
    WriteUvarint(writer_, static_cast<uint64_t>(t_delta_));
  } else {
    const int64_t delta = t - t_;
    // Unsigned: see XorEncoder::Append.
    gorilla::WriteDod(writer_,
                      static_cast<int64_t>(static_cast<uint64_t>(delta) -
                                           static_cast<uint64_t>(t_delta_)));
    t_delta_ = delta;
  }
  t_ = t;
  ++num_samples_;
  const bool first = num_samples_ == 1;
  if (IsStaleNaN(h.sum)) {
    // Everything but the sum repeats: about a bit each.
    for (size_t i = 0; i < prev_.size(); ++i) {
      WriteSlot(i, i == kSumValue ? std::bit_cast<uint64_t>(h.sum) : prev_[i],
                first);
    }
    return;
  }
  auto count = [this](double v) {
    return layout_.integer ? static_cast<uint64_t>(static_cast<int64_t>(v))
                           : std::bit_cast<uint64_t>(v);
  };
  WriteSlot(0, count(h.count), first);
  WriteSlot(1, count(h.zero_count), first);
  WriteSlot(kSumValue, std::bit_cast<uint64_t>(h.sum), first);
  size_t i = kFixedValues;
  for (double b : h.positive_buckets) WriteSlot(i++, count(b), first);
  for (double b : h.negative_buckets) WriteSlot(i++, count(b), first);
}

bool HistogramEncoder::Resume(const uint8_t* data, size_t size,
                              int num_samples) {
  if (num_samples <= 0) return false;
  HistogramDecoder d(data, size, num_samples);
  int decoded = 0;
  while (d.Next()) ++decoded;
  if (decoded != num_samples) return false;
  writer_ = BitWriter();
  writer_.Resume(data, d.reader_.position_bits());
  layout_ = d.layout_;
  t_ = d.t_;
  t_delta_ = d.t_delta_;
  num_samples_ = num_samples;
  prev_ = d.values_;
  windows_ = d.windows_;
  deltas_ = d.deltas_;
  return true;
}

HistogramDecoder::HistogramDecoder(const uint8_t* data, size_t size,
                                   int num_samples)
    : reader_(data, size), remaining_(num_samples) {}

bool HistogramDecoder::ReadHeader() {
  uint64_t hint = 0, schema = 0, zt = 0, n = 0;
  if (!reader_.ReadBits(8, &hint) ||
      (hint & ~uint64_t{kHintMask | kIntegerCountsBit}) != 0 ||
      !ReadUvarint(reader_, &schema) || !reader_.ReadBits(64, &zt)) {
    return false;
  }
  layout_.header = static_cast<CounterResetHint>(hint & kHintMask);
  layout_.integer = (hint & kIntegerCountsBit) != 0;
  const int64_t s = UnZigZag(schema);
  if (s != kCustomBucketsSchema &&
      (s < kMinExponentialSchema || s > kMaxExponentialSchema)) {
    return false;
  }
  layout_.schema = static_cast<int32_t>(s);
  layout_.zero_threshold = std::bit_cast<double>(zt);
  if (!ReadSpans(reader_, &layout_.positive_spans, &layout_.positive_count) ||
      !ReadSpans(reader_, &layout_.negative_spans, &layout_.negative_count) ||
      !ReadUvarint(reader_, &n) || n > kMaxStoredCustomValues) {
    return false;
  }
  layout_.custom_values.resize(n);
  for (double& v : layout_.custom_values) {
    uint64_t bits;
    if (!reader_.ReadBits(64, &bits)) return false;
    v = std::bit_cast<double>(bits);
  }
  const size_t values =
      kFixedValues + layout_.positive_count + layout_.negative_count;
  values_.assign(values, 0);
  windows_.assign(values, gorilla::XorWindow{});
  deltas_.assign(values, 0);
  return true;
}

bool HistogramDecoder::Next() {
  if (corrupt_ || read_ >= remaining_) return false;
  auto fail = [this] {
    corrupt_ = true;
    return false;
  };
  if (read_ == 0) {
    uint64_t zz;
    if (!ReadHeader() || !ReadUvarint(reader_, &zz)) return fail();
    t_ = UnZigZag(zz);
  } else if (read_ == 1) {
    uint64_t delta;
    if (!ReadUvarint(reader_, &delta)) return fail();
    t_delta_ = static_cast<int64_t>(delta);
    t_ = static_cast<int64_t>(static_cast<uint64_t>(t_) + delta);
  } else {
    int64_t dod;
    if (!gorilla::ReadDod(reader_, &dod)) return fail();
    t_delta_ = static_cast<int64_t>(static_cast<uint64_t>(t_delta_) +
                                    static_cast<uint64_t>(dod));
    t_ = static_cast<int64_t>(static_cast<uint64_t>(t_) +
                              static_cast<uint64_t>(t_delta_));
  }
  for (size_t i = 0; i < values_.size(); ++i) {
    if (!ReadSlot(i)) return fail();
  }
  ++read_;
  return true;
}

bool HistogramDecoder::ReadSlot(size_t i) {
  if (layout_.integer && i != kSumValue) {
    int64_t dod;
    if (!gorilla::ReadDod(reader_, &dod)) return false;
    const uint64_t delta = static_cast<uint64_t>(dod) + deltas_[i];
    values_[i] += delta;
    deltas_[i] = read_ == 0 ? 0 : delta;
    return true;
  }
  return gorilla::ReadXor(reader_, &values_[i], &windows_[i]);
}

double HistogramDecoder::Value(size_t i) const {
  if (layout_.integer && i != kSumValue) {
    return static_cast<double>(static_cast<int64_t>(values_[i]));
  }
  return std::bit_cast<double>(values_[i]);
}

FloatHistogram HistogramDecoder::At() const {
  FloatHistogram h;
  h.schema = layout_.schema;
  h.sum = std::bit_cast<double>(values_[kSumValue]);
  if (IsStaleNaN(h.sum)) return h;
  if (layout_.header == CounterResetHint::kGauge) {
    h.counter_reset_hint = CounterResetHint::kGauge;
  } else if (read_ == 1) {
    h.counter_reset_hint = layout_.header;
  } else {
    h.counter_reset_hint = CounterResetHint::kNotCounterReset;
  }
  h.zero_threshold = layout_.zero_threshold;
  h.count = Value(0);
  h.zero_count = Value(1);
  h.positive_spans = layout_.positive_spans;
  h.negative_spans = layout_.negative_spans;
  h.custom_values = layout_.custom_values;
  size_t i = kFixedValues;
  h.positive_buckets.reserve(layout_.positive_count);
  for (size_t j = 0; j < layout_.positive_count; ++j) {
    h.positive_buckets.push_back(Value(i++));
  }
  h.negative_buckets.reserve(layout_.negative_count);
  for (size_t j = 0; j < layout_.negative_count; ++j) {
    h.negative_buckets.push_back(Value(i++));
  }
  return h;
}

}  // namespace vigil::tsdb
