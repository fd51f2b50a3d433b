// Running a function on a large stack without starting a thread for it.
// civetweb's worker threads run on small stacks (Debian builds it with
// USE_STACK_SIZE), and the PromQL parser and evaluator recurse as deep as a
// query nests, so API handlers need the usual 8 MiB. A thread per request
// gave them that for ~50 µs a request (clone, a cross-core wake-up, the
// join, the stack released and faulted in again); here each thread keeps
// one 8 MiB stack, mapped on first use, and switches to it and back
// (swapcontext, under a microsecond). Internal to vigil_api.
#ifndef VIGIL_LIB_API_LARGE_STACK_H_
#define VIGIL_LIB_API_LARGE_STACK_H_

#include <cstddef>
#include <functional>

namespace vigil::api {

inline constexpr size_t kLargeStackBytes = 8 << 20;

// Runs `fn` on the calling thread's large stack and returns once it has
// returned; an exception from `fn` is rethrown here, on the caller's stack.
// Thread-safe: every thread has its own stack. Reentrant: a call made from
// inside `fn` runs directly (it is on the large stack already). Returns
// false, without running `fn`, when the stack cannot be mapped. The stack
// is unmapped when the thread exits; after each call all but its top
// kLargeStackKeptBytes are given back to the system, as a thread's exit
// did.
bool RunOnLargeStack(const std::function<void()>& fn);

inline constexpr size_t kLargeStackKeptBytes = 256 << 10;

// Bytes of the calling thread's large stack resident in memory now (0
// before its first use). For tests.
size_t LargeStackResidentBytes();

}  // namespace vigil::api

#endif  // VIGIL_LIB_API_LARGE_STACK_H_
