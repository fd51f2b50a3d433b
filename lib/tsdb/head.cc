#include <algorithm>

#include "lib/tsdb/head_impl.h"
#include "lib/tsdb/head_wal.h"
#include "vigil/tsdb.h"

namespace vigil::tsdb {

Head::Impl::Impl(const HeadOptions& o)
    : options(o), chunk_options{o.samples_per_chunk, o.chunk_range_ms} {}
Head::Impl::~Impl() = default;

Head::Head(HeadOptions options) : impl_(std::make_shared<Impl>(options)) {}

Head::~Head() {
  // Appenders may outlive the Head; the log must not (it holds the lock).
  std::lock_guard<std::mutex> lock(impl_->commit_mu);
  impl_->wal_enabled.store(false, std::memory_order_release);
  impl_->wal.reset();
}

std::unique_ptr<Appender> Head::NewAppender() { return NewHeadAppender(impl_); }

absl::StatusOr<std::unique_ptr<Querier>> Head::OpenQuerier(int64_t mint_ms,
                                                           int64_t maxt_ms) {
  return NewHeadQuerier(impl_, mint_ms, maxt_ms);
}

void Head::SetCommitObserver(CommitObserver observer,
                             HistogramCommitObserver histograms) {
  std::lock_guard<std::mutex> lock(impl_->commit_mu);
  impl_->commit_observer = std::move(observer);
  impl_->histogram_commit_observer = std::move(histograms);
}

HeadStats Head::Stats() const {
  const HeadCounters& c = impl_->counters;
  auto get = [](const std::atomic<uint64_t>& a) {
    return a.load(std::memory_order_relaxed);
  };
  HeadStats s;
  s.series_created = get(c.series_created);
  s.series_removed = get(c.series_removed);
  s.series = s.series_created - std::min(s.series_created, s.series_removed);
  s.samples_appended = get(c.samples_appended);
  s.out_of_order_rejected = get(c.out_of_order_rejected);
  s.duplicates_rejected = get(c.duplicates_rejected);
  s.duplicates_ignored = get(c.duplicates_ignored);
  s.out_of_bounds_rejected = get(c.out_of_bounds_rejected);
  const uint64_t created = get(c.chunks_created);
  s.chunks_removed = get(c.chunks_removed);
  s.chunks = created - std::min(created, s.chunks_removed);
  s.chunk_bytes = static_cast<uint64_t>(
      std::max<int64_t>(0, c.chunk_bytes.load(std::memory_order_relaxed)));
  s.symbols = impl_->symbols.size();
  return s;
}

}  // namespace vigil::tsdb
