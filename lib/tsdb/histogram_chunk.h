// The histogram chunk: native histogram samples of one series on one
// bucket layout, vigil's own format after the ideas of Prometheus's
// tsdb/chunkenc/float_histogram.go. Internal.
//
// Header (byte-aligned): the counter reset hint of the chunk's first
// sample (a byte, whose top bit marks integer counts), then the layout: schema
// (zig-zag varint), zero threshold (8 bytes), positive and negative spans (a
// count, then zig-zag offset and length varints each) and custom bounds (a
// count, then 8 bytes each). Samples: timestamps as in the XOR chunk (raw,
// delta, then delta-of-delta), then count, zero count, sum and every bucket of
// the layout, each XOR-coded against the same value of the previous sample with
// its own window, so a bucket that did not move costs one bit. In a chunk of
// integer counts (what scrapes give: the Head starts one when count, zero count
// and buckets are whole numbers, and cuts it when they stop being so) the
// counts are coded as the timestamps are instead — the first value, then
// deltas, then delta-of-deltas in the same prefix-coded buckets — which for
// counters that grow at a steady pace costs a bit or a few, and for the first
// sample a few bytes instead of nine per bucket (after Prometheus's integer
// histogram chunk). The sum stays XOR-coded.
//
// Every histogram of a chunk shares the layout; the Head cuts a new chunk
// when the schema, zero threshold or custom bounds change, at a counter
// reset and between gauge and counter histograms, and re-encodes the open
// chunk on wider spans when a new bucket appears. Reading back, the first
// sample carries the header's hint and the others NotCounterReset (Gauge
// in a gauge chunk), which is what Prometheus's chunks report.
//
// A staleness marker (sum StaleNaN) is stored as the previous sample's
// values with the sum replaced: one bit per bucket. It reads back as a
// histogram with that sum and no buckets.
#ifndef VIGIL_LIB_TSDB_HISTOGRAM_CHUNK_H_
#define VIGIL_LIB_TSDB_HISTOGRAM_CHUNK_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lib/tsdb/bit_stream.h"
#include "lib/tsdb/gorilla.h"
#include "vigil/histogram.h"

namespace vigil::tsdb {

// The fixed part of a histogram chunk: its header.
struct HistogramChunkLayout {
  CounterResetHint header = CounterResetHint::kUnknown;
  int32_t schema = 0;
  double zero_threshold = 0;
  std::vector<HistogramSpan> positive_spans;
  std::vector<HistogramSpan> negative_spans;
  std::vector<double> custom_values;
  size_t positive_count = 0;  // buckets the spans cover
  size_t negative_count = 0;
  bool integer = false;  // counts coded as integers
};

// Whether `h`'s counts (count, zero count, buckets) can go into a chunk of
// integer counts: whole numbers of magnitude at most 2^53.
bool HasIntegerCounts(const FloatHistogram& h);

class HistogramEncoder {
 public:
  // An empty chunk on `layout` (its counts are computed here).
  explicit HistogramEncoder(HistogramChunkLayout layout);

  // `h` must have the chunk's layout: exactly its bucket counts (spans are
  // not looked at). A staleness marker's buckets are ignored. Samples
  // come in strictly increasing time order.
  void Append(int64_t t, const FloatHistogram& h);

  int num_samples() const { return num_samples_; }
  const std::vector<uint8_t>& bytes() const { return writer_.bytes(); }
  int64_t last_t() const { return t_; }
  const HistogramChunkLayout& layout() const { return layout_; }

  // Continues the chunk whose first `num_samples` (> 0) samples are
  // `data`; false (this untouched) when it does not hold them.
  bool Resume(const uint8_t* data, size_t size, int num_samples);

 private:
  // Writes value slot `i` (see the file comment for the order): an
  // integer's two's complement bits, or a float's IEEE bits.
  void WriteSlot(size_t i, uint64_t value, bool first);

  BitWriter writer_;
  HistogramChunkLayout layout_;
  int64_t t_ = 0;
  int64_t t_delta_ = 0;
  int num_samples_ = 0;
  // Per value (count, zero count, sum, buckets): the last value, and its
  // XOR window or (integer counts) its last delta.
  std::vector<uint64_t> prev_;
  std::vector<gorilla::XorWindow> windows_;
  std::vector<uint64_t> deltas_;
};

class HistogramDecoder {
 public:
  // Decodes the first `num_samples` samples of `data`.
  HistogramDecoder(const uint8_t* data, size_t size, int num_samples);

  // Advances; false at the end or on a corrupt stream (see corrupt()).
  bool Next();
  int64_t t() const { return t_; }
  // The histogram at the current sample; see the file comment for its hint.
  FloatHistogram At() const;
  bool corrupt() const { return corrupt_; }
  const HistogramChunkLayout& layout() const { return layout_; }

 private:
  friend class HistogramEncoder;
  bool ReadHeader();
  bool ReadSlot(size_t i);
  double Value(size_t i) const;

  BitReader reader_;
  int remaining_;
  int read_ = 0;
  bool corrupt_ = false;
  HistogramChunkLayout layout_;
  int64_t t_ = 0;
  int64_t t_delta_ = 0;
  std::vector<uint64_t> values_;
  std::vector<gorilla::XorWindow> windows_;
  std::vector<uint64_t> deltas_;
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_HISTOGRAM_CHUNK_H_
