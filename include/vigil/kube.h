// kube: the security-context collector. Lists every pod from the Kubernetes
// API and turns its pod- and container-level securityContext into series
// named in kube-state-metrics' style, appended to a store like a scrape
// and rendered as Prometheus text exposition for an exporter endpoint.
//
// Listing: GET <api_url>/api/v1/pods?limit=<page_size>, then the same with
// continue=<metadata.continue> until the token is empty (the API's
// pagination). A 410 Gone on a continued page (the token expired, typically
// after the API server's etcd compaction) restarts the list from the first
// page, at most kMaxListRestarts times per collection. No resourceVersion is
// sent: each list is a consistent read of the whole cluster, not the watch
// cache's possibly older view. The bearer token file is re-read before every
// list, so rotated service-account tokens are picked up without a restart.
//
// Series (value 1; label values are the API's field values, "true"/"false"
// for booleans, decimal for integers):
//
//   kube_pod_security_context{namespace, pod, uid, privileged, host_network,
//       host_pid, host_ipc, run_as_non_root, run_as_user,
//       seccomp_profile_type}
//     Exactly one per pod, so `... * on(pod, namespace) group_left
//     kube_pod_security_context{...}` never matches many-to-many.
//     privileged is "true" when any container, init container or ephemeral
//     container is privileged. host_network / host_pid / host_ipc are
//     spec.hostNetwork / hostPID / hostIPC ("false" when unset, the API's
//     default); they are folded in here rather than into a family of their
//     own. run_as_non_root / run_as_user / seccomp_profile_type are the pod
//     securityContext's fields, "" (absent) when unset.
//
//   kube_pod_container_security_context{namespace, pod, uid, container,
//       container_type, privileged, allow_privilege_escalation,
//       run_as_non_root, run_as_user, read_only_root_filesystem,
//       seccomp_profile_type}
//     One per container. container_type is "container", "init" or
//     "ephemeral". Values are effective ones, as the kubelet applies them:
//     - privileged: the field, "false" when unset (the API default).
//     - allow_privilege_escalation: "false" only when the field is false and
//       the container is neither privileged nor adds CAP_SYS_ADMIN, in
//       either spelling, or ALL (the API reference: "AllowPrivilegeEscalation
//       is true always when the container is: 1) run as Privileged 2) has
//       CAP_SYS_ADMIN"; the API server only rejects the literal
//       "CAP_SYS_ADMIN" with false, so "SYS_ADMIN" can get through); else
//       "true" (unset: the kubelet does not set no_new_privs).
//     - run_as_non_root, run_as_user, seccomp_profile_type: the container's
//       field, else the pod securityContext's (the container's wins when
//       both are set, as in Kubernetes); "" (absent) when neither is set —
//       the image then decides, which the API cannot tell.
//     - read_only_root_filesystem: the field, "false" when unset.
//
//   kube_pod_container_security_context_capabilities_added{namespace, pod,
//       uid, container, container_type, capability}
//     One per distinct added capability. capability is upper-cased with a
//     leading "CAP_" removed ("SYS_ADMIN" and "CAP_SYS_ADMIN" are the same
//     capability to the runtime); "ALL" stays "ALL".
//
//   kube_pod_spec_volumes_host_path{namespace, pod, uid, volume, path, type}
//     One per hostPath volume; type is hostPath.type, "" when unset.
//
// An empty label value means the label is absent, as everywhere in
// Prometheus: {run_as_user=""} selects containers with no runAsUser.
//
// Health, appended to the store at every collection (successful or not) and
// rendered with the exposition:
//   vigil_kube_collector_up                             1 after a successful
//                                                       list, else 0
//   vigil_kube_collector_last_success_timestamp_seconds 0 before any success
//   vigil_kube_collector_pods                           pods in the last
//                                                       successful list
//   vigil_kube_collector_series                         pod series from it
//   vigil_kube_collector_list_duration_seconds          the last attempt's
//   vigil_kube_collector_errors_total{reason}           counter; every
//                                                       ErrorReasonName()
//                                                       present from the
//                                                       start, at 0
//
// Store semantics (like a scrape): one collection is one Appender committed
// at once, all samples at the collection's time. Series present in the
// previous successful collection but not in this one (a deleted pod, a
// changed securityContext) get a staleness marker (vigil::StaleNaN()). A
// failed collection (token unreadable, transport error or timeout, HTTP
// 401/403/410/5xx, malformed JSON, a limit exceeded) appends only the health
// series: the pod series are neither re-appended nor staled, so queries keep
// seeing them for the engine's lookback (5m) and alerts do not flap on one
// failed list. Stopping writes no staleness markers (as Prometheus on
// shutdown).
//
// Errors are values: CollectOnce() returns the failure, whose message names
// the page and the cause, e.g.
//   list pods, page 2: HTTP 403 Forbidden: pods is forbidden: User ...
//   list pods, page 1: malformed JSON at byte 1834: parse error at line 1,
//     column 1835: syntax error while parsing object ...
//   list pods, page 1: items[3].spec.hostNetwork: expected boolean, got
//     string
// and Status() keeps it with its ErrorReason until the next success.
//
// Limits (CollectorOptions): a collection fails with reason "limit" rather
// than report a truncated pod list — a partial list would stale the series
// of the pods it missed and hide them from alerts.
//
// Ownership: the store passed to Create() (any vigil::Appendable, e.g. a
// tsdb::Head) must outlive the Collector; it may be null (exposition only). The
// Collector owns its thread.
//
// Thread safety: every method may be called from any thread. Collections
// never overlap: CollectOnce() waits for one in progress (from Start()'s
// thread or another caller). Status() and RenderExposition() never wait for
// a collection.
#ifndef VIGIL_KUBE_H_
#define VIGIL_KUBE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace vigil {
class Appendable;
}

namespace vigil::kube {

// Where an in-cluster pod finds its service account (client-go's
// rest.InClusterConfig).
inline constexpr std::string_view kServiceAccountTokenFile =
    "/var/run/secrets/kubernetes.io/serviceaccount/token";
inline constexpr std::string_view kServiceAccountCaFile =
    "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";

// Prometheus's default scrape interval is 60s; pods come and go faster, and
// one paginated list every 30s is cheap for the API server.
inline constexpr int64_t kDefaultCollectIntervalMs = 30 * 1000;
// Per HTTP request (one page), as Prometheus's scrape timeout.
inline constexpr int64_t kDefaultRequestTimeoutMs = 10 * 1000;
// kubectl's and client-go pager's page size.
inline constexpr int kDefaultPageSize = 500;
// Kubernetes' documented scalability limit is 150,000 pods per cluster.
inline constexpr size_t kDefaultMaxPods = 150000;
// Pages per list: the pod limit at the default page size, with room for
// pages the API server returns short.
inline constexpr int kDefaultMaxPages = 1000;
// Per page. 500 pods with large specs and managedFields stay well below.
inline constexpr int64_t kDefaultMaxBodyBytes = int64_t{64} << 20;
// How often an expired continue token restarts the list in one collection.
inline constexpr int kMaxListRestarts = 1;
// RenderExposition() drops the pod series once the last successful list is
// older than this: the engine's default lookback, so an external Prometheus
// scraping vigil sees them vanish when vigil's own queries do.
inline constexpr int64_t kDefaultExpositionMaxAgeMs = 5 * 60 * 1000;

// The Content-Type RenderExposition()'s output is served with.
inline constexpr std::string_view kExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";

struct ApiConfig {
  // scheme://host[:port][/prefix], e.g. "https://10.96.0.1:443" or
  // "http://127.0.0.1:8001" (kubectl proxy); "/api/v1/pods" is appended.
  std::string api_url;
  // Bearer token file, re-read before every list; "" sends no token.
  std::string token_file;
  // PEM CA bundle for the API server's certificate; "" uses the system's.
  std::string ca_file;
  bool insecure_skip_verify = false;
};

// In-cluster configuration from KUBERNETES_SERVICE_HOST and
// KUBERNETES_SERVICE_PORT and the service account's token and CA files.
// FailedPrecondition when either variable is unset or empty (not running in
// a pod). The files are not read here: the collector reads the token at
// every list and reports it missing there.
absl::StatusOr<ApiConfig> InClusterConfig();

struct CollectorOptions {
  ApiConfig api;
  int64_t interval_ms = kDefaultCollectIntervalMs;  // Start()'s loop
  int64_t request_timeout_ms = kDefaultRequestTimeoutMs;
  int page_size = kDefaultPageSize;
  int max_pages = kDefaultMaxPages;
  size_t max_pods = kDefaultMaxPods;
  int64_t max_body_bytes = kDefaultMaxBodyBytes;
  int64_t exposition_max_age_ms = kDefaultExpositionMaxAgeMs;
  // Also write kube-state-metrics' kube_pod_status_phase,
  // kube_pod_container_status_running and
  // kube_pod_init_container_status_running from the pods' status, for a
  // one-shot check that has no kube-state-metrics to scrape. Off by
  // default: next to kube-state-metrics they would be duplicates.
  bool pod_status_series = false;
  // Milliseconds since the epoch for sample timestamps and the exposition's
  // max age; the system clock when unset. Tests replace it. Called from
  // the collecting thread and from RenderExposition()'s caller.
  std::function<int64_t()> now_ms;
};

// Why a collection failed; also the `reason` label of
// vigil_kube_collector_errors_total.
enum class ErrorReason {
  kNone,
  kToken,         // token file unreadable or empty
  kTransport,     // connect, DNS, TLS
  kTimeout,       // a request ran past request_timeout_ms
  kUnauthorized,  // HTTP 401
  kForbidden,     // HTTP 403 (RBAC: the ClusterRole needs list on pods)
  kExpired,       // HTTP 410 still after kMaxListRestarts restarts
  kHttpStatus,    // any other non-200 status
  kMalformed,     // not JSON, or not a PodList's shape
  kLimit,         // max_pods, max_pages or max_body_bytes exceeded
};
inline constexpr size_t kNumErrorReasons = 10;
// "", "token", "transport", "timeout", "unauthorized", "forbidden",
// "expired", "http_status", "malformed", "limit".
std::string_view ErrorReasonName(ErrorReason reason);

struct CollectorStatus {
  bool up = false;              // the last collection succeeded
  uint64_t collections = 0;     // attempts, cancelled ones excluded
  int64_t last_attempt_ms = 0;  // 0: never
  int64_t last_success_ms = 0;  // 0: never
  double last_duration_seconds = 0;
  size_t pods = 0;    // in the last successful list
  size_t series = 0;  // pod series it produced
  int pages = 0;      // pages it took
  // The last failure; cleared by a success.
  ErrorReason last_error_reason = ErrorReason::kNone;
  std::string last_error;
  // Failed collections by reason, indexed by ErrorReason.
  std::array<uint64_t, kNumErrorReasons> errors_total{};
  // Samples the store rejected (out of order: the clock went back) and
  // failed commits. Not collection failures.
  uint64_t append_errors = 0;
};

class Collector {
 public:
  // InvalidArgument for an unusable configuration: api_url not http(s),
  // or a non-positive interval, timeout, page size or limit.
  static absl::StatusOr<std::unique_ptr<Collector>> Create(
      CollectorOptions options, Appendable* storage);
  ~Collector();  // Stop()s
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  // Lists the pods once and appends the result; see the file comment.
  // Returns the failure (also kept in Status()), or Cancelled when Stop()
  // interrupted the list between pages (then nothing is recorded).
  absl::Status CollectOnce();

  // Starts a thread that collects now and then every interval_ms (on a
  // fixed grid, so a slow list does not shift later ones).
  // FailedPrecondition when already started.
  absl::Status Start();
  // Interrupts a list in progress at its next page, joins the thread.
  // Idempotent; a stopped collector may be started again.
  void Stop();

  CollectorStatus Status() const;

  // Text exposition format 0.0.4 of the last successful list's series
  // (omitted once older than exposition_max_age_ms) and the health series,
  // with HELP and TYPE for every family, no timestamps.
  std::string RenderExposition() const;

  struct Impl;

 private:
  explicit Collector(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::kube

#endif  // VIGIL_KUBE_H_
