// Decoding one page of the Kubernetes API's PodList JSON into the fields the
// security-context collector reads. Internal to vigil_kube.
//
// Fields the collector never reads (managedFields, annotations, conditions,
// env, probes, ...) are discarded while parsing, so a page's document costs
// little more than the security-relevant part of its bytes.
//
// Errors (InvalidArgument) say where:
//   malformed JSON at byte 1834: parse error at line 1, column 1835: ...
//     (the byte is a 0-based offset into the body)
//   items[3].spec.hostNetwork: expected boolean, got string
// Unknown fields are ignored, as the API's clients do; a field the collector
// reads with the wrong JSON type is an error rather than a guess.
#ifndef VIGIL_LIB_KUBE_POD_LIST_H_
#define VIGIL_LIB_KUBE_POD_LIST_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace vigil::kube {

enum class ContainerType { kContainer, kInit, kEphemeral };
// "container", "init", "ephemeral": the container_type label.
std::string_view ContainerTypeName(ContainerType type);

// A container's securityContext as written (unset fields are nullopt / "").
struct ContainerSecurity {
  std::string name;
  ContainerType type = ContainerType::kContainer;
  std::optional<bool> privileged;
  std::optional<bool> allow_privilege_escalation;
  std::optional<bool> run_as_non_root;
  std::optional<int64_t> run_as_user;
  std::optional<bool> read_only_root_filesystem;
  std::string seccomp_profile_type;
  std::vector<std::string> capabilities_added;  // as written
  // status.*ContainerStatuses[].state.running is set; nullopt when the pod
  // status does not list the container (not started yet).
  std::optional<bool> running;
};

struct HostPathVolume {
  std::string name;
  std::string path;
  std::string type;  // hostPath.type, "" when unset
};

struct PodSecurity {
  std::string namespace_name;
  std::string name;
  std::string uid;
  bool host_network = false;
  bool host_pid = false;
  bool host_ipc = false;
  // spec.securityContext (PodSecurityContext).
  std::optional<bool> run_as_non_root;
  std::optional<int64_t> run_as_user;
  std::string seccomp_profile_type;
  // containers, then initContainers, then ephemeralContainers.
  std::vector<ContainerSecurity> containers;
  std::vector<HostPathVolume> host_path_volumes;
  std::string phase;  // status.phase: "Running", "Succeeded", ...; "" unset
};

struct PodListPage {
  std::vector<PodSecurity> pods;
  std::string continue_token;  // metadata.continue; "" on the last page
};

// `with_status`: also read status.phase and the containers' running state
// (else the status is skipped, whatever it holds).
absl::StatusOr<PodListPage> ParsePodListPage(std::string_view body,
                                             bool with_status = false);

// The message of a Kubernetes Status object (the body of API errors, e.g.
// `pods is forbidden: User "x" cannot list resource "pods" ...`), or ""
// when `body` is not one.
std::string StatusMessage(std::string_view body);

}  // namespace vigil::kube

#endif  // VIGIL_LIB_KUBE_POD_LIST_H_
