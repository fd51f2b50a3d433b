// Storage: what the PromQL engine reads, and what every store implements.
//
// A Storage hands out Queriers over a time range [mint, maxt] (inclusive,
// milliseconds). A Querier is a consistent snapshot: appends that happen after
// it was opened are not visible through it. The engine opens one Querier per
// query and selects each distinct selector once, not once per step.
//
// Samples are float values; a staleness marker is stored as the NaN with bits
// 0x7ff0000000000002 (IsStaleNaN) and ends a series for lookback purposes.
//
// A sample may also carry a start timestamp (Prometheus's experimental "ST",
// OTel's start time): when the counter it belongs to last started from zero,
// or for a delta sample where its interval begins. It is optional: a store
// that keeps none (vigil's tsdb among them) leaves SampleIterator's defaults,
// and the engine then never asks for one, so series without start timestamps
// cost nothing extra.
//
// Thread safety: Storage implementations are safe for concurrent use. A
// Querier and the SeriesSet it returns belong to one thread.
#ifndef VIGIL_STORAGE_H_
#define VIGIL_STORAGE_H_

#include <bit>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
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
  virtual Sample At() const = 0;
  // Whether this iterator's samples may carry start timestamps; asked once,
  // before iterating. When false, AtST() is never called.
  virtual bool HasStartTimestamps() const { return false; }
  // The start timestamp of the sample at At(), ms since the Unix epoch; 0 when
  // it has none.
  virtual int64_t AtST() const { return 0; }
};

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
};

class Querier {
 public:
  virtual ~Querier() = default;
  // Series whose labels satisfy every matcher, sorted by labels. An empty
  // matcher list selects nothing.
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

}  // namespace vigil

#endif  // VIGIL_STORAGE_H_
