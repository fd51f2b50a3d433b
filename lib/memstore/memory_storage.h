// MemoryStorage: the simplest correct implementation of vigil/storage.h, for
// tests, the promqltest runner (Prometheus's teststorage plays this role in
// promql/promqltest) and the native histograms of `vigil test rules` (until
// the Head stores histograms).
//
// Contract:
// - Add(labels, t, v, st) inserts one sample with its start timestamp (0:
//   none); samples of a series stay sorted by time and a second sample at the
//   same time replaces the first, start timestamp included (the test
//   language's "last definition wins"). Clear() drops everything.
// - Iterators report start timestamps (SampleIterator::HasStartTimestamps)
//   only for series that were given at least one; the others cost nothing.
// - OpenQuerier(mint, maxt) is a snapshot: later Add/Clear calls are not
//   visible through it (series data is copy-on-write). Its Select returns the
//   series that satisfy every matcher and have at least one sample inside
//   [mint, maxt], sorted by labels, and iterates only those samples. A
//   matcher on an absent label sees "" (so `a=""` selects series without a),
//   as Prometheus's index does. An empty matcher list selects nothing.
// - LabelNames/LabelValues consider the same series (all when no matchers).
//
// Thread safety: MemoryStorage is safe for concurrent use; a Querier and
// the series it returns belong to one thread.
#ifndef VIGIL_LIB_MEMSTORE_MEMORY_STORAGE_H_
#define VIGIL_LIB_MEMSTORE_MEMORY_STORAGE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "vigil/labels.h"
#include "vigil/storage.h"

namespace vigil::memstore {

class MemoryStorage : public Storage {
 public:
  MemoryStorage() = default;

  void Add(const Labels& labels, int64_t t, double v, int64_t st = 0);
  // A native histogram sample. Read back, its counter reset hint is the one
  // Prometheus's head chunks report (see memory_storage.cc), not the one
  // given: tests compare against Prometheus's engine over its TSDB.
  void AddHistogram(const Labels& labels, int64_t t, const FloatHistogram& h,
                    int64_t st = 0);
  void Clear();
  // Number of series currently stored (with or without samples in range).
  size_t NumSeries() const;

  absl::StatusOr<std::unique_ptr<Querier>> OpenQuerier(
      int64_t mint_ms, int64_t maxt_ms) override;

  // The samples of one series, shared with the queriers that saw them.
  struct SeriesData {
    std::vector<Sample> samples;
    // Start timestamps parallel to `samples`; empty until one is nonzero.
    std::vector<int64_t> st;
    // Parallel to `samples`, empty until the series has a histogram: the
    // histograms as given, and as read back (with the store's hints).
    std::vector<HistogramPtr> given;
    std::vector<HistogramPtr> hists;
    // Position of each histogram sample in its emulated chunk (1 = first).
    std::vector<uint32_t> chunk_pos;
  };
  using SeriesMap = std::map<Labels, std::shared_ptr<const SeriesData>>;

 private:
  // The sample slot for `t` in the series `labels` (copied first when a
  // querier shares it), and whether it replaces an existing sample.
  std::pair<SeriesData*, size_t> Slot(const Labels& labels, int64_t t,
                                      bool* replace);
  void SetST(SeriesData* data, size_t pos, bool replace, int64_t st);

  mutable std::mutex mu_;
  // Values are only mutated while no querier holds them (use_count() == 1);
  // otherwise Add copies first, which keeps open queriers' snapshots intact.
  std::map<Labels, std::shared_ptr<SeriesData>> series_;
};

}  // namespace vigil::memstore

#endif  // VIGIL_LIB_MEMSTORE_MEMORY_STORAGE_H_
