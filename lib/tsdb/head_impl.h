// Head::Impl: the state a Head shares with its appenders and queriers.
// Internal.
//
// Lock order (never take an earlier one while holding a later one):
//   commit_mu -> StripeSeries hash stripe -> RefTable -> MemSeries::mu
//   -> Isolation::mu_; SymbolTable's lock is innermost (a series interns,
//   compares or releases its labels under stripe locks).
// MemPostings' lock is never held together with any other: queriers resolve
// refs under it, release it, and only then look series up.
//
// The locks are std::mutex, not absl::Mutex: Debian's Abseil runs deadlock
// detection on every lock taken while another is held, and a commit (commit
// lock plus one lock per series) became a hundred times slower with it.
#ifndef VIGIL_LIB_TSDB_HEAD_IMPL_H_
#define VIGIL_LIB_TSDB_HEAD_IMPL_H_

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>

#include "lib/tsdb/head_counters.h"
#include "lib/tsdb/isolation.h"
#include "lib/tsdb/mem_series.h"
#include "lib/tsdb/postings.h"
#include "lib/tsdb/stripe_series.h"
#include "lib/tsdb/symbol_table.h"
#include "vigil/tsdb.h"

namespace vigil::tsdb {

class HeadWal;  // head_wal.h

struct Head::Impl {
  // Out of line, where HeadWal is complete.
  explicit Impl(const HeadOptions& o);
  ~Impl();

  const HeadOptions options;
  const ChunkOptions chunk_options;
  // Before `series`: every series holds references into it until destroyed.
  SymbolTable symbols;
  StripeSeries series{symbols};
  MemPostings postings;
  Isolation isolation;
  // Serialises commits, which makes a commit number a snapshot boundary.
  // Held only while a batch's samples are written: never during a query.
  std::mutex commit_mu;
  std::atomic<uint64_t> next_appender_id{1};
  // Samples older than this are "out of bounds" (set by RunGc).
  std::atomic<int64_t> min_valid_time{std::numeric_limits<int64_t>::min()};
  // Chunks with a sample at or before this survive GC
  // (ExemptFromRetention).
  std::atomic<int64_t> retention_exempt_through{
      std::numeric_limits<int64_t>::min()};
  HeadCounters counters;
  // Set by Head::OpenWal, reset by ~Head, both under commit_mu.
  std::unique_ptr<HeadWal> wal;
  // Head::SetCommitObserver's; under commit_mu.
  CommitObserver commit_observer;
  HistogramCommitObserver histogram_commit_observer;
  // Whether `wal` is set, for appenders preparing records before they take
  // commit_mu.
  std::atomic<bool> wal_enabled{false};
};

std::unique_ptr<Appender> NewHeadAppender(std::shared_ptr<Head::Impl> head);
std::unique_ptr<Querier> NewHeadQuerier(std::shared_ptr<Head::Impl> head,
                                        int64_t mint, int64_t maxt);

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_HEAD_IMPL_H_
