// StripeSeries: the series of a Head by label-set hash and by ref, split into
// independently locked stripes so that appenders of different series rarely
// contend (Prometheus's stripeSeries). Internal.
//
// Label sets are found by their 64-bit hash and then compared, so two sets
// with the same hash are both kept.
//
// Lock order: a hash stripe, then a ref stripe, then MemSeries::mu().
#ifndef VIGIL_LIB_TSDB_STRIPE_SERIES_H_
#define VIGIL_LIB_TSDB_STRIPE_SERIES_H_

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "lib/tsdb/mem_series.h"

namespace vigil::tsdb {

// A power of two; Prometheus uses 16384 for many more cores than we target.
inline constexpr size_t kSeriesStripes = 1024;

class StripeSeries {
 public:
  // New series intern their labels in `symbols`, which must outlive them.
  explicit StripeSeries(SymbolTable& symbols);

  std::shared_ptr<MemSeries> GetByRef(SeriesRef ref) const;
  // GetByRef() of each of `refs` into out[0, refs.size()): null for those
  // not found.
  void GetByRefs(std::span<const SeriesRef> refs,
                 std::shared_ptr<MemSeries>* out) const;
  std::shared_ptr<MemSeries> GetByLabels(uint64_t hash,
                                         const Labels& labels) const;

  struct GetOrCreateResult {
    std::shared_ptr<MemSeries> series;
    bool created = false;
  };
  // The series `labels`, created with the next ref when new. A new series is
  // pinned by `appender` before anyone else can see it, so GC cannot remove
  // it before its creator has indexed it.
  // `wanted_ref`, when not 0 and free, is the new series' ref (a series
  // replayed from the write-ahead log keeps its ref); later refs are
  // above it.
  GetOrCreateResult GetOrCreate(uint64_t hash, const Labels& labels,
                                uint64_t appender, SeriesRef wanted_ref = 0);

  // Every series, copied stripe by stripe (no lock held on return).
  std::vector<std::shared_ptr<MemSeries>> All() const;

  // Removes `s` if `should_remove` (called under s->mu()) says so, marking
  // it removed. True when it went.
  // `labels` are s->labels(), which the caller needs too (GC unindexes
  // them), so they are built once.
  bool RemoveIf(const std::shared_ptr<MemSeries>& s, const Labels& labels,
                const std::function<bool(const MemSeries&)>& should_remove);

 private:
  // by_ref owns the series; by_hash points at them (a shared_ptr here
  // would cost 8 more bytes per series for nothing).
  struct HashStripe {
    mutable std::mutex mu;
    absl::flat_hash_map<uint64_t, absl::InlinedVector<MemSeries*, 1>> by_hash;
  };
  struct RefStripe {
    mutable std::mutex mu;
    absl::flat_hash_map<SeriesRef, std::shared_ptr<MemSeries>> by_ref;
  };

  // The owning pointer of a series in by_hash; requires the hash stripe.
  std::shared_ptr<MemSeries> Owner(const MemSeries* series) const;

  std::vector<HashStripe> hash_stripes_;
  std::vector<RefStripe> ref_stripes_;
  std::atomic<SeriesRef> next_ref_{1};
  SymbolTable& symbols_;
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_STRIPE_SERIES_H_
