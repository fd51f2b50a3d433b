// Series and sample records of the write-ahead log; see wal_records.h.
#include "lib/tsdb/wal_records.h"

#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "lib/tsdb/chunk.h"
#include "lib/tsdb/histogram_layout.h"

namespace vigil::tsdb::wal {

namespace {

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutSigned(int64_t v, std::string* out) {
  PutVarint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63),
            out);
}

void PutString(std::string_view s, std::string* out) {
  PutVarint(s.size(), out);
  out->append(s);
}

void PutLabels(const Labels& labels, std::string* out) {
  PutVarint(labels.size(), out);
  for (const Label& l : labels) {
    PutString(l.name, out);
    PutString(l.value, out);
  }
}

class Decoder {
 public:
  explicit Decoder(std::string_view data) : data_(data) {}
  bool ok() const { return ok_; }
  bool done() const { return pos_ == data_.size(); }
  size_t remaining() const { return data_.size() - pos_; }

  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) break;
      const uint8_t b = static_cast<uint8_t>(data_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    ok_ = false;
    return 0;
  }
  int64_t Signed() {
    const uint64_t u = Varint();
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  std::string_view String() {
    const uint64_t n = Varint();
    if (!ok_ || n > remaining()) {
      ok_ = false;
      return {};
    }
    std::string_view s = data_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  double Double() {
    if (remaining() < 8) {
      ok_ = false;
      return 0;
    }
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) {
      bits |= static_cast<uint64_t>(static_cast<uint8_t>(data_[pos_ + i]))
              << (8 * i);
    }
    pos_ += 8;
    double v;
    std::memcpy(&v, &bits, sizeof(v));
    return v;
  }
  uint8_t Byte() {
    if (remaining() < 1) {
      ok_ = false;
      return 0;
    }
    return static_cast<uint8_t>(data_[pos_++]);
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

void PutDouble(double v, std::string* out) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  for (int i = 0; i < 8; ++i) {
    out->push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  }
}

absl::Status Corrupt(const std::string& what) {
  return absl::DataLossError(absl::StrCat("corrupt log record: ", what));
}

// Records stay below a segment (wal.h), so no honest record inflates past
// this; a corrupt size field must not allocate gigabytes.
constexpr uint64_t kMaxRecordBytes = 8 << 20;
// Writers put at most 4096 series or 8192 samples in a record; a record
// claiming far more is damage, and must not make replay allocate for it.
constexpr uint64_t kMaxEntries = 1 << 16;
// A Head counts refs up from 1; one near 2^64 is damage, and would wrap
// the Head's counter.
constexpr uint64_t kMaxRef = uint64_t{1} << 62;
// Counts are trusted for a reserve() only this far: a few bytes that
// claim millions of entries must not allocate for them up front.
constexpr uint64_t kMaxReserve = 4096;
// The decompression buffer is kept between records, unless a large one
// grew it.
constexpr size_t kMaxKeptScratch = 8 << 20;

void TrimScratch(std::string* scratch) {
  if (scratch->capacity() > kMaxKeptScratch) std::string().swap(*scratch);
}

// A label count, then name and value strings.
absl::Status DecodeLabels(Decoder& d, Labels* out) {
  const uint64_t n = d.Varint();
  if (!d.ok() || n > d.remaining() / 2) return Corrupt("label count");
  std::vector<Label> labels;
  labels.reserve(std::min(n, kMaxReserve));
  for (uint64_t j = 0; j < n; ++j) {
    std::string_view name = d.String();
    std::string_view value = d.String();
    if (!d.ok()) return Corrupt("label cut off");
    labels.push_back({std::string(name), std::string(value)});
  }
  *out = Labels::FromVector(std::move(labels));
  return absl::OkStatus();
}
void PutSpans(const std::vector<HistogramSpan>& spans, std::string* out) {
  PutVarint(spans.size(), out);
  for (const HistogramSpan& s : spans) {
    PutSigned(s.offset, out);
    PutVarint(s.length, out);
  }
}

void PutDoubles(const std::vector<double>& values, std::string* out) {
  PutVarint(values.size(), out);
  for (double v : values) PutDouble(v, out);
}

void PutHistogram(const FloatHistogram& h, std::string* out) {
  out->push_back(static_cast<char>(h.counter_reset_hint));
  PutSigned(h.schema, out);
  PutDouble(h.zero_threshold, out);
  PutDouble(h.zero_count, out);
  PutDouble(h.count, out);
  PutDouble(h.sum, out);
  PutSpans(h.positive_spans, out);
  PutSpans(h.negative_spans, out);
  PutDoubles(h.positive_buckets, out);
  PutDoubles(h.negative_buckets, out);
  PutDoubles(h.custom_values, out);
}

// A histogram's damage, which the record's error then places.
absl::Status Bad(const std::string& what) { return absl::DataLossError(what); }

absl::Status DecodeSpans(Decoder& d, std::vector<HistogramSpan>* spans) {
  const uint64_t n = d.Varint();
  // Each span takes at least two bytes.
  if (!d.ok() || n > d.remaining() / 2 || n > kMaxStoredHistogramSpans) {
    return Bad("histogram span count");
  }
  spans->resize(n);
  for (HistogramSpan& s : *spans) {
    const int64_t offset = d.Signed();
    const uint64_t length = d.Varint();
    if (!d.ok() || offset < INT32_MIN || offset > INT32_MAX ||
        length > kMaxStoredHistogramBuckets) {
      return Bad("histogram span");
    }
    s = {static_cast<int32_t>(offset), static_cast<uint32_t>(length)};
  }
  return absl::OkStatus();
}

absl::Status DecodeDoubles(Decoder& d, size_t limit,
                           std::vector<double>* values) {
  const uint64_t n = d.Varint();
  if (!d.ok() || n > d.remaining() / 8 || n > limit) {
    return Bad("histogram bucket count");
  }
  values->resize(n);
  for (double& v : *values) v = d.Double();
  return absl::OkStatus();
}

absl::Status DecodeHistogram(Decoder& d, FloatHistogram* h) {
  const uint8_t hint = d.Byte();
  if (hint > static_cast<uint8_t>(CounterResetHint::kGauge)) {
    return Bad("histogram counter reset hint");
  }
  h->counter_reset_hint = static_cast<CounterResetHint>(hint);
  const int64_t schema = d.Signed();
  if (schema < INT32_MIN || schema > INT32_MAX) {
    return Bad("histogram schema");
  }
  h->schema = static_cast<int32_t>(schema);
  h->zero_threshold = d.Double();
  h->zero_count = d.Double();
  h->count = d.Double();
  h->sum = d.Double();
  if (!d.ok()) return Bad("histogram cut off");
  absl::Status s = DecodeSpans(d, &h->positive_spans);
  if (s.ok()) s = DecodeSpans(d, &h->negative_spans);
  if (s.ok()) {
    s = DecodeDoubles(d, kMaxStoredHistogramBuckets, &h->positive_buckets);
  }
  if (s.ok()) {
    s = DecodeDoubles(d, kMaxStoredHistogramBuckets, &h->negative_buckets);
  }
  if (s.ok()) s = DecodeDoubles(d, kMaxStoredCustomValues, &h->custom_values);
  if (!s.ok()) return s;
  if (!IsStaleNaN(h->sum)) {
    if (absl::Status v = ValidateStoredHistogram(*h); !v.ok()) {
      return Bad(std::string(v.message()));
    }
  }
  return absl::OkStatus();
}

// Below this, zstd's frame overhead eats the gain.
constexpr size_t kMinCompressBytes = 64;

// The uncompressed record: `record` itself, or its decompression in
// `*scratch`.
absl::StatusOr<std::string_view> Inflate(std::string_view record,
                                         std::string* scratch) {
  if (record.empty() ||
      (static_cast<uint8_t>(record[0]) & kCompressedBit) == 0) {
    return record;
  }
  Decoder d(record.substr(1));
  const uint64_t size = d.Varint();
  if (!d.ok() || size > kMaxRecordBytes) return Corrupt("compressed size");
  const size_t header = record.size() - 1 - d.remaining();
  const std::string_view frame = record.substr(1 + header);
  scratch->resize(static_cast<size_t>(size) + 1);
  (*scratch)[0] =
      static_cast<char>(static_cast<uint8_t>(record[0]) & ~kCompressedBit);
  // One context per thread: creating one per record cost 13 µs here (its
  // CPU feature probe is slow in a VM), 9 s of a 674k-series snapshot load.
  struct DctxFree {
    void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
  };
  thread_local std::unique_ptr<ZSTD_DCtx, DctxFree> dctx(ZSTD_createDCtx());
  const size_t got = ZSTD_decompressDCtx(dctx.get(), scratch->data() + 1, size,
                                         frame.data(), frame.size());
  if (ZSTD_isError(got) || got != size) return Corrupt("zstd frame");
  return std::string_view(*scratch);
}

// A record as the decoders read it: decompressed into the thread's buffer,
// which is trimmed when the record goes (a large one must not keep it).
class InflatedRecord {
 public:
  explicit InflatedRecord(std::string_view raw)
      : view_(Inflate(raw, &Scratch())) {}
  ~InflatedRecord() { TrimScratch(&Scratch()); }
  const absl::StatusOr<std::string_view>& view() const { return view_; }

 private:
  static std::string& Scratch() {
    thread_local std::string scratch;
    return scratch;
  }
  absl::StatusOr<std::string_view> view_;
};

struct CctxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

}  // namespace

void EncodeSeries(const std::vector<SeriesEntry>& series, std::string* out) {
  out->push_back(static_cast<char>(RecordType::kSeries));
  PutVarint(series.size(), out);
  for (const SeriesEntry& s : series) {
    PutVarint(s.ref, out);
    PutLabels(s.labels, out);
  }
}

namespace {

// Sample records of either kind: a count, the first entry's ref and time,
// then each entry's ref and time as deltas from those and its value.
template <typename Entry, typename PutValue>
void EncodeTimedEntries(RecordType type, const Entry* entries, size_t n,
                        std::string* out, PutValue put_value) {
  out->push_back(static_cast<char>(type));
  PutVarint(n, out);
  if (n == 0) return;
  const SeriesRef base_ref = entries[0].ref;
  const int64_t base_t = entries[0].t;
  PutVarint(base_ref, out);
  PutSigned(base_t, out);
  for (size_t i = 0; i < n; ++i) {
    PutSigned(static_cast<int64_t>(entries[i].ref - base_ref), out);
    PutSigned(static_cast<int64_t>(static_cast<uint64_t>(entries[i].t) -
                                   static_cast<uint64_t>(base_t)),
              out);
    put_value(entries[i]);
  }
}

}  // namespace

void EncodeSamples(const SampleEntry* samples, size_t n, std::string* out) {
  EncodeTimedEntries(RecordType::kSamples, samples, n, out,
                     [out](const SampleEntry& e) { PutDouble(e.v, out); });
}

void EncodeHistogramSamples(const HistogramSampleEntry* samples, size_t n,
                            std::string* out) {
  EncodeTimedEntries(
      RecordType::kHistogramSamples, samples, n, out,
      [out](const HistogramSampleEntry& e) { PutHistogram(e.h, out); });
}

absl::Status DecodeRecord(std::string_view raw, RecordType* type,
                          std::vector<SeriesEntry>* series,
                          std::vector<SampleEntry>* samples,
                          std::vector<HistogramSampleEntry>* histograms) {
  series->clear();
  samples->clear();
  if (histograms != nullptr) histograms->clear();
  if (RecordTypeOf(raw) ==
          static_cast<uint8_t>(RecordType::kHistogramSamples) &&
      histograms == nullptr) {
    *type = RecordType::kHistogramSamples;
    return absl::OkStatus();
  }
  const InflatedRecord record(raw);
  if (!record.view().ok()) return record.view().status();
  Decoder d(*record.view());
  const uint8_t t = d.Byte();
  const uint64_t n = d.Varint();
  if (!d.ok()) return Corrupt("header cut off");
  if (t == static_cast<uint8_t>(RecordType::kSeries)) {
    *type = RecordType::kSeries;
    // Each entry takes at least two bytes: no count past that is honest.
    if (n > d.remaining() / 2 || n > kMaxEntries) {
      return Corrupt("series count");
    }
    series->reserve(std::min(n, kMaxReserve));
    for (uint64_t i = 0; i < n; ++i) {
      SeriesEntry e;
      e.ref = d.Varint();
      if (e.ref == 0 || e.ref > kMaxRef) return Corrupt("series ref");
      if (absl::Status st = DecodeLabels(d, &e.labels); !st.ok()) return st;
      series->push_back(std::move(e));
    }
  } else if (t == static_cast<uint8_t>(RecordType::kSamples)) {
    *type = RecordType::kSamples;
    if (n > d.remaining() / 10 || n > kMaxEntries) {
      return Corrupt("sample count");
    }
    if (n > 0) {
      const SeriesRef base_ref = d.Varint();
      const int64_t base_t = d.Signed();
      samples->reserve(std::min(n, kMaxReserve));
      for (uint64_t i = 0; i < n; ++i) {
        SampleEntry e;
        e.ref = base_ref + static_cast<uint64_t>(d.Signed());
        e.t = static_cast<int64_t>(static_cast<uint64_t>(base_t) +
                                   static_cast<uint64_t>(d.Signed()));
        e.v = d.Double();
        samples->push_back(e);
      }
    }
  } else if (t == static_cast<uint8_t>(RecordType::kHistogramSamples)) {
    *type = RecordType::kHistogramSamples;
    // An entry is at least 40 bytes (hint, five numbers, five counts).
    if (n > d.remaining() / 40 || n > kMaxEntries) {
      return Corrupt("histogram sample count");
    }
    if (n > 0) {
      const SeriesRef base_ref = d.Varint();
      const int64_t base_t = d.Signed();
      histograms->reserve(std::min(n, kMaxReserve));
      for (uint64_t i = 0; i < n; ++i) {
        HistogramSampleEntry& e = histograms->emplace_back();
        e.ref = base_ref + static_cast<uint64_t>(d.Signed());
        e.t = static_cast<int64_t>(static_cast<uint64_t>(base_t) +
                                   static_cast<uint64_t>(d.Signed()));
        if (absl::Status s = DecodeHistogram(d, &e.h); !s.ok()) {
          return Corrupt(
              absl::StrCat("histogram sample ", i, ": ", s.message()));
        }
      }
    }
  } else {
    return Corrupt(absl::StrCat("unknown record type ", t));
  }
  if (!d.ok()) return Corrupt("entry cut off");
  if (!d.done()) return Corrupt("trailing bytes");
  return absl::OkStatus();
}

uint8_t RecordTypeOf(std::string_view record) {
  return record.empty() ? 0 : static_cast<uint8_t>(record[0]) & ~kCompressedBit;
}

void CompressRecord(std::string* record) {
  if (record->size() < kMinCompressBytes) return;
  // One context per thread: creating one costs more than a small record.
  thread_local std::unique_ptr<ZSTD_CCtx, CctxFree> cctx(ZSTD_createCCtx());
  std::string out;
  out.push_back(
      static_cast<char>(static_cast<uint8_t>((*record)[0]) | kCompressedBit));
  PutVarint(record->size() - 1, &out);
  const size_t header = out.size();
  out.resize(header + ZSTD_compressBound(record->size() - 1));
  const size_t n =
      ZSTD_compressCCtx(cctx.get(), out.data() + header, out.size() - header,
                        record->data() + 1, record->size() - 1, 1);
  if (ZSTD_isError(n) || header + n >= record->size()) return;
  out.resize(header + n);
  *record = std::move(out);
}

bool IsSnapshotSeries(uint8_t type) {
  return type == static_cast<uint8_t>(RecordType::kSnapshotSeries) ||
         type == static_cast<uint8_t>(RecordType::kSnapshotChunks) ||
         type == static_cast<uint8_t>(RecordType::kSnapshotTypedChunks);
}

void EncodeSnapshotSeries(const std::vector<SnapshotSeries>& group,
                          std::string* out) {
  bool typed = false;
  for (const SnapshotSeries& series : group) {
    for (const SnapshotChunk& c : series.chunks) typed |= c.encoding != 0;
  }
  out->push_back(static_cast<char>(typed ? RecordType::kSnapshotTypedChunks
                                         : RecordType::kSnapshotChunks));
  PutVarint(group.size(), out);
  for (const SnapshotSeries& series : group) {
    PutVarint(series.ref, out);
    PutLabels(series.labels, out);
    PutVarint(series.chunks.size(), out);
    for (const SnapshotChunk& c : series.chunks) {
      if (typed) out->push_back(static_cast<char>(c.encoding));
      PutVarint(static_cast<uint64_t>(c.num_samples), out);
      PutSigned(c.min_t, out);
      // Unsigned arithmetic: absurd times must round-trip, not overflow.
      PutVarint(static_cast<uint64_t>(c.max_t) - static_cast<uint64_t>(c.min_t),
                out);
      PutString(c.bytes, out);
    }
  }
}

void EncodeSnapshotEnd(const SnapshotEnd& end, std::string* out) {
  out->push_back(static_cast<char>(RecordType::kSnapshotEnd));
  PutVarint(end.series, out);
  PutVarint(end.samples, out);
}

absl::Status DecodeSnapshotSeries(std::string_view raw,
                                  std::vector<SnapshotSeries>* group) {
  const InflatedRecord record(raw);
  if (!record.view().ok()) return record.view().status();
  Decoder d(*record.view());
  const uint8_t type = d.Byte();
  if (!IsSnapshotSeries(type)) return Corrupt("not a snapshot series");
  const bool typed =
      type == static_cast<uint8_t>(RecordType::kSnapshotTypedChunks);
  const bool timed =
      typed || type == static_cast<uint8_t>(RecordType::kSnapshotChunks);
  const uint64_t n = d.Varint();
  if (!d.ok() || n > d.remaining() / 3 || n > kMaxEntries) {
    return Corrupt("series count");
  }
  group->resize(n);
  for (SnapshotSeries& series : *group) {
    series.ref = d.Varint();
    if (series.ref == 0 || series.ref > kMaxRef) return Corrupt("series ref");
    if (absl::Status st = DecodeLabels(d, &series.labels); !st.ok()) {
      return st;
    }
    const uint64_t num_chunks = d.Varint();
    if (!d.ok() || num_chunks > d.remaining() / 2 || num_chunks > kMaxEntries) {
      return Corrupt("chunk count");
    }
    series.chunks.clear();
    series.chunks.reserve(std::min(num_chunks, kMaxReserve));
    for (uint64_t i = 0; i < num_chunks; ++i) {
      SnapshotChunk c;
      if (typed) {
        c.encoding = d.Byte();
        if (c.encoding > static_cast<uint8_t>(ChunkEncoding::kFloatHistogram)) {
          return Corrupt("chunk encoding");
        }
      }
      const uint64_t samples = d.Varint();
      if (timed) {
        c.has_times = true;
        c.min_t = d.Signed();
        c.max_t =
            static_cast<int64_t>(static_cast<uint64_t>(c.min_t) + d.Varint());
        if (c.max_t < c.min_t) return Corrupt("chunk time range");
      }
      std::string_view bytes = d.String();
      if (!d.ok() || samples > (uint64_t{1} << 20)) {
        return Corrupt("chunk cut off");
      }
      c.num_samples = static_cast<int>(samples);
      c.bytes = std::string(bytes);
      series.chunks.push_back(std::move(c));
    }
  }
  if (!d.done()) return Corrupt("trailing bytes");
  return absl::OkStatus();
}

absl::Status DecodeSnapshotEnd(std::string_view raw, SnapshotEnd* end) {
  const InflatedRecord record(raw);
  if (!record.view().ok()) return record.view().status();
  Decoder d(*record.view());
  if (d.Byte() != static_cast<uint8_t>(RecordType::kSnapshotEnd)) {
    return Corrupt("not a snapshot end");
  }
  end->series = d.Varint();
  end->samples = d.Varint();
  if (!d.ok() || !d.done()) return Corrupt("snapshot end");
  return absl::OkStatus();
}

}  // namespace vigil::tsdb::wal
