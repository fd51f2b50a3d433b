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

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_HEAD_COUNTERS_H_
