// What the Head writes into its write-ahead log (wal.h): series records
// (a new series' ref and labels, logged before any sample of it) and
// sample records (ref, timestamp, value; staleness markers are values
// too). Integers are varints, refs and timestamps deltas from the record's
// first entry, values their 8 IEEE bytes, so a NaN keeps its bits. Decoding
// is defensive: the bytes passed a checksum, but a record from a newer
// writer or a bug must be an error, never a crash or a huge allocation.
#ifndef VIGIL_LIB_TSDB_WAL_RECORDS_H_
#define VIGIL_LIB_TSDB_WAL_RECORDS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "vigil/labels.h"
#include "vigil/storage.h"

namespace vigil::tsdb::wal {

enum class RecordType : uint8_t { kSeries = 1, kSamples = 2 };

struct SeriesEntry {
  SeriesRef ref = 0;
  Labels labels;
};

struct SampleEntry {
  SeriesRef ref = 0;
  int64_t t = 0;
  double v = 0;
};

// Appends one record to `out`.
void EncodeSeries(const std::vector<SeriesEntry>& series, std::string* out);
void EncodeSamples(const SampleEntry* samples, size_t n, std::string* out);

// Decodes `record` into `series` or `samples` (cleared first) and says
// which it was.
absl::Status DecodeRecord(std::string_view record, RecordType* type,
                          std::vector<SeriesEntry>* series,
                          std::vector<SampleEntry>* samples);

}  // namespace vigil::tsdb::wal

#endif  // VIGIL_LIB_TSDB_WAL_RECORDS_H_
