// A small process-wide pool of threads that a query borrows to run parts of
// one evaluation at once (issue 18: both cores for one large selection).
// Internal to the engine.
//
// ParallelFor(n, fn) calls fn(0) … fn(n-1), each exactly once, and returns
// when all have returned. The calling thread takes parts itself, so a query
// never waits for the pool: when every pool thread is busy with another
// query, the caller runs all the parts alone. Parts are claimed in
// increasing order; which thread runs which part is not fixed, so `fn` must
// write only to state of its own part. Thread-safe; no thread is started
// per call.
#ifndef VIGIL_PROMQL_WORKER_POOL_H_
#define VIGIL_PROMQL_WORKER_POOL_H_

#include <cstddef>
#include <functional>

namespace vigil::promql::eval {

// The number of threads ParallelFor can use at most, the caller's included:
// the machine's cores, at most 4.
size_t ParallelWidth();

// Runs fn(i) for every i in [0, n). With `parallel` false (or a width of
// one) everything runs on the calling thread, in order.
void ParallelFor(size_t n, bool parallel,
                 const std::function<void(size_t)>& fn);

}  // namespace vigil::promql::eval

#endif  // VIGIL_PROMQL_WORKER_POOL_H_
