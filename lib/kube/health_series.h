// The collector's own health as series (vigil_kube_collector_*), one table
// row per family; see include/vigil/kube.h. Internal to vigil_kube.
#ifndef VIGIL_LIB_KUBE_HEALTH_SERIES_H_
#define VIGIL_LIB_KUBE_HEALTH_SERIES_H_

#include <cstddef>
#include <vector>

#include "lib/kube/security_series.h"
#include "vigil/kube.h"

namespace vigil::kube {

inline constexpr size_t kNumHealthFamilies = 6;

const FamilyInfo& HealthFamilyInfo(size_t family);

// The series of every health family for `status`, indexed like
// HealthFamilyInfo().
std::vector<std::vector<SeriesSample>> HealthSeries(
    const CollectorStatus& status);

}  // namespace vigil::kube

#endif  // VIGIL_LIB_KUBE_HEALTH_SERIES_H_
