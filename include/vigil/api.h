// ApiServer: the Prometheus-compatible HTTP API (web/api/v1 and the /-/
// lifecycle endpoints), served with civetweb, so that Grafana's Prometheus
// data source, promtool-style clients and dashboards work unchanged.
//
// Endpoints (GET, and POST with application/x-www-form-urlencoded where
// Prometheus accepts it):
//   /api/v1/query, /api/v1/query_range, /api/v1/query_exemplars,
//   /api/v1/series, /api/v1/labels, /api/v1/label/<name>/values,
//   /api/v1/metadata, /api/v1/rules, /api/v1/alerts, /api/v1/targets,
//   /api/v1/status/{buildinfo,config,flags,runtimeinfo},
//   /-/healthy, /-/ready, /-/reload and /-/quit (POST/PUT; 403 unless
//   enable_lifecycle), /metrics (metrics_handler) and any extra handlers.
// Responses have Prometheus's JSON shapes:
//   {"status":"success","data":…,"warnings":[…],"infos":[…]}
//   {"status":"error","errorType":"bad_data","error":"…"}
// with its status codes: 400 bad_data, 422 execution, 503 timeout,
// canceled and unavailable, 500 internal, 404 not_found, 405 for a known
// path with the wrong method (plain text, with an Allow header).
//
// Limits: request bodies above max_request_body_bytes get 413; requests
// whose line and headers exceed max_request_header_bytes are refused by
// civetweb; more than max_concurrent_requests API requests in flight get
// 503 "unavailable". Queries run with the server's timeout / max samples /
// lookback (0 keeps the engine's), the request's `timeout` shortening it.
//
// Ownership: the dependencies are borrowed and must outlive the server (or
// at least Stop()). Callbacks run on civetweb's worker threads; the quit
// callback must not call Stop() synchronously (Stop() waits for the
// workers) — signal another thread instead.
//
// Thread safety: Start() and Stop() from one controlling thread; Handle()
// and port() from any thread. No request, however malformed, crashes the
// server: errors are responses.
#ifndef VIGIL_API_H_
#define VIGIL_API_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "vigil/labels.h"
#include "vigil/promql/engine.h"
#include "vigil/rules.h"
#include "vigil/storage.h"

namespace vigil::api {

// Go's http.Request.ParseForm caps an urlencoded body at 10 MiB.
inline constexpr int64_t kDefaultMaxRequestBodyBytes = 10 << 20;
// Request line plus headers (civetweb's max_request_size); long PromQL in
// a GET URL must fit.
inline constexpr int64_t kDefaultMaxRequestHeaderBytes = 256 << 10;
// Prometheus's --web.read-timeout default: a client silent this long
// before its request is complete is disconnected.
inline constexpr int64_t kDefaultReadTimeoutMs = 5 * 60 * 1000;
// Prometheus's --query.max-concurrency default.
inline constexpr int kDefaultMaxConcurrentRequests = 20;
// civetweb worker threads: each keep-alive connection holds one.
inline constexpr int kDefaultNumThreads = 32;
// Prometheus's query_range guard: points per series.
inline constexpr int64_t kMaxRangeQueryPoints = 11000;
// Prometheus's annotations.AsStrings(query, 10, 10).
inline constexpr size_t kMaxAnnotationsPerKind = 10;

struct HttpRequest {
  std::string method;        // "GET", "POST", ...
  std::string path;          // URL-decoded, without the query string
  std::string query_string;  // raw (still percent-encoded)
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The first header named `name` (case-insensitive), "" when absent.
  std::string_view Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, the body is this function's output in place of `body`: it
  // calls `write` with the body's pieces in order, and the server sends
  // them on as they come (chunked once past a buffer), so that a large
  // answer is never held whole. It runs once, after the handler, on the
  // request's thread; ApiServer::Handle() collects it into `body`.
  using BodyWriter = std::function<void(
      const std::function<void(std::string_view piece)>& write)>;
  BodyWriter write_body;
  // Compressed with gzip when the request's Accept-Encoding lists it, as
  // Prometheus compresses its API's answers.
  bool compressible = false;
  // Runs once the response is on the wire, on the request's thread: what
  // would end the server (/-/quit) must not run before its own answer is
  // written.
  std::function<void()> after_send;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// /api/v1/status/buildinfo; "goVersion" is kept for clients that expect it.
struct BuildInfo {
  std::string version;
  std::string revision;
  std::string branch;
  std::string build_user;
  std::string build_date;
  std::string go_version;
};

// /api/v1/status/runtimeinfo (Prometheus's field set; the Go runtime
// fields carry this process's nearest equivalents).
struct RuntimeInfo {
  int64_t start_time_ms = 0;
  std::string cwd;
  std::string hostname;
  bool reload_config_success = true;
  int64_t last_config_time_ms = 0;
  int64_t corruption_count = 0;
  int64_t goroutine_count = 0;  // worker threads
  int64_t gomaxprocs = 0;       // hardware threads
  int64_t gomemlimit = 0;
  std::string gogc;
  std::string godebug;
  std::string storage_retention;
};

// One scrape target as /api/v1/targets shows it (Prometheus's
// web/api/v1 Target).
enum class TargetHealth { kUnknown, kUp, kDown };
std::string_view TargetHealthName(TargetHealth health);  // "up", …

struct ActiveTarget {
  Labels discovered_labels;  // before relabeling
  Labels labels;             // after relabeling
  std::string scrape_pool;
  std::string scrape_url;
  std::string global_url;  // empty: the scrape URL
  std::string last_error;
  int64_t last_scrape_ms = 0;  // 0: never
  double last_scrape_duration_seconds = 0;
  TargetHealth health = TargetHealth::kUnknown;
  std::string scrape_interval;  // e.g. "15s"
  std::string scrape_timeout;
};

struct DroppedTarget {
  Labels discovered_labels;
  std::string scrape_pool;
};

// One metric family as a target's scrapes declared it (HELP, TYPE, UNIT);
// what /api/v1/metadata and /api/v1/targets/metadata list.
struct MetricMetadata {
  std::string metric_family;
  std::string type;  // "counter", "gauge", …, "unknown"
  std::string help;
  std::string unit;
};

// An active target's metadata: its public labels and the families of its
// recent scrapes, sorted by family name.
struct TargetMetadata {
  std::string scrape_pool;
  Labels labels;
  std::vector<MetricMetadata> metadata;
};

// What the scrape layer exposes to the API. Implementations must be safe
// to call from any thread.
class TargetsSource {
 public:
  virtual ~TargetsSource() = default;
  virtual std::vector<ActiveTarget> ActiveTargets() const = 0;
  virtual std::vector<DroppedTarget> DroppedTargets() const = 0;
  // Sources that keep no metadata answer none, as Prometheus does for
  // targets never scraped.
  virtual std::vector<TargetMetadata> ActiveTargetsMetadata() const {
    return {};
  }
};

// /api/v1/alertmanagers: the POST URLs of the Alertmanagers in use, and of
// discovered ones that relabel_configs dropped.
struct AlertmanagerList {
  std::vector<std::string> active;
  std::vector<std::string> dropped;
};

// Sees every request the server answers, for request metrics (vigil's
// vigil_http_requests_total, after Prometheus's
// prometheus_http_requests_total) without tying this layer to a metrics
// library. `handler` is the route pattern that answered — "/api/v1/query",
// "/api/v1/label/:name/values", "/metrics", an extra handler's path, or
// "other" when no route matched — never the raw URL, so that a label made
// from it stays bounded. Called on the serving thread once the response is
// built; implementations must be thread-safe and quick.
class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  virtual void ObserveRequest(std::string_view handler, int status_code,
                              double duration_seconds) = 0;
};

struct ApiServerOptions {
  // "host:port", ":port" (all interfaces) or "[::1]:port"; port 0 picks a
  // free port (see ApiServer::port()).
  std::string listen_address = "0.0.0.0:9090";
  // Worker threads; each open connection (idle keep-alive ones too) holds
  // one, so this is --web.max-connections: more wait in the listen queue.
  int num_threads = kDefaultNumThreads;
  int64_t max_request_body_bytes = kDefaultMaxRequestBodyBytes;
  int64_t max_request_header_bytes = kDefaultMaxRequestHeaderBytes;
  int64_t read_timeout_ms = kDefaultReadTimeoutMs;  // --web.read-timeout
  // --web.config.file (exporter-toolkit's format: TLS, basic auth,
  // headers, rate limit) for every endpoint; empty: plain HTTP. Start()
  // fails when it does not validate; afterwards it is re-read when it or
  // a certificate it names changes.
  std::string web_config_file;
  // Errors found while serving, such as a rotated certificate that does
  // not load (handshakes fail until it does). Null: dropped.
  std::function<void(std::string_view)> log_error;
  int max_concurrent_requests = kDefaultMaxConcurrentRequests;
  // 0 keeps the engine's setting.
  std::chrono::milliseconds query_timeout{0};
  int64_t max_samples = 0;
  int64_t lookback_delta_ms = 0;
  // --web.external-url: its path (e.g. "/prometheus") is the route prefix
  // unless route_prefix is set.
  std::string external_url;
  // --web.route-prefix: where the routes are served ("/vigil"; "/" for the
  // root, as behind an ingress that strips the external URL's path). Empty:
  // the external URL's path. Requests outside it are served as well; a GET
  // of the prefix itself without its trailing slash is redirected to it
  // with one, so that the UI's relative links resolve under it.
  std::string route_prefix;
  bool enable_lifecycle = false;  // --web.enable-lifecycle
  BuildInfo build_info;
  std::map<std::string, std::string> flags;  // /api/v1/status/flags
};

struct ApiDependencies {
  const promql::Engine* engine = nullptr;     // required
  Storage* storage = nullptr;                 // required
  const rules::RuleManager* rules = nullptr;  // null: no rules
  const TargetsSource* targets = nullptr;     // null: no targets
  // null: none configured (both lists empty).
  std::function<AlertmanagerList()> alertmanagers;
  // GET /metrics (e.g. prometheus-cpp's registry serialized as text).
  HttpHandler metrics_handler;
  // More endpoints, by exact path (the route prefix is stripped first);
  // they take precedence over the built-in routes.
  std::map<std::string, HttpHandler> extra_handlers;
  // /-/reload; its error becomes "failed to reload config: <error>" (500).
  std::function<absl::Status()> reload;
  std::function<void()> quit;                // /-/quit; see the file comment
  std::function<std::string()> config_yaml;  // /api/v1/status/config
  // /-/ready and the API answer 503 while this returns false (null: ready).
  std::function<bool()> ready;
  // null: a RuntimeInfo built from the process itself.
  std::function<RuntimeInfo()> runtime_info;
  // global.external_labels as configured now (null: none), which /federate
  // adds to the series it serves.
  std::function<Labels()> external_labels;
  // The API's clock (null: the system clock), for `time` defaults.
  std::function<int64_t()> now_ms;
  // Borrowed; null: requests are not observed.
  RequestObserver* request_observer = nullptr;
};

class ApiServer {
 public:
  ApiServer(ApiServerOptions options, ApiDependencies deps);
  ~ApiServer();  // Stop()s
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds and starts serving. Fails (without serving) when the address is
  // malformed or cannot be bound, or a required dependency is missing.
  absl::Status Start();
  // Stops accepting and waits for in-flight requests. Idempotent.
  void Stop();
  // The bound port after Start() (the real one when 0 was asked), else 0.
  int port() const;

  // Serves one request in-process, exactly as over the network (minus
  // civetweb's own limits). For tests and embedding.
  HttpResponse Handle(const HttpRequest& request) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The API's time and duration parameter formats, for clients that take the
// same values (`vigil query --time`, `--step`).
//
// Prometheus's parseTime: unix seconds as a float (rounded to the
// millisecond) or RFC3339Nano, or Prometheus's min/max time strings.
// Error: `cannot parse "x" to a valid timestamp`.
absl::StatusOr<int64_t> ParseTimeMs(std::string_view s);
// Prometheus's parseDuration: float seconds or a Prometheus duration, in
// nanoseconds. Errors: `cannot parse "x" to a valid duration` (and "… It
// overflows int64").
absl::StatusOr<int64_t> ParseDurationNs(std::string_view s);

// exporter-toolkit's web.Validate, for `vigil check web-config`: the file
// parses strictly, its headers and bcrypt hashes are acceptable, and when
// it enables TLS its certificate, key and client CAs load and its client
// auth policy is consistent. Errors are the toolkit's texts.
absl::Status ValidateWebConfig(const std::string& path);

}  // namespace vigil::api

#endif  // VIGIL_API_H_
