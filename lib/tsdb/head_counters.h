// The Head's live counters, updated without locks. Internal.
#ifndef VIGIL_LIB_TSDB_HEAD_COUNTERS_H_
#define VIGIL_LIB_TSDB_HEAD_COUNTERS_H_

#include <atomic>
#include <cstdint>

namespace vigil::tsdb {

struct HeadCounters {
  std::atomic<uint64_t> series_created{0};
  std::atomic<uint64_t> series_removed{0};
  std::atomic<uint64_t> samples_appended{0};
  std::atomic<uint64_t> out_of_order_rejected{0};
  std::atomic<uint64_t> duplicates_rejected{0};
  std::atomic<uint64_t> duplicates_ignored{0};
  std::atomic<uint64_t> out_of_bounds_rejected{0};
  std::atomic<uint64_t> chunks_created{0};
  std::atomic<uint64_t> chunks_removed{0};
  // Signed: a chunk's bytes are added as it grows and removed when it goes.
  std::atomic<int64_t> chunk_bytes{0};
};

// What committing samples adds to chunks_created and chunk_bytes, summed by
// one committer without atomics and added to HeadCounters once per batch: a
// locked add per sample waited for that sample's chunk writes to land.
struct CommitTally {
  uint64_t chunks_created = 0;
  int64_t chunk_bytes = 0;

  // Adds the tally to `counters` and starts over.
  void FlushTo(HeadCounters& counters) {
    if (chunks_created != 0) {
      counters.chunks_created.fetch_add(chunks_created,
                                        std::memory_order_relaxed);
    }
    if (chunk_bytes != 0) {
      counters.chunk_bytes.fetch_add(chunk_bytes, std::memory_order_relaxed);
    }
    *this = CommitTally();
  }
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_HEAD_COUNTERS_H_
