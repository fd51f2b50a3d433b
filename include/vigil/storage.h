// Storage: the read path the PromQL engine uses and the write path every
// writer uses (scrape loops, the kube collector, backfill, rule evaluation).
// A store implements one or both (tsdb::Head does both; a read-only test
// store only Storage); the write side is also the seam where a
// write-ahead log, a remote-write fan-out or a remote store plugs in
// (Prometheus's storage.Queryable and storage.Appendable are the model).
//
// Reading. A Storage hands out Queriers over a time range [mint, maxt]
// (inclusive, milliseconds). A Querier is a consistent snapshot: appends that
// are committed after it was opened are not visible through it. The engine
// opens one Querier per query and selects each distinct selector once, not
// once per step.
//
// Writing. An Appendable hands out Appenders. An Appender buffers a batch
// (one scrape, one rule evaluation): Append() checks a sample against what
// its series already holds and returns the series' ref; Commit() makes the
// whole batch visible at once; Rollback(), or destroying the Appender,
// discards it. After either the Appender is empty and may be reused.
//
// Series refs. Append() returns a SeriesRef that names the series in the
// store that issued it, so that the next batch can append by ref without
// the labels (a scrape cache keeps refs, not label sets). A ref is never
// reused for another series, but a store may forget it (retention drops a
// series without samples): appending to a forgotten ref with empty labels
// fails with the "empty labelset" error below, and the caller then appends
// again with the labels. 0 means "no ref": the labels decide.
//
// Append errors carry Prometheus's storage error texts (storage/interface.go)
// so that logs and API answers read the same; ClassifyAppendError() tells
// them apart. Every Appendable returns these for these conditions:
//   "out of order sample"            t is older than the series' last sample
//   "duplicate sample for timestamp <t>; overrides not allowed: existing <v>,
//    new value <v>"                  same t, different value (bitwise); the
//                                    same t with the same bits is accepted
//                                    and ignored, as in Prometheus
//   "out of bounds"                  t is older than what the store keeps
//   "empty labelset: invalid sample" no labels, and no ref or one the store
//                                    does not know
// Any other error is the store's own (kOther).
//
// Samples are float values; a staleness marker is stored as the NaN with bits
// 0x7ff0000000000002 (IsStaleNaN) and ends a series for lookback purposes.
//
// A sample may instead be a native histogram (vigil/histogram.h), as in
// Prometheus 3.x where a series may switch between the two. Stores that hold
// none leave the defaults: SampleIterator::AtHistogram() returns null and
// Appender::AppendHistogram() fails with Unimplemented. A histogram's
// staleness marker is a histogram whose sum is StaleNaN().
//
// A sample may also carry a start timestamp (Prometheus's experimental "ST",
// OTel's start time): when the counter it belongs to last started from zero,
// or for a delta sample where its interval begins. It is optional: a store
// that keeps none (vigil's tsdb among them) leaves SampleIterator's defaults,
// and the engine then never asks for one, so series without start timestamps
// cost nothing extra.
//
// Thread safety: Storage and Appendable implementations are safe for
// concurrent use. A Querier and the series it returns belong to one
// thread; so does an Appender.
#ifndef VIGIL_STORAGE_H_
#define VIGIL_STORAGE_H_

#include <bit>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "vigil/histogram.h"
#include "vigil/labels.h"
#include "vigil/matcher.h"

namespace vigil {

inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
inline double StaleNaN() { return std::bit_cast<double>(kStaleNaNBits); }
inline bool IsStaleNaN(double v) {
  return std::bit_cast<uint64_t>(v) == kStaleNaNBits;
}

struct Sample {
  int64_t t = 0;  // milliseconds since the Unix epoch
  double v = 0;
};

// Samples of one series, sorted by time, no duplicate timestamps.
class SampleIterator {
 public:
  virtual ~SampleIterator() = default;
  // Positions at the first sample with t >= `t`; false when there is none.
  virtual bool Seek(int64_t t) = 0;
  // Advances; false at the end. Call before the first At() unless Seek()ed.
  virtual bool Next() = 0;
  // The sample at the current position. For a histogram sample its `v` is
  // meaningless (0) and AtHistogram() is set.
  virtual Sample At() const = 0;
  // The native histogram at the current position, or null for a float
  // sample. Shared and immutable: callers may keep it.
  virtual HistogramPtr AtHistogram() const { return nullptr; }
  // Whether this iterator's samples may carry start timestamps; asked once,
  // before iterating. When false, AtST() is never called.
  virtual bool HasStartTimestamps() const { return false; }
  // The start timestamp of the sample at At(), ms since the Unix epoch; 0 when
  // it has none.
  virtual int64_t AtST() const { return 0; }
};

// The engine reads the series of one selection on more than one thread at
// once (a large selection's halves on two cores): labels() and Iterator()
// of different series, and the iterators themselves, must not share
// unsynchronised state. One series and one iterator are used by one thread
// at a time.
class Series {
 public:
  virtual ~Series() = default;
  virtual const Labels& labels() const = 0;
  // A fresh iterator over the samples inside the querier's time range.
  virtual std::unique_ptr<SampleIterator> Iterator() const = 0;
};

struct SelectHints {
  int64_t start_ms = 0;  // the earliest sample the query may read
  int64_t end_ms = 0;    // the latest
  // false: the caller takes the series in any order (Prometheus's
  // sortSeries=false, which its engine asks for), and a querier may skip
  // sorting them.
  bool sorted = true;
};

class Querier {
 public:
  virtual ~Querier() = default;
  // Series whose labels satisfy every matcher, sorted by labels unless
  // hints.sorted is false. An empty matcher list selects nothing.
  virtual absl::StatusOr<std::vector<std::shared_ptr<Series>>> Select(
      const SelectHints& hints, const Matchers& matchers) = 0;
  // Sorted distinct label names / values of series matching `matchers`
  // (all series when empty).
  virtual absl::StatusOr<std::vector<std::string>> LabelNames(
      const Matchers& matchers) = 0;
  virtual absl::StatusOr<std::vector<std::string>> LabelValues(
      const std::string& name, const Matchers& matchers) = 0;
};

class Storage {
 public:
  virtual ~Storage() = default;
  virtual absl::StatusOr<std::unique_ptr<Querier>> OpenQuerier(
      int64_t mint_ms, int64_t maxt_ms) = 0;
};

// Names a series in the store that issued it; 0 means "none". See the file
// comment for when a store forgets one.
using SeriesRef = uint64_t;

// Buffers one batch of samples; see the file comment.
class Appender {
 public:
  virtual ~Appender() = default;
  // Appends a sample to the series `ref` if the store knows it, else to the
  // series `labels` (created when new). Returns the series' ref, or one of
  // the errors in the file comment; a rejected sample leaves the batch as it
  // was.
  virtual absl::StatusOr<SeriesRef> Append(SeriesRef ref, const Labels& labels,
                                           int64_t t_ms, double v) = 0;
  absl::StatusOr<SeriesRef> Append(const Labels& labels, int64_t t_ms,
                                   double v) {
    return Append(0, labels, t_ms, v);
  }
  // The same for a native histogram sample. Stores without histogram
  // support fail with Unimplemented.
  virtual absl::StatusOr<SeriesRef> AppendHistogram(
      SeriesRef /*ref*/, const Labels& /*labels*/, int64_t /*t_ms*/,
      const FloatHistogram& /*h*/) {
    return absl::UnimplementedError(
        "native histograms are not supported by this store");
  }
  // Makes the buffered samples visible atomically. A sample that became out
  // of order because another appender committed first is dropped and
  // counted, as Prometheus does.
  virtual absl::Status Commit() = 0;
  virtual void Rollback() = 0;
};

class Appendable {
 public:
  virtual ~Appendable() = default;
  // A new, empty Appender; it must not outlive this Appendable.
  virtual std::unique_ptr<Appender> NewAppender() = 0;
};

// Which of the errors in the file comment `status` is (kNone for OK).
enum class AppendError {
  kNone,
  kOutOfOrder,
  kDuplicate,
  kOutOfBounds,
  kInvalid,
  kOther,
};
AppendError ClassifyAppendError(const absl::Status& status);

// The errors themselves, for stores to return.
absl::Status OutOfOrderSampleError();
absl::Status OutOfBoundsError();
absl::Status EmptyLabelsetError();
// The values are printed as Go's %g; t == 0 prints the bare message, as
// Prometheus does for its sentinel.
absl::Status DuplicateSampleError(int64_t t, double existing, double new_value);

}  // namespace vigil

#endif  // VIGIL_STORAGE_H_
