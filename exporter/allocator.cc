#include "exporter/allocator.h"

#include <malloc.h>

#include <cstdint>
#include <cstdlib>

#if defined(__SANITIZE_ADDRESS__)
#define VIGIL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VIGIL_ASAN 1
#endif
#endif

#if defined(VIGIL_WITH_JEMALLOC) && !defined(VIGIL_ASAN)
#include <jemalloc/jemalloc.h>
#define VIGIL_JEMALLOC_ACTIVE 1
#endif

#ifdef VIGIL_ASAN
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace vigil::exporter {

void ConfigureMalloc() {
#ifndef VIGIL_JEMALLOC_ACTIVE
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) {
    mallopt(M_ARENA_MAX, kMallocArenas);
  }
#endif
}

std::string_view MallocName() {
#if defined(VIGIL_ASAN)
  return "sanitizer";
#elif defined(VIGIL_JEMALLOC_ACTIVE)
  return "jemalloc";
#else
  return "glibc";
#endif
}

double MallocInUseBytes() {
#if defined(VIGIL_ASAN)
  // ASan replaces malloc, so glibc's arenas stay empty; its allocator counts.
  return static_cast<double>(__sanitizer_get_current_allocated_bytes());
#elif defined(VIGIL_JEMALLOC_ACTIVE)
  // The statistics are a snapshot taken when the epoch advances.
  uint64_t epoch = 1;
  size_t len = sizeof(epoch);
  mallctl("epoch", &epoch, &len, &epoch, len);
  size_t allocated = 0;
  len = sizeof(allocated);
  if (mallctl("stats.allocated", &allocated, &len, nullptr, 0) != 0) return 0;
  return static_cast<double>(allocated);
#else
  const struct mallinfo2 heap = mallinfo2();
  return static_cast<double>(heap.uordblks + heap.hblkhd);
#endif
}

void ReleaseFreeMemory() {
#if defined(VIGIL_JEMALLOC_ACTIVE)
#define VIGIL_STR2(x) #x
#define VIGIL_STR(x) VIGIL_STR2(x)
  mallctl("arena." VIGIL_STR(MALLCTL_ARENAS_ALL) ".purge", nullptr, nullptr,
          nullptr, 0);
#undef VIGIL_STR
#undef VIGIL_STR2
#elif !defined(VIGIL_ASAN)
  malloc_trim(0);
#endif
}

}  // namespace vigil::exporter
