// The series the collector derives from pods: one table row per metric
// family (name, type, HELP, and the function that builds its series from a
// pod), so adding a family is one row and one small function. The label
// semantics are documented in include/vigil/kube.h. Internal to vigil_kube.
#ifndef VIGIL_LIB_KUBE_SECURITY_SERIES_H_
#define VIGIL_LIB_KUBE_SECURITY_SERIES_H_

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "lib/kube/pod_list.h"
#include "vigil/labels.h"

namespace vigil::kube {

struct SeriesSample {
  Labels labels;  // __name__ included
  double value = 1;
};

struct FamilyInfo {
  std::string_view name;
  std::string_view type;  // "gauge" or "counter"
  std::string_view help;
};

// Indexes into kPodFamilies, in exposition order.
enum PodFamily : size_t {
  kPodSecurityContextFamily,
  kContainerSecurityContextFamily,
  kCapabilitiesAddedFamily,
  kHostPathVolumesFamily,
  // kube-state-metrics' pod status families, only with status series on
  // (CollectorOptions::pod_status_series).
  kPodStatusPhaseFamily,
  kFirstStatusFamily = kPodStatusPhaseFamily,
  kContainerStatusRunningFamily,
  kInitContainerStatusRunningFamily,
  kNumPodFamilies,
};

// Family metadata of the pod series.
const FamilyInfo& PodFamilyInfo(size_t family);

// The pod series of one list, grouped by family.
struct PodSeries {
  std::array<std::vector<SeriesSample>, kNumPodFamilies> families;

  size_t size() const;
  // Sorts every family by labels (stable, readable exposition).
  void Sort();
};

// Appends the series of `pod` to `out`: every security family, and the
// status families when `with_status`.
void AddPodSeries(const PodSecurity& pod, bool with_status, PodSeries* out);

// The effective container values documented in vigil/kube.h.
bool AllowsPrivilegeEscalation(const ContainerSecurity& c);
// "SYS_ADMIN" for "sys_admin", "CAP_SYS_ADMIN", " cap_sys_admin".
std::string NormalizeCapability(std::string_view cap);

}  // namespace vigil::kube

#endif  // VIGIL_LIB_KUBE_SECURITY_SERIES_H_
