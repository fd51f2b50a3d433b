// What the Head writes into its write-ahead log (wal.h): series records
// (a new series' ref and labels, logged before any sample of it), sample
// records (ref, timestamp, value; staleness markers are values too) and
// histogram sample records (ref, timestamp, the whole float histogram).
// Integers are varints, refs and timestamps deltas from the record's first
// entry, values their 8 IEEE bytes, so a NaN keeps its bits. Decoding is
// defensive: the bytes passed a checksum, but a record from a newer writer or a
// bug must be an error, never a crash or a huge allocation.
#ifndef VIGIL_LIB_TSDB_WAL_RECORDS_H_
#define VIGIL_LIB_TSDB_WAL_RECORDS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "vigil/histogram.h"
#include "vigil/labels.h"
#include "vigil/storage.h"

namespace vigil::tsdb::wal {

enum class RecordType : uint8_t {
  kSeries = 1,
  kSamples = 2,
  kSnapshotSeries = 3,  // a snapshot's series with their chunks (older form)
  kSnapshotEnd = 4,     // a snapshot's last record: what it holds
  // As kSnapshotSeries, each chunk with its time range, so a load installs
  // chunks as they are instead of decoding them. Written since 2026-12.
  kSnapshotChunks = 5,
  // Native histogram samples. Written since 2026-12.
  kHistogramSamples = 6,
  // As kSnapshotChunks, each chunk with its encoding (chunk.h); written
  // for a group of series holding a histogram chunk, so that float-only
  // snapshots stay what they were.
  kSnapshotTypedChunks = 7,
};

struct SeriesEntry {
  SeriesRef ref = 0;
  Labels labels;
};

struct SampleEntry {
  SeriesRef ref = 0;
  int64_t t = 0;
  double v = 0;
};

struct HistogramSampleEntry {
  SeriesRef ref = 0;
  int64_t t = 0;
  FloatHistogram h;
};

// One chunk as a snapshot keeps it: the bytes (XOR-encoded unless
// `encoding` says otherwise, a chunk.h ChunkEncoding) of which the first
// `num_samples` samples count, spanning [min_t, max_t] when has_times (a
// kSnapshotSeries record does not say).
struct SnapshotChunk {
  int num_samples = 0;
  uint8_t encoding = 0;
  bool has_times = false;
  int64_t min_t = 0;
  int64_t max_t = 0;
  std::string bytes;
};

struct SnapshotSeries {
  SeriesRef ref = 0;
  Labels labels;
  std::vector<SnapshotChunk> chunks;
};

struct SnapshotEnd {
  uint64_t series = 0;  // series records before it
  uint64_t samples = 0;
};

// Appends one record to `out`.
void EncodeSeries(const std::vector<SeriesEntry>& series, std::string* out);
void EncodeSamples(const SampleEntry* samples, size_t n, std::string* out);
void EncodeHistogramSamples(const HistogramSampleEntry* samples, size_t n,
                            std::string* out);

// Snapshot records: series with chunks, then the closing totals.
// A snapshot record holds a group of series (a long series' chunks may
// continue in the next record). Encoding writes kSnapshotChunks, or
// kSnapshotTypedChunks when a chunk is not XOR (every chunk must have its
// times); decoding takes every form.
void EncodeSnapshotSeries(const std::vector<SnapshotSeries>& group,
                          std::string* out);
void EncodeSnapshotEnd(const SnapshotEnd& end, std::string* out);
absl::Status DecodeSnapshotSeries(std::string_view record,
                                  std::vector<SnapshotSeries>* group);
absl::Status DecodeSnapshotEnd(std::string_view record, SnapshotEnd* end);
// The type of a record, compressed or not, or 0 for an empty one.
uint8_t RecordTypeOf(std::string_view record);
// Whether `type` (from RecordTypeOf) holds a snapshot's series.
bool IsSnapshotSeries(uint8_t type);

// Compresses `record` in place with zstd when that makes it smaller: its
// type byte gains kCompressedBit, then come the original size and the
// zstd frame. Every Decode* below takes either form.
inline constexpr uint8_t kCompressedBit = 0x80;
void CompressRecord(std::string* record);

// Decodes `record` into `series`, `samples` or `histograms` (cleared
// first) and says which it was. Without `histograms`, a histogram record
// is only recognised (its type set), not decoded. A decoded histogram
// passed ValidateStoredHistogram (histogram_layout.h), or is a marker.
absl::Status DecodeRecord(
    std::string_view record, RecordType* type, std::vector<SeriesEntry>* series,
    std::vector<SampleEntry>* samples,
    std::vector<HistogramSampleEntry>* histograms = nullptr);

}  // namespace vigil::tsdb::wal

#endif  // VIGIL_LIB_TSDB_WAL_RECORDS_H_
