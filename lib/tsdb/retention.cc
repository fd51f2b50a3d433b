// Retention: dropping chunks past the retention period and the series they
// leave empty (Prometheus's Head.Truncate / gc).
#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/tsdb/head_impl.h"
#include "lib/tsdb/head_wal.h"

namespace vigil::tsdb {

Head::GcResult Head::RunGc(int64_t now_ms) {
  Impl& h = *impl_;
  GcResult result;
  const int64_t cutoff = now_ms - h.options.retention_ms;
  // Appends below the cutoff would be dropped by the next GC anyway;
  // Prometheus rejects them as out of bounds.
  int64_t prev = h.min_valid_time.load(std::memory_order_relaxed);
  while (prev < cutoff &&
         !h.min_valid_time.compare_exchange_weak(prev, cutoff)) {
  }
  // A querier may be open but not have selected yet: keep what its range
  // covers until it closes (Prometheus waits for such readers instead).
  const int64_t drop_before = h.isolation.MinOpenMint(cutoff);
  const int64_t exempt_through =
      h.retention_exempt_through.load(std::memory_order_relaxed);

  std::vector<std::pair<SeriesRef, Labels>> gone;
  for (const std::shared_ptr<MemSeries>& s : h.series.All()) {
    {
      std::lock_guard<SeriesMutex> lock(s->mu());
      result.chunks_removed += static_cast<uint64_t>(
          s->Truncate(drop_before, exempt_through, h.counters));
      if (s->HasChunks() || s->pending() > 0) continue;
    }
    Labels labels = s->labels();
    const bool removed = h.series.RemoveIf(s, labels, [](const MemSeries& m) {
      return !m.HasChunks() && m.pending() == 0;
    });
    if (removed) gone.emplace_back(s->ref(), std::move(labels));
  }
  h.postings.Delete(gone);
  // What earlier runs removed, now that readers who found it are done.
  h.series.Reclaim();
  result.series_removed = gone.size();
  h.counters.series_removed.fetch_add(gone.size(), std::memory_order_relaxed);
  CheckpointWalIfDue();
  return result;
}

void Head::CheckpointWalIfDue() {
  Impl& h = *impl_;
  if (h.wal == nullptr || !h.wal->SnapshotDue()) return;
  if (absl::Status st = SnapshotWal(); !st.ok() && h.wal->options().log) {
    h.wal->options().log(absl::StrCat(
        "Writing the write-ahead log's checkpoint failed: ", st.message()));
  }
}

void Head::ExemptFromRetention(int64_t through_ms) {
  std::atomic<int64_t>& exempt = impl_->retention_exempt_through;
  int64_t prev = exempt.load(std::memory_order_relaxed);
  while (prev < through_ms && !exempt.compare_exchange_weak(prev, through_ms)) {
  }
}

}  // namespace vigil::tsdb
