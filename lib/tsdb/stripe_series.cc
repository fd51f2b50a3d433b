#include "lib/tsdb/stripe_series.h"

#include <algorithm>

namespace vigil::tsdb {
namespace {

size_t StripeOf(uint64_t key) { return key & (kSeriesStripes - 1); }

}  // namespace

StripeSeries::StripeSeries()
    : hash_stripes_(kSeriesStripes), ref_stripes_(kSeriesStripes) {}

std::shared_ptr<MemSeries> StripeSeries::GetByRef(SeriesRef ref) const {
  const RefStripe& s = ref_stripes_[StripeOf(ref)];
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.by_ref.find(ref);
  return it == s.by_ref.end() ? nullptr : it->second;
}

std::shared_ptr<MemSeries> StripeSeries::GetByLabels(
    uint64_t hash, const Labels& labels) const {
  const HashStripe& s = hash_stripes_[StripeOf(hash)];
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.by_hash.find(hash);
  if (it == s.by_hash.end()) return nullptr;
  for (const auto& series : it->second) {
    if (series->labels() == labels) return series;
  }
  return nullptr;
}

StripeSeries::GetOrCreateResult StripeSeries::GetOrCreate(uint64_t hash,
                                                          const Labels& labels,
                                                          uint64_t appender) {
  HashStripe& hs = hash_stripes_[StripeOf(hash)];
  std::lock_guard<std::mutex> lock(hs.mu);
  auto& bucket = hs.by_hash[hash];
  for (const auto& series : bucket) {
    if (series->labels() == labels) return {series, false};
  }
  const SeriesRef ref = next_ref_.fetch_add(1, std::memory_order_relaxed);
  auto series = std::make_shared<MemSeries>(ref, labels, hash);
  {
    std::lock_guard<std::mutex> series_lock(series->mu());
    series->PinNew(appender);
  }
  bucket.push_back(series);
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
    const std::shared_ptr<MemSeries>& s,
    const std::function<bool(const MemSeries&)>& should_remove) {
  HashStripe& hs = hash_stripes_[StripeOf(s->hash())];
  std::lock_guard<std::mutex> lock(hs.mu);
  {
    std::lock_guard<std::mutex> series_lock(s->mu());
    if (s->removed() || !should_remove(*s)) return false;
    s->MarkRemoved();
  }
  auto it = hs.by_hash.find(s->hash());
  if (it != hs.by_hash.end()) {
    auto& bucket = it->second;
    bucket.erase(std::remove(bucket.begin(), bucket.end(), s), bucket.end());
    if (it->second.empty()) hs.by_hash.erase(it);
  }
  RefStripe& rs = ref_stripes_[StripeOf(s->ref())];
  std::lock_guard<std::mutex> ref_lock(rs.mu);
  rs.by_ref.erase(s->ref());
  return true;
}

}  // namespace vigil::tsdb
