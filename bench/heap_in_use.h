// HeapInUse(): what the benchmarks report as memory per series.
#ifndef VIGIL_BENCH_HEAP_IN_USE_H_
#define VIGIL_BENCH_HEAP_IN_USE_H_

#include <malloc.h>

#include <cstddef>

namespace vigil::bench {

// Bytes the allocator has handed out and not taken back, in every arena,
// plus the large blocks glibc maps directly (a big Head's hash tables and
// long postings lists are among those, and uordblks alone misses them).
// The same figure as the exporter's vigil_malloc_in_use_bytes.
inline size_t HeapInUse() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

}  // namespace vigil::bench

#endif  // VIGIL_BENCH_HEAP_IN_USE_H_
