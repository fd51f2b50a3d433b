// RunBlocks: one large piece of work — a selection of thousands of series —
// on the calling thread and a small process-wide pool of helper threads.
// Internal.
//
// The work is [0, n) in blocks of `block`; each block goes to exactly one
// thread, claimed in order from a shared counter, so a helper that starts
// late or runs slowly (the machine is busy) takes less and the caller more.
// The caller never waits for a helper to wake: it works through the blocks
// itself, then waits only for blocks a helper is in the middle of. Helpers
// busy with another caller's work are not waited for either; there is no
// queue. So a query never runs slower than alone on its own thread by more
// than a block, and small work (below two blocks) never leaves its thread.
//
// The pool holds hardware_concurrency() - 1 helpers (at most kMaxHelpers),
// started on first use and kept for the life of the process; with one core
// there are none and RunBlocks() runs everything on the caller.
//
// Thread safety: RunBlocks() may be called from any number of threads at
// once. `fn` is called concurrently for different blocks: whatever it
// writes must be per block (e.g. slot i of a presized vector for item i).
// `fn` must not throw.
#ifndef VIGIL_LIB_MODEL_BLOCK_POOL_H_
#define VIGIL_LIB_MODEL_BLOCK_POOL_H_

#include <cstddef>

#include "absl/functional/function_ref.h"

namespace vigil {

inline constexpr size_t kMaxHelpers = 3;

// Calls fn(begin, end) for every block [begin, end) of [0, n), each once;
// returns when all calls have returned.
void RunBlocks(size_t n, size_t block,
               absl::FunctionRef<void(size_t begin, size_t end)> fn);

// The number of helper threads RunBlocks() offers work to (for tests and
// for deciding whether splitting is worth it).
size_t BlockPoolHelpers();

}  // namespace vigil

#endif  // VIGIL_LIB_MODEL_BLOCK_POOL_H_
