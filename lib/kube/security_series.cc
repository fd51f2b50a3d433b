#include "lib/kube/security_series.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace vigil::kube {
namespace {

using Builder = void (*)(const PodSecurity&, std::vector<SeriesSample>*);

struct FamilyRow {
  FamilyInfo info;
  Builder build;
};

std::string_view BoolValue(bool b) { return b ? "true" : "false"; }

// "" (the label absent) when unset.
std::string OptionalBool(const std::optional<bool>& b) {
  return b ? std::string(BoolValue(*b)) : std::string();
}
std::string OptionalInt(const std::optional<int64_t>& i) {
  return i ? absl::StrCat(*i) : std::string();
}

// The container's field when set, else the pod's (Kubernetes: "If set in
// both SecurityContext and PodSecurityContext, the value specified in
// SecurityContext takes precedence").
template <typename T>
std::optional<T> Inherit(const std::optional<T>& container,
                         const std::optional<T>& pod) {
  return container ? container : pod;
}

// The identity labels every pod series starts with.
std::vector<Label> PodLabels(std::string_view metric, const PodSecurity& pod) {
  std::vector<Label> l;
  l.reserve(12);
  l.push_back({std::string(kMetricName), std::string(metric)});
  l.push_back({"namespace", pod.namespace_name});
  l.push_back({"pod", pod.name});
  l.push_back({"uid", pod.uid});
  return l;
}

void Emit(std::vector<Label> labels, std::vector<SeriesSample>* out) {
  out->push_back({Labels::FromVector(std::move(labels)), 1});
}

constexpr std::string_view kPodSecurityContext = "kube_pod_security_context";
constexpr std::string_view kContainerSecurityContext =
    "kube_pod_container_security_context";
constexpr std::string_view kCapabilitiesAdded =
    "kube_pod_container_security_context_capabilities_added";
constexpr std::string_view kHostPathVolumes = "kube_pod_spec_volumes_host_path";

void BuildPodSecurityContext(const PodSecurity& pod,
                             std::vector<SeriesSample>* out) {
  const bool privileged = std::any_of(
      pod.containers.begin(), pod.containers.end(),
      [](const ContainerSecurity& c) { return c.privileged.value_or(false); });
  std::vector<Label> l = PodLabels(kPodSecurityContext, pod);
  l.push_back({"privileged", std::string(BoolValue(privileged))});
  l.push_back({"host_network", std::string(BoolValue(pod.host_network))});
  l.push_back({"host_pid", std::string(BoolValue(pod.host_pid))});
  l.push_back({"host_ipc", std::string(BoolValue(pod.host_ipc))});
  l.push_back({"run_as_non_root", OptionalBool(pod.run_as_non_root)});
  l.push_back({"run_as_user", OptionalInt(pod.run_as_user)});
  l.push_back({"seccomp_profile_type", pod.seccomp_profile_type});
  Emit(std::move(l), out);
}

std::vector<Label> ContainerLabels(std::string_view metric,
                                   const PodSecurity& pod,
                                   const ContainerSecurity& c) {
  std::vector<Label> l = PodLabels(metric, pod);
  l.push_back({"container", c.name});
  l.push_back({"container_type", std::string(ContainerTypeName(c.type))});
  return l;
}

void BuildContainerSecurityContext(const PodSecurity& pod,
                                   std::vector<SeriesSample>* out) {
  for (const ContainerSecurity& c : pod.containers) {
    std::vector<Label> l = ContainerLabels(kContainerSecurityContext, pod, c);
    l.push_back(
        {"privileged", std::string(BoolValue(c.privileged.value_or(false)))});
    l.push_back({"allow_privilege_escalation",
                 std::string(BoolValue(AllowsPrivilegeEscalation(c)))});
    l.push_back(
        {"run_as_non_root",
         OptionalBool(Inherit(c.run_as_non_root, pod.run_as_non_root))});
    l.push_back(
        {"run_as_user", OptionalInt(Inherit(c.run_as_user, pod.run_as_user))});
    l.push_back(
        {"read_only_root_filesystem",
         std::string(BoolValue(c.read_only_root_filesystem.value_or(false)))});
    l.push_back({"seccomp_profile_type", c.seccomp_profile_type.empty()
                                             ? pod.seccomp_profile_type
                                             : c.seccomp_profile_type});
    Emit(std::move(l), out);
  }
}

void BuildCapabilitiesAdded(const PodSecurity& pod,
                            std::vector<SeriesSample>* out) {
  for (const ContainerSecurity& c : pod.containers) {
    std::set<std::string> caps;
    for (const std::string& cap : c.capabilities_added) {
      std::string name = NormalizeCapability(cap);
      if (!name.empty()) caps.insert(std::move(name));
    }
    for (const std::string& cap : caps) {
      std::vector<Label> l = ContainerLabels(kCapabilitiesAdded, pod, c);
      l.push_back({"capability", cap});
      Emit(std::move(l), out);
    }
  }
}

void BuildHostPathVolumes(const PodSecurity& pod,
                          std::vector<SeriesSample>* out) {
  for (const HostPathVolume& v : pod.host_path_volumes) {
    std::vector<Label> l = PodLabels(kHostPathVolumes, pod);
    l.push_back({"volume", v.name});
    l.push_back({"path", v.path});
    l.push_back({"type", v.type});
    Emit(std::move(l), out);
  }
}

// kube-state-metrics' shapes: a series per phase (1 for the pod's), and the
// running state of each container its status lists.
constexpr std::string_view kPodStatusPhase = "kube_pod_status_phase";
constexpr std::string_view kPhases[] = {"Pending", "Succeeded", "Failed",
                                        "Unknown", "Running"};

void BuildPodStatusPhase(const PodSecurity& pod,
                         std::vector<SeriesSample>* out) {
  if (pod.phase.empty()) return;  // kube-state-metrics writes none either
  for (std::string_view phase : kPhases) {
    std::vector<Label> l = PodLabels(kPodStatusPhase, pod);
    l.push_back({"phase", std::string(phase)});
    out->push_back(
        {Labels::FromVector(std::move(l)), pod.phase == phase ? 1.0 : 0.0});
  }
}

void BuildRunning(const PodSecurity& pod, ContainerType type,
                  std::string_view metric, std::vector<SeriesSample>* out) {
  for (const ContainerSecurity& c : pod.containers) {
    if (c.type != type || !c.running.has_value()) continue;
    std::vector<Label> l = PodLabels(metric, pod);
    l.push_back({"container", c.name});
    out->push_back({Labels::FromVector(std::move(l)), *c.running ? 1.0 : 0.0});
  }
}

void BuildContainerStatusRunning(const PodSecurity& pod,
                                 std::vector<SeriesSample>* out) {
  BuildRunning(pod, ContainerType::kContainer,
               "kube_pod_container_status_running", out);
}

void BuildInitContainerStatusRunning(const PodSecurity& pod,
                                     std::vector<SeriesSample>* out) {
  BuildRunning(pod, ContainerType::kInit,
               "kube_pod_init_container_status_running", out);
}

constexpr FamilyRow kFamilies[kNumPodFamilies] = {
    {{kPodSecurityContext, "gauge",
      "Security-relevant settings of a pod, one series per pod: privileged "
      "if any container is, host namespaces and the pod securityContext."},
     BuildPodSecurityContext},
    {{kContainerSecurityContext, "gauge",
      "Effective securityContext of a container (container, init or "
      "ephemeral), the pod securityContext applied where the container "
      "sets nothing."},
     BuildContainerSecurityContext},
    {{kCapabilitiesAdded, "gauge",
      "Linux capabilities a container adds, one series per capability "
      "(upper case, without CAP_)."},
     BuildCapabilitiesAdded},
    {{kHostPathVolumes, "gauge", "hostPath volumes of a pod."},
     BuildHostPathVolumes},
    {{kPodStatusPhase, "gauge", "The pods current phase."},
     BuildPodStatusPhase},
    {{"kube_pod_container_status_running", "gauge",
      "Describes whether the container is currently in running state."},
     BuildContainerStatusRunning},
    {{"kube_pod_init_container_status_running", "gauge",
      "Describes whether the init container is currently in running "
      "state."},
     BuildInitContainerStatusRunning},
};

}  // namespace

const FamilyInfo& PodFamilyInfo(size_t family) {
  return kFamilies[family].info;
}

size_t PodSeries::size() const {
  size_t n = 0;
  for (const auto& f : families) n += f.size();
  return n;
}

void PodSeries::Sort() {
  for (auto& f : families) {
    std::sort(f.begin(), f.end(),
              [](const SeriesSample& a, const SeriesSample& b) {
                return a.labels < b.labels;
              });
  }
}

void AddPodSeries(const PodSecurity& pod, bool with_status, PodSeries* out) {
  const size_t n = with_status ? kNumPodFamilies : kFirstStatusFamily;
  for (size_t i = 0; i < n; ++i) {
    kFamilies[i].build(pod, &out->families[i]);
  }
}

std::string NormalizeCapability(std::string_view cap) {
  while (!cap.empty() && std::isspace(static_cast<unsigned char>(cap.front())))
    cap.remove_prefix(1);
  while (!cap.empty() && std::isspace(static_cast<unsigned char>(cap.back())))
    cap.remove_suffix(1);
  std::string name(cap);
  for (char& ch : name) {
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  if (name.rfind("CAP_", 0) == 0) name.erase(0, 4);
  return name;
}

bool AllowsPrivilegeEscalation(const ContainerSecurity& c) {
  if (c.privileged.value_or(false)) return true;
  for (const std::string& cap : c.capabilities_added) {
    const std::string name = NormalizeCapability(cap);
    // ALL includes CAP_SYS_ADMIN.
    if (name == "SYS_ADMIN" || name == "ALL") return true;
  }
  // Unset: the kubelet does not set no_new_privs.
  return c.allow_privilege_escalation.value_or(true);
}

}  // namespace vigil::kube
