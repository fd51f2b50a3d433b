// backfill: loads recorded samples into a store from the files that
// `promtool tsdb create-blocks-from openmetrics` reads: OpenMetrics text
// whose every sample carries a timestamp (seconds), ending in "# EOF":
//
//   # TYPE http_requests counter
//   http_requests_total{code="200"} 1027 1700000000
//   http_requests_total{code="200"} 1043 1700000015
//   # EOF
//
// `vigil query --data` and `vigil run --storage.load` use it. It writes
// through vigil::Appendable (storage.h), so it sits above textparse and
// below promql, which it does not use, and knows no particular store.
//
// Semantics, as promtool's backfill: every series line needs a timestamp;
// HELP, TYPE and UNIT lines are read and dropped; `_created` series are
// loaded like any other (promtool does not skip them); samples of one series
// must be in time order (the same timestamp with the same value is ignored,
// as the store does; with another value it is an error). Unlike promtool,
// which cuts the file into 2h blocks and so accepts some disorder across
// block boundaries, any sample older than its series' previous one is an
// error here.
//
// Errors: absl::InvalidArgumentError whose message starts with
// "FILE:LINE:COL: " (1-based, counted in bytes), e.g.
//   data.om:7:33: out of order sample for series up{job="x"}: timestamp
//   1700000000 is before the series' previous sample at 1700000015
// A file with more series than max_series is rejected at the line of the
// first series too many; one larger than max_file_bytes with
// "FILE: file is N bytes, more than the limit of M" before it is read.
// An unreadable file is a NotFoundError naming the path.
//
// On error, samples committed before the failing line stay in the store
// (samples are committed in batches, so a large file does not buffer
// everything twice); both of vigil's callers stop on an error, so a
// partial load is never served.
//
// Thread safety: the functions are independent; they append to `storage`
// through appenders of their own, which storage.h makes safe alongside
// readers and other writers.
#ifndef VIGIL_BACKFILL_H_
#define VIGIL_BACKFILL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "vigil/storage.h"

namespace vigil::backfill {

// 512 MiB of text is some ten million samples, far more than a recorded
// test data set needs.
inline constexpr int64_t kDefaultMaxFileBytes = int64_t{512} << 20;
// A file is read and parsed in pieces of whole lines about this large, so
// its text is not held in memory all at once (a line longer than this gets
// a piece of its own size).
inline constexpr size_t kDefaultReadPieceBytes = size_t{1} << 20;
// Distinct series one file may create; each costs the store its labels, an
// index entry and at least one chunk.
inline constexpr size_t kDefaultMaxSeries = 1'000'000;
// promtool's maxSamplesInAppender: samples buffered between commits.
inline constexpr size_t kDefaultSamplesPerCommit = 5000;

struct LoadOptions {
  int64_t max_file_bytes = kDefaultMaxFileBytes;
  size_t max_series = kDefaultMaxSeries;
  size_t samples_per_commit = kDefaultSamplesPerCommit;
  size_t read_piece_bytes = kDefaultReadPieceBytes;
};

struct LoadStats {
  uint64_t series = 0;   // distinct series in the file
  uint64_t samples = 0;  // samples stored (ignored duplicates excluded)
  // The oldest and newest sample timestamps (ms); both 0 when no sample.
  int64_t min_time_ms = 0;
  int64_t max_time_ms = 0;
};

// Loads `text`, named `filename` in error messages, into `storage`.
absl::StatusOr<LoadStats> LoadOpenMetrics(std::string_view text,
                                          std::string_view filename,
                                          Appendable& storage,
                                          const LoadOptions& options = {});

// Reads the file at `path` (checking its size first) in pieces and loads
// it.
absl::StatusOr<LoadStats> LoadOpenMetricsFile(const std::string& path,
                                              Appendable& storage,
                                              const LoadOptions& options = {});

}  // namespace vigil::backfill

#endif  // VIGIL_BACKFILL_H_
