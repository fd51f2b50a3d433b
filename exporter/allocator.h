// The malloc the vigil binary runs on, and what the server asks of it: its
// configuration at start, the bytes it has handed out, and giving freed
// memory back to the system. By default the binary links jemalloc
// (VIGIL_JEMALLOC; docs/query_performance.md has the measurements against
// glibc and mimalloc); without it, glibc's malloc. The vigil library
// itself never chooses an allocator for its users.
#ifndef VIGIL_EXPORTER_ALLOCATOR_H_
#define VIGIL_EXPORTER_ALLOCATOR_H_

#include <string_view>

namespace vigil::exporter {

// glibc's arenas: at most kMallocArenas, unless MALLOC_ARENA_MAX is set in
// the environment (the operator's choice wins). Call before any thread.
// Nothing to do under jemalloc: its defaults measured as fast as the
// alternatives tried (docs/query_performance.md); MALLOC_CONF sets others.
inline constexpr int kMallocArenas = 2;
void ConfigureMalloc();

// "jemalloc", "glibc" or "sanitizer".
std::string_view MallocName();

// Bytes allocated and not freed: jemalloc's stats.allocated; glibc's
// arenas plus its directly mapped blocks (mallinfo2); the sanitizer's
// count when one replaces malloc.
double MallocInUseBytes();

// Returns freed memory that the allocator keeps to the system: every
// jemalloc arena's dirty pages purged, or malloc_trim(0).
void ReleaseFreeMemory();

}  // namespace vigil::exporter

#endif  // VIGIL_EXPORTER_ALLOCATOR_H_
