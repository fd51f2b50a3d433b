// Appends one collection to a store through one Appender and
// remembers the pod series it wrote, so that the next successful
// collection writes staleness markers for those that are gone (as a scrape
// loop does). Internal to vigil_kube; not thread-safe (the collector
// serialises collections).
#ifndef VIGIL_LIB_KUBE_COLLECTION_WRITER_H_
#define VIGIL_LIB_KUBE_COLLECTION_WRITER_H_

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "lib/kube/security_series.h"
#include "vigil/labels.h"
#include "vigil/storage.h"

namespace vigil::kube {

class CollectionWriter {
 public:
  explicit CollectionWriter(Appendable* storage) : storage_(storage) {}

  // Appends at `t_ms`: the series of `pods` (value 1) plus staleness
  // markers for the previous pods' series missing from them — or, when
  // `pods` is null (a failed list), no pod series at all — then the
  // `health` series; commits. Samples the store rejects are skipped and
  // counted in *rejected; the error is a failed commit.
  absl::Status Write(const PodSeries* pods,
                     const std::vector<std::vector<SeriesSample>>& health,
                     int64_t t_ms, uint64_t* rejected);

  // Pod series the next successful Write() compares against.
  size_t tracked_series() const { return pod_refs_.size(); }

 private:
  struct LabelsHash {
    size_t operator()(const Labels& l) const { return l.Hash(); }
  };
  using RefMap = absl::flat_hash_map<Labels, SeriesRef, LabelsHash>;

  Appendable* storage_;
  RefMap pod_refs_;     // the last successful collection's pod series
  RefMap health_refs_;  // a fixed set: never staled
};

}  // namespace vigil::kube

#endif  // VIGIL_LIB_KUBE_COLLECTION_WRITER_H_
