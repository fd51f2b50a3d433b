#include "lib/tsdb/stripe_series.h"

#include <algorithm>

namespace vigil::tsdb {
namespace {

size_t StripeOf(uint64_t key) { return key & (kSeriesStripes - 1); }

}  // namespace

StripeSeries::StripeSeries(SymbolTable& symbols)
    : hash_stripes_(kSeriesStripes), symbols_(symbols) {}

void StripeSeries::FindAll(std::span<const SeriesRef> refs, MemSeries** out,
                           const ReadGuard& guard) const {
  for (size_t i = 0; i < refs.size(); ++i) out[i] = refs_.Find(refs[i], guard);
}

std::shared_ptr<MemSeries> StripeSeries::GetByLabels(
    uint64_t hash, const Labels& labels) const {
  const HashStripe& s = hash_stripes_[StripeOf(hash)];
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.by_hash.find(hash);
  if (it == s.by_hash.end()) return nullptr;
  for (const std::shared_ptr<MemSeries>& series : it->second) {
    if (series->HasLabels(labels)) return series;
  }
  return nullptr;
}

StripeSeries::GetOrCreateResult StripeSeries::GetOrCreate(
    uint64_t hash, const Labels& labels, uint64_t appender,
    SeriesRef wanted_ref) {
  HashStripe& hs = hash_stripes_[StripeOf(hash)];
  std::lock_guard<std::mutex> lock(hs.mu);
  auto& bucket = hs.by_hash[hash];
  for (const std::shared_ptr<MemSeries>& series : bucket) {
    if (series->HasLabels(labels)) return {series, false};
  }
  SeriesRef ref = 0;
  // A ref near 2^64 would wrap the counter into refs already taken.
  constexpr SeriesRef kMaxWantedRef = SeriesRef{1} << 62;
  bool wanted_free = false;
  if (wanted_ref != 0 && wanted_ref <= kMaxWantedRef) {
    ReadGuard guard(refs_);
    wanted_free = refs_.Find(wanted_ref, guard) == nullptr;
  }
  if (wanted_free) {
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
  bucket.push_back(series);
  refs_.Set(ref, series.get());
  return {std::move(series), true};
}

std::vector<std::shared_ptr<MemSeries>> StripeSeries::All() const {
  std::vector<std::shared_ptr<MemSeries>> out;
  for (const HashStripe& s : hash_stripes_) {
    std::lock_guard<std::mutex> lock(s.mu);
    for (const auto& [hash, bucket] : s.by_hash) {
      out.insert(out.end(), bucket.begin(), bucket.end());
    }
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
    bucket.erase(std::remove(bucket.begin(), bucket.end(), s), bucket.end());
    if (bucket.empty()) hs.by_hash.erase(it);
  }
  refs_.Erase(s->ref(), s);
  return true;
}

}  // namespace vigil::tsdb
