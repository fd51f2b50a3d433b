// HeapInUse(): what the benchmarks report as memory per series.
#ifndef VIGIL_BENCH_HEAP_IN_USE_H_
#define VIGIL_BENCH_HEAP_IN_USE_H_

#include <malloc.h>

#include <cstddef>

namespace vigil::bench {

// Bytes the allocator has handed out and not taken back: blocks of the main
// arena plus the large ones glibc maps directly (a big Head's hash tables
// and long postings lists are among those, and uordblks alone misses them).
// Other threads' arenas are not counted, so benches measure on one thread.
inline size_t HeapInUse() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

}  // namespace vigil::bench

#endif  // VIGIL_BENCH_HEAP_IN_USE_H_
