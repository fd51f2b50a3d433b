#include "lib/tsdb/stripe_series.h"

#include <algorithm>

namespace vigil::tsdb {
namespace {

size_t StripeOf(uint64_t key) { return key & (kSeriesStripes - 1); }

}  // namespace

StripeSeries::StripeSeries(SymbolTable& symbols)
    : hash_stripes_(kSeriesStripes),
      ref_stripes_(kSeriesStripes),
      symbols_(symbols) {}

std::shared_ptr<MemSeries> StripeSeries::GetByRef(SeriesRef ref) const {
  const RefStripe& s = ref_stripes_[StripeOf(ref)];
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.by_ref.find(ref);
  return it == s.by_ref.end() ? nullptr : it->second;
}

void StripeSeries::GetByRefs(std::span<const SeriesRef> refs,
                             std::shared_ptr<MemSeries>* out) const {
  // A selection's refs land on stripes all over the table: fetching the
  // stripes a few lookups ahead hides most of a cache miss per series.
  constexpr size_t kAhead = 8;
  for (size_t i = 0; i < refs.size(); ++i) {
    if (i + kAhead < refs.size()) {
      __builtin_prefetch(&ref_stripes_[StripeOf(refs[i + kAhead])]);
    }
    out[i] = GetByRef(refs[i]);
  }
}

std::shared_ptr<MemSeries> StripeSeries::Owner(const MemSeries* series) const {
  return GetByRef(series->ref());
}

std::shared_ptr<MemSeries> StripeSeries::GetByLabels(
    uint64_t hash, const Labels& labels) const {
  const HashStripe& s = hash_stripes_[StripeOf(hash)];
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.by_hash.find(hash);
  if (it == s.by_hash.end()) return nullptr;
  for (const MemSeries* series : it->second) {
    if (series->HasLabels(labels)) return Owner(series);
  }
  return nullptr;
}

StripeSeries::GetOrCreateResult StripeSeries::GetOrCreate(
    uint64_t hash, const Labels& labels, uint64_t appender,
    SeriesRef wanted_ref) {
  HashStripe& hs = hash_stripes_[StripeOf(hash)];
  std::lock_guard<std::mutex> lock(hs.mu);
  auto& bucket = hs.by_hash[hash];
  for (const MemSeries* series : bucket) {
    if (series->HasLabels(labels)) return {Owner(series), false};
  }
  SeriesRef ref = 0;
  // A ref near 2^64 would wrap the counter into refs already taken.
  constexpr SeriesRef kMaxWantedRef = SeriesRef{1} << 62;
  if (wanted_ref != 0 && wanted_ref <= kMaxWantedRef &&
      GetByRef(wanted_ref) == nullptr) {
    ref = wanted_ref;
    SeriesRef next = next_ref_.load(std::memory_order_relaxed);
    while (next <= ref && !next_ref_.compare_exchange_weak(next, ref + 1)) {
    }
  } else {
    ref = next_ref_.fetch_add(1, std::memory_order_relaxed);
  }
  auto series = std::make_shared<MemSeries>(ref, labels, symbols_);
  {
    std::lock_guard<SeriesMutex> series_lock(series->mu());
    series->PinNew(appender);
  }
  bucket.push_back(series.get());
  RefStripe& rs = ref_stripes_[StripeOf(ref)];
  std::lock_guard<std::mutex> ref_lock(rs.mu);
  rs.by_ref.emplace(ref, series);
  return {std::move(series), true};
}

std::vector<std::shared_ptr<MemSeries>> StripeSeries::All() const {
  std::vector<std::shared_ptr<MemSeries>> out;
  for (const RefStripe& s : ref_stripes_) {
    std::lock_guard<std::mutex> lock(s.mu);
    for (const auto& [ref, series] : s.by_ref) out.push_back(series);
  }
  return out;
}

bool StripeSeries::RemoveIf(
    const std::shared_ptr<MemSeries>& s, const Labels& labels,
    const std::function<bool(const MemSeries&)>& should_remove) {
  // Not stored per series: GC is rare, series are many.
  const uint64_t hash = labels.Hash();
  HashStripe& hs = hash_stripes_[StripeOf(hash)];
  std::lock_guard<std::mutex> lock(hs.mu);
  {
    std::lock_guard<SeriesMutex> series_lock(s->mu());
    if (s->removed() || !should_remove(*s)) return false;
    s->MarkRemoved();
  }
  auto it = hs.by_hash.find(hash);
  if (it != hs.by_hash.end()) {
    auto& bucket = it->second;
    bucket.erase(std::remove(bucket.begin(), bucket.end(), s.get()),
                 bucket.end());
    if (it->second.empty()) hs.by_hash.erase(it);
  }
  RefStripe& rs = ref_stripes_[StripeOf(s->ref())];
  std::lock_guard<std::mutex> ref_lock(rs.mu);
  rs.by_ref.erase(s->ref());
  return true;
}

}  // namespace vigil::tsdb
