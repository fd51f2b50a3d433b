#include "lib/replay/unread_series.h"

#include <algorithm>
#include <bit>

namespace vigil::replay {

bool UnreadSeries::Covers(const Labels& labels) const {
  const std::string_view name = labels.MetricName();
  return std::find(names_.begin(), names_.end(), name) != names_.end();
}

size_t UnreadSeries::Find(const Labels& labels) {
  auto& slots = by_hash_[labels.Hash()];
  for (size_t i : slots) {
    if (series_[i].labels == labels) return i;
  }
  slots.push_back(series_.size());
  series_.push_back({labels, 0, 0, false, true});
  return series_.size() - 1;
}

absl::StatusOr<SeriesRef> UnreadSeries::Append(SeriesRef ref,
                                               const Labels& labels,
                                               int64_t t_ms, double v) {
  size_t i = series_.size();
  if (Owns(ref)) {
    const size_t at = ref & ~kUnreadRef;
    if (at < series_.size() && series_[at].live) i = at;
  }
  if (i == series_.size()) {
    if (labels.empty()) return EmptyLabelsetError();
    i = Find(labels);
  }
  Series& s = series_[i];
  const uint64_t bits = std::bit_cast<uint64_t>(v);
  if (s.any && t_ms < s.last_t) return OutOfOrderSampleError();
  if (s.any && t_ms == s.last_t) {
    if (bits != s.last_bits) {
      return DuplicateSampleError(t_ms, std::bit_cast<double>(s.last_bits), v);
    }
    return kUnreadRef | i;
  }
  s.any = true;
  s.last_t = t_ms;
  s.last_bits = bits;
  return kUnreadRef | i;
}

void UnreadSeries::Forget(int64_t before_ms) {
  for (auto it = by_hash_.begin(); it != by_hash_.end();) {
    auto& slots = it->second;
    slots.erase(
        std::remove_if(slots.begin(), slots.end(),
                       [&](size_t i) {
                         Series& s = series_[i];
                         if (s.last_t >= before_ms ||
                             !IsStaleNaN(std::bit_cast<double>(s.last_bits))) {
                           return false;
                         }
                         s.live = false;
                         s.labels = Labels();
                         return true;
                       }),
        slots.end());
    if (slots.empty()) {
      by_hash_.erase(it++);
    } else {
      ++it;
    }
  }
}

}  // namespace vigil::replay
