// StripeSeries: the series of a Head by label-set hash, split into
// independently locked stripes so that appenders of different series rarely
// contend (Prometheus's stripeSeries), and by ref in a RefTable read
// without a lock. Internal.
//
// Label sets are found by their 64-bit hash and then compared, so two sets
// with the same hash are both kept.
//
// Lock order: a hash stripe, then the ref table's, then MemSeries::mu().
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
#include "lib/tsdb/ref_table.h"

namespace vigil::tsdb {

// A power of two; Prometheus uses 16384 for many more cores than we target.
inline constexpr size_t kSeriesStripes = 1024;

class StripeSeries {
 public:
  // Holds what Find() returned allocated (ref_table.h).
  using ReadGuard = RefTable::Guard;

  // New series intern their labels in `symbols`, which must outlive them.
  explicit StripeSeries(SymbolTable& symbols);

  // The series `ref`, or null; valid while `guard` lives. No lock: a
  // series found may be removed meanwhile (removed() says so under its
  // lock).
  MemSeries* Find(SeriesRef ref, const ReadGuard& guard) const {
    return refs_.Find(ref, guard);
  }
  // Find() of each of `refs` into out[0, refs.size()).
  void FindAll(std::span<const SeriesRef> refs, MemSeries** out,
               const ReadGuard& guard) const;
  const RefTable& refs() const { return refs_; }

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
  // it removed. True when it went. It stays allocated for those who found
  // it by ref until Reclaim().
  // `labels` are s->labels(), which the caller needs too (GC unindexes
  // them), so they are built once.
  bool RemoveIf(const std::shared_ptr<MemSeries>& s, const Labels& labels,
                const std::function<bool(const MemSeries&)>& should_remove);
  // Frees the removed series no reader can still hold (RefTable::Reclaim).
  size_t Reclaim() { return refs_.Reclaim(); }

 private:
  // The owners of the series, by label-set hash.
  struct HashStripe {
    mutable std::mutex mu;
    absl::flat_hash_map<uint64_t,
                        absl::InlinedVector<std::shared_ptr<MemSeries>, 1>>
        by_hash;
  };

  std::vector<HashStripe> hash_stripes_;
  RefTable refs_;
  std::atomic<SeriesRef> next_ref_{1};
  SymbolTable& symbols_;
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_STRIPE_SERIES_H_
