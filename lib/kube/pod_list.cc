#include "lib/kube/pod_list.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "lib/model/absl_compat.h"

namespace vigil::kube {
namespace {

using Json = nlohmann::json;

// Keys the collector never reads, dropped at any depth while parsing. None
// of them is also the name of a field it reads (a key is matched wherever
// it appears), so dropping them cannot lose data.
constexpr std::string_view kDiscardedKeys[] = {
    "affinity",
    "annotations",
    "args",
    "command",
    "conditions",
    "configMap",
    "dnsConfig",
    "downwardAPI",
    "env",
    "envFrom",
    "finalizers",
    "hostAliases",
    "hostIPs",
    "imagePullSecrets",
    "labels",
    "lastState",
    "lifecycle",
    "livenessProbe",
    "managedFields",
    "nodeSelector",
    "ownerReferences",
    "podIPs",
    "ports",
    "projected",
    "readinessGates",
    "readinessProbe",
    "resizePolicy",
    "resourceClaims",
    "resources",
    "schedulingGates",
    "secret",
    "startupProbe",
    "tolerations",
    "topologySpreadConstraints",
    "volumeDevices",
    "volumeMounts",
};

// Without status series the whole status goes; with them, what in it is
// not the phase or a container's name and running state (a termination
// message alone may be 4 KiB).
constexpr std::string_view kStatusKey = "status";
constexpr std::string_view kDiscardedStatusKeys[] = {
    "allocatedResources",
    "containerID",
    "image",
    "imageID",
    "message",
    "reason",
    "started",
    "terminated",
    "waiting",
};

template <size_t N>
bool Contains(const std::string_view (&keys)[N], const std::string& key) {
  return std::find(std::begin(keys), std::end(keys), key) != std::end(keys);
}

bool Keep(bool with_status, Json::parse_event_t event, const Json& parsed) {
  if (event != Json::parse_event_t::key) return true;
  const auto& key = parsed.get_ref<const std::string&>();
  if (Contains(kDiscardedKeys, key)) return false;
  if (!with_status) return key != kStatusKey;
  return !Contains(kDiscardedStatusKeys, key);
}

// nlohmann's what() starts with "[json.exception.parse_error.101] ".
std::string_view WithoutExceptionId(std::string_view what) {
  if (!what.empty() && what.front() == '[') {
    const size_t close = what.find("] ");
    if (close != std::string_view::npos) what.remove_prefix(close + 2);
  }
  return what;
}

absl::Status TypeError(absl::string_view path, absl::string_view key,
                       absl::string_view want, const Json& got) {
  return absl::InvalidArgumentError(absl::StrCat(path, path.empty() ? "" : ".",
                                                 key, ": expected ", want,
                                                 ", got ", got.type_name()));
}

// The member `key` of object `obj`, or nullptr when absent or null (Go's
// decoder leaves a null field unset, and so does the collector).
const Json* Member(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

absl::Status ReadBool(const Json& obj, const char* key, absl::string_view path,
                      std::optional<bool>* out) {
  const Json* v = Member(obj, key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_boolean()) return TypeError(path, key, "boolean", *v);
  *out = v->get<bool>();
  return absl::OkStatus();
}

absl::Status ReadBool(const Json& obj, const char* key, absl::string_view path,
                      bool* out) {
  std::optional<bool> v;
  if (absl::Status s = ReadBool(obj, key, path, &v); !s.ok()) return s;
  *out = v.value_or(false);
  return absl::OkStatus();
}

absl::Status ReadInt64(const Json& obj, const char* key, absl::string_view path,
                       std::optional<int64_t>* out) {
  const Json* v = Member(obj, key);
  if (v == nullptr) return absl::OkStatus();
  if (v->is_number_unsigned()) {
    if (v->get<uint64_t>() >
        static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return TypeError(path, key, "64-bit integer", *v);
    }
    *out = static_cast<int64_t>(v->get<uint64_t>());
    return absl::OkStatus();
  }
  if (!v->is_number_integer()) return TypeError(path, key, "integer", *v);
  *out = v->get<int64_t>();
  return absl::OkStatus();
}

absl::Status ReadString(const Json& obj, const char* key,
                        absl::string_view path, std::string* out) {
  const Json* v = Member(obj, key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_string()) return TypeError(path, key, "string", *v);
  *out = v->get<std::string>();
  return absl::OkStatus();
}

// Sets *out to the member when it is an object, nullptr when absent.
absl::Status ReadObject(const Json& obj, const char* key,
                        absl::string_view path, const Json** out) {
  *out = Member(obj, key);
  if (*out != nullptr && !(*out)->is_object()) {
    return TypeError(path, key, "object", **out);
  }
  return absl::OkStatus();
}

absl::Status ReadArray(const Json& obj, const char* key, absl::string_view path,
                       const Json** out) {
  *out = Member(obj, key);
  if (*out != nullptr && !(*out)->is_array()) {
    return TypeError(path, key, "array", **out);
  }
  return absl::OkStatus();
}

std::string ElementPath(absl::string_view path, absl::string_view key,
                        size_t i) {
  return absl::StrCat(path, path.empty() ? "" : ".", key, "[", i, "]");
}

std::string Child(absl::string_view path, absl::string_view key) {
  return absl::StrCat(path, ".", key);
}

// seccompProfile.type of a (pod or container) securityContext.
absl::Status ReadSeccompType(const Json& sc, absl::string_view path,
                             std::string* out) {
  const Json* profile = nullptr;
  if (absl::Status s = ReadObject(sc, "seccompProfile", path, &profile);
      !s.ok() || profile == nullptr) {
    return s;
  }
  return ReadString(*profile, "type", Child(path, "seccompProfile"), out);
}

absl::Status ParseContainerSecurityContext(const Json& sc,
                                           absl::string_view path,
                                           ContainerSecurity* c) {
  absl::Status s;
  if (s = ReadBool(sc, "privileged", path, &c->privileged); !s.ok()) return s;
  if (s = ReadBool(sc, "allowPrivilegeEscalation", path,
                   &c->allow_privilege_escalation);
      !s.ok()) {
    return s;
  }
  if (s = ReadBool(sc, "runAsNonRoot", path, &c->run_as_non_root); !s.ok()) {
    return s;
  }
  if (s = ReadInt64(sc, "runAsUser", path, &c->run_as_user); !s.ok()) return s;
  if (s = ReadBool(sc, "readOnlyRootFilesystem", path,
                   &c->read_only_root_filesystem);
      !s.ok()) {
    return s;
  }
  if (s = ReadSeccompType(sc, path, &c->seccomp_profile_type); !s.ok()) {
    return s;
  }
  const Json* caps = nullptr;
  if (s = ReadObject(sc, "capabilities", path, &caps); !s.ok()) return s;
  if (caps == nullptr) return absl::OkStatus();
  const std::string caps_path = Child(path, "capabilities");
  const Json* add = nullptr;
  if (s = ReadArray(*caps, "add", caps_path, &add); !s.ok()) return s;
  if (add == nullptr) return absl::OkStatus();
  for (size_t i = 0; i < add->size(); ++i) {
    const Json& cap = (*add)[i];
    if (!cap.is_string()) {
      return TypeError(caps_path, absl::StrCat("add[", i, "]"), "string", cap);
    }
    c->capabilities_added.push_back(cap.get<std::string>());
  }
  return absl::OkStatus();
}

absl::Status ParseContainers(const Json& spec, const char* key,
                             ContainerType type, absl::string_view spec_path,
                             std::vector<ContainerSecurity>* out) {
  const Json* list = nullptr;
  if (absl::Status s = ReadArray(spec, key, spec_path, &list);
      !s.ok() || list == nullptr) {
    return s;
  }
  for (size_t i = 0; i < list->size(); ++i) {
    const Json& item = (*list)[i];
    const std::string path = ElementPath(spec_path, key, i);
    if (!item.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": expected object, got ", item.type_name()));
    }
    ContainerSecurity c;
    c.type = type;
    if (absl::Status s = ReadString(item, "name", path, &c.name); !s.ok()) {
      return s;
    }
    const Json* sc = nullptr;
    if (absl::Status s = ReadObject(item, "securityContext", path, &sc);
        !s.ok()) {
      return s;
    }
    if (sc != nullptr) {
      absl::Status s = ParseContainerSecurityContext(
          *sc, Child(path, "securityContext"), &c);
      if (!s.ok()) return s;
    }
    out->push_back(std::move(c));
  }
  return absl::OkStatus();
}

absl::Status ParseVolumes(const Json& spec, absl::string_view spec_path,
                          std::vector<HostPathVolume>* out) {
  const Json* list = nullptr;
  if (absl::Status s = ReadArray(spec, "volumes", spec_path, &list);
      !s.ok() || list == nullptr) {
    return s;
  }
  for (size_t i = 0; i < list->size(); ++i) {
    const Json& item = (*list)[i];
    const std::string path = ElementPath(spec_path, "volumes", i);
    if (!item.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": expected object, got ", item.type_name()));
    }
    const Json* host_path = nullptr;
    if (absl::Status s = ReadObject(item, "hostPath", path, &host_path);
        !s.ok() || host_path == nullptr) {
      if (!s.ok()) return s;
      continue;
    }
    HostPathVolume v;
    const std::string hp_path = Child(path, "hostPath");
    absl::Status s = ReadString(item, "name", path, &v.name);
    if (s.ok()) s = ReadString(*host_path, "path", hp_path, &v.path);
    if (s.ok()) s = ReadString(*host_path, "type", hp_path, &v.type);
    if (!s.ok()) return s;
    out->push_back(std::move(v));
  }
  return absl::OkStatus();
}

absl::Status ParseSpec(const Json& spec, absl::string_view path,
                       PodSecurity* pod) {
  absl::Status s;
  if (s = ReadBool(spec, "hostNetwork", path, &pod->host_network); !s.ok()) {
    return s;
  }
  if (s = ReadBool(spec, "hostPID", path, &pod->host_pid); !s.ok()) return s;
  if (s = ReadBool(spec, "hostIPC", path, &pod->host_ipc); !s.ok()) return s;
  const Json* sc = nullptr;
  if (s = ReadObject(spec, "securityContext", path, &sc); !s.ok()) return s;
  if (sc != nullptr) {
    const std::string sc_path = Child(path, "securityContext");
    if (s = ReadBool(*sc, "runAsNonRoot", sc_path, &pod->run_as_non_root);
        !s.ok()) {
      return s;
    }
    if (s = ReadInt64(*sc, "runAsUser", sc_path, &pod->run_as_user); !s.ok()) {
      return s;
    }
    if (s = ReadSeccompType(*sc, sc_path, &pod->seccomp_profile_type);
        !s.ok()) {
      return s;
    }
  }
  if (s = ParseContainers(spec, "containers", ContainerType::kContainer, path,
                          &pod->containers);
      !s.ok()) {
    return s;
  }
  if (s = ParseContainers(spec, "initContainers", ContainerType::kInit, path,
                          &pod->containers);
      !s.ok()) {
    return s;
  }
  if (s = ParseContainers(spec, "ephemeralContainers",
                          ContainerType::kEphemeral, path, &pod->containers);
      !s.ok()) {
    return s;
  }
  return ParseVolumes(spec, path, &pod->host_path_volumes);
}

// status: the phase, and which containers run (state.running is set),
// matched to the spec's containers by kind and name.
absl::Status ParseStatus(const Json& status, absl::string_view path,
                         PodSecurity* pod) {
  if (absl::Status s = ReadString(status, "phase", path, &pod->phase);
      !s.ok()) {
    return s;
  }
  struct Kind {
    const char* key;
    ContainerType type;
  };
  for (const Kind& kind :
       {Kind{"containerStatuses", ContainerType::kContainer},
        Kind{"initContainerStatuses", ContainerType::kInit},
        Kind{"ephemeralContainerStatuses", ContainerType::kEphemeral}}) {
    const Json* list = nullptr;
    if (absl::Status s = ReadArray(status, kind.key, path, &list);
        !s.ok() || list == nullptr) {
      if (!s.ok()) return s;
      continue;
    }
    for (size_t i = 0; i < list->size(); ++i) {
      const Json& item = (*list)[i];
      const std::string item_path = ElementPath(path, kind.key, i);
      if (!item.is_object()) {
        return absl::InvalidArgumentError(absl::StrCat(
            item_path, ": expected object, got ", item.type_name()));
      }
      std::string name;
      const Json* state = nullptr;
      absl::Status s = ReadString(item, "name", item_path, &name);
      if (s.ok()) s = ReadObject(item, "state", item_path, &state);
      if (!s.ok()) return s;
      for (ContainerSecurity& c : pod->containers) {
        if (c.type == kind.type && c.name == name) {
          c.running = state != nullptr && Member(*state, "running") != nullptr;
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ParsePod(const Json& item, absl::string_view path,
                      PodSecurity* pod) {
  if (!item.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": expected object, got ", item.type_name()));
  }
  const Json* meta = nullptr;
  if (absl::Status s = ReadObject(item, "metadata", path, &meta); !s.ok()) {
    return s;
  }
  if (meta == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": no metadata"));
  }
  const std::string meta_path = Child(path, "metadata");
  absl::Status s =
      ReadString(*meta, "namespace", meta_path, &pod->namespace_name);
  if (s.ok()) s = ReadString(*meta, "name", meta_path, &pod->name);
  if (s.ok()) s = ReadString(*meta, "uid", meta_path, &pod->uid);
  if (!s.ok()) return s;
  if (pod->name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(meta_path, ": no name"));
  }
  const Json* spec = nullptr;
  if (s = ReadObject(item, "spec", path, &spec); !s.ok()) return s;
  if (spec != nullptr) {
    if (s = ParseSpec(*spec, Child(path, "spec"), pod); !s.ok()) return s;
  }
  const Json* status = nullptr;
  if (s = ReadObject(item, "status", path, &status); !s.ok()) return s;
  if (status == nullptr) return absl::OkStatus();
  return ParseStatus(*status, Child(path, "status"), pod);
}

}  // namespace

std::string_view ContainerTypeName(ContainerType type) {
  switch (type) {
    case ContainerType::kContainer:
      return "container";
    case ContainerType::kInit:
      return "init";
    case ContainerType::kEphemeral:
      return "ephemeral";
  }
  return "container";
}

absl::StatusOr<PodListPage> ParsePodListPage(std::string_view body,
                                             bool with_status) {
  Json doc;
  try {
    doc = Json::parse(
        body.begin(), body.end(),
        [with_status](int, Json::parse_event_t event, Json& parsed) {
          return Keep(with_status, event, parsed);
        });
  } catch (const Json::parse_error& e) {
    // e.byte counts from 1; the message reports a 0-based offset.
    return absl::InvalidArgumentError(
        absl::StrCat("malformed JSON at byte ", e.byte > 0 ? e.byte - 1 : 0,
                     ": ", ToAbsl(WithoutExceptionId(e.what()))));
  } catch (const Json::exception& e) {
    // Not expected from parsing, but nothing may escape the library.
    return absl::InvalidArgumentError(
        absl::StrCat("malformed JSON: ", ToAbsl(WithoutExceptionId(e.what()))));
  }
  if (!doc.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected a PodList object, got ", doc.type_name()));
  }
  std::string kind;
  if (absl::Status s = ReadString(doc, "kind", "", &kind); !s.ok()) return s;
  if (!kind.empty() && kind != "PodList") {
    return absl::InvalidArgumentError(
        absl::StrCat("expected kind PodList, got ", kind));
  }
  PodListPage page;
  const Json* meta = nullptr;
  if (absl::Status s = ReadObject(doc, "metadata", "", &meta); !s.ok()) {
    return s;
  }
  if (meta != nullptr) {
    absl::Status s =
        ReadString(*meta, "continue", "metadata", &page.continue_token);
    if (!s.ok()) return s;
  }
  const Json* items = nullptr;
  if (absl::Status s = ReadArray(doc, "items", "", &items); !s.ok()) return s;
  if (items == nullptr) return page;
  page.pods.resize(items->size());
  for (size_t i = 0; i < items->size(); ++i) {
    absl::Status s =
        ParsePod((*items)[i], ElementPath("", "items", i), &page.pods[i]);
    if (!s.ok()) return s;
  }
  return page;
}

std::string StatusMessage(std::string_view body) {
  const Json doc = Json::parse(body.begin(), body.end(), nullptr,
                               /*allow_exceptions=*/false);
  if (!doc.is_object()) return "";
  const Json* kind = Member(doc, "kind");
  const Json* message = Member(doc, "message");
  if (kind == nullptr || !kind->is_string() || *kind != "Status" ||
      message == nullptr || !message->is_string()) {
    return "";
  }
  return message->get<std::string>();
}

}  // namespace vigil::kube
