#include "lib/kube/collection_writer.h"

#include <utility>

#include "vigil/storage.h"

namespace vigil::kube {

absl::Status CollectionWriter::Write(
    const PodSeries* pods, const std::vector<std::vector<SeriesSample>>& health,
    int64_t t_ms, uint64_t* rejected) {
  std::unique_ptr<Appender> app = storage_->NewAppender();
  // Appends through the ref cached in `known`; returns the series' ref
  // (0 when the store rejected the sample).
  auto append = [&](const RefMap& known, const Labels& labels,
                    double v) -> SeriesRef {
    auto it = known.find(labels);
    const SeriesRef cached = it == known.end() ? 0 : it->second;
    auto ref = app->Append(cached, labels, t_ms, v);
    if (!ref.ok()) {
      ++*rejected;
      return cached;
    }
    return *ref;
  };

  if (pods != nullptr) {
    RefMap next;
    next.reserve(pods->size());
    for (const auto& family : pods->families) {
      for (const SeriesSample& s : family) {
        next.emplace(s.labels, append(pod_refs_, s.labels, s.value));
      }
    }
    for (const auto& [labels, ref] : pod_refs_) {
      if (next.contains(labels)) continue;
      (void)append(pod_refs_, labels, StaleNaN());
    }
    pod_refs_ = std::move(next);
  }
  for (const auto& family : health) {
    for (const SeriesSample& s : family) {
      health_refs_[s.labels] = append(health_refs_, s.labels, s.value);
    }
  }
  return app->Commit();
}

}  // namespace vigil::kube
