// ApiServer: wires the route table to the handlers and civetweb; applies
// the route prefix, readiness, CORS and the concurrency limit as
// Prometheus's web.go and api.Register do.
#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "lib/api/handlers.h"
#include "lib/api/http_server.h"
#include "lib/api/router.h"
#include "lib/model/absl_compat.h"
#include "lib/model/wall_clock.h"
#include "vigil/api.h"

namespace vigil::api {

namespace {

struct ApiRoute {
  std::string_view path;
  std::vector<std::string> methods;
  ApiFunc func;
};

// web/api/v1 Register(): which API functions answer which methods.
const std::vector<ApiRoute>& ApiRoutes() {
  static const auto* routes = new std::vector<ApiRoute>{
      {"/api/v1/query", {"GET", "POST"}, &HandleQuery},
      {"/api/v1/query_range", {"GET", "POST"}, &HandleQueryRange},
      {"/api/v1/query_exemplars", {"GET", "POST"}, &HandleQueryExemplars},
      {"/api/v1/format_query", {"GET", "POST"}, &HandleFormatQuery},
      {"/api/v1/series", {"GET", "POST"}, &HandleSeries},
      {"/api/v1/labels", {"GET", "POST"}, &HandleLabelNames},
      {"/api/v1/label/:name/values", {"GET"}, &HandleLabelValues},
      {"/api/v1/metadata", {"GET"}, &HandleMetricMetadata},
      {"/api/v1/rules", {"GET"}, &HandleRules},
      {"/api/v1/alerts", {"GET"}, &HandleAlerts},
      {"/api/v1/targets", {"GET"}, &HandleTargets},
      {"/api/v1/targets/metadata", {"GET"}, &HandleTargetMetadata},
      {"/api/v1/alertmanagers", {"GET"}, &HandleAlertmanagers},
      {"/api/v1/status/buildinfo", {"GET"}, &HandleBuildInfo},
      {"/api/v1/status/config", {"GET"}, &HandleConfig},
      {"/api/v1/status/flags", {"GET"}, &HandleFlags},
      {"/api/v1/status/runtimeinfo", {"GET"}, &HandleRuntimeInfo},
  };
  return *routes;
}

constexpr std::string_view kApiPrefix = "/api/v1/";

// httputil.SetCORS with Prometheus's default --web.cors.origin ".*".
void SetCors(const HttpRequest& req, HttpResponse* resp) {
  if (req.Header("Origin").empty()) return;
  resp->headers.emplace_back("Access-Control-Allow-Headers",
                             "Accept, Authorization, Content-Type, Origin");
  resp->headers.emplace_back("Access-Control-Allow-Methods",
                             "GET, POST, OPTIONS");
  resp->headers.emplace_back("Access-Control-Expose-Headers", "Date");
  resp->headers.emplace_back("Vary", "Origin");
  resp->headers.emplace_back("Access-Control-Allow-Origin", "*");
}

// Prometheus's web.go: --web.route-prefix, defaulting to the path of
// --web.external-url, with a leading slash and without a trailing one ("/"
// is the root, here "").
std::string RoutePrefix(std::string_view route_prefix,
                        std::string_view external_url) {
  std::string prefix(route_prefix);
  if (prefix.empty()) {
    const size_t scheme = external_url.find("://");
    if (scheme == std::string_view::npos) return "";
    // The authority ends at the path, or at a query or fragment when
    // there is no path.
    const size_t slash = external_url.find_first_of("/?#", scheme + 3);
    if (slash == std::string_view::npos || external_url[slash] != '/') {
      return "";
    }
    prefix = external_url.substr(slash);
    // The path ends where a query or fragment starts.
    prefix = prefix.substr(0, prefix.find_first_of("?#"));
  }
  if (prefix.empty() || prefix.front() != '/') prefix.insert(0, "/");
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return prefix;
}

// `/vigil` and `/vigil/…`, not `/vigilx`.
bool UnderPrefix(std::string_view path, std::string_view prefix) {
  return absl::StartsWith(ToAbsl(path), ToAbsl(prefix)) &&
         (path.size() == prefix.size() || path[prefix.size()] == '/');
}

}  // namespace

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(ToAbsl(k), ToAbsl(name))) return v;
  }
  return {};
}

struct ApiServer::Impl {
  ApiContext ctx;
  Router router;
  std::string route_prefix;
  mutable std::atomic<int> in_flight{0};
  HttpServer http;

  HttpResponse ServeApi(const HttpRequest& req, std::string_view param,
                        ApiFunc func) const;
  void BuildRoutes();
  // The answer to a request outside the route prefix, if it is one.
  std::optional<HttpResponse> OutsidePrefix(const HttpRequest& req) const;
  // `request` with the route prefix stripped (in `storage` when it was).
  const HttpRequest& StripPrefix(const HttpRequest& request,
                                 HttpRequest* storage) const;
  HttpResponse Serve(const HttpRequest& req) const;
  // Handle() with the body left to write_body where a handler streams it.
  HttpResponse HandleStreamed(const HttpRequest& request) const;
  // The RequestObserver's `handler` for a prefix-stripped request.
  std::string_view HandlerLabel(const HttpRequest& req) const;
};

HttpResponse ApiServer::Impl::ServeApi(const HttpRequest& req,
                                       std::string_view param,
                                       ApiFunc func) const {
  HttpResponse resp;
  // Prometheus's ready() wrapper: the API waits for the server.
  if (ctx.deps.ready && !ctx.deps.ready()) {
    resp.status = 503;
    resp.body = "Service Unavailable";
  } else if (ctx.deps.storage == nullptr) {
    resp = RenderApiResult(
        ApiResult::Error(ErrorType::kUnavailable, "no storage configured"));
  } else if (in_flight.fetch_add(1) >= ctx.options.max_concurrent_requests) {
    in_flight.fetch_sub(1);
    resp = RenderApiResult(ApiResult::Error(ErrorType::kUnavailable,
                                            "too many concurrent requests"));
  } else {
    // Released on every way out, an exception from an allocation included.
    struct Release {
      std::atomic<int>* n;
      ~Release() { n->fetch_sub(1); }
    } release{&in_flight};
    ApiRequest api_req;
    api_req.http = &req;
    api_req.path_param = std::string(param);
    // r.FormValue: an urlencoded POST body first, then the URL's query.
    if (req.method == "POST" &&
        absl::StartsWithIgnoreCase(ToAbsl(req.Header("Content-Type")),
                                   "application/x-www-form-urlencoded")) {
      api_req.form.Parse(req.body);
    }
    api_req.form.Parse(req.query_string);
    resp = RenderApiResult(func(ctx, api_req));
  }
  SetCors(req, &resp);
  return resp;
}

void ApiServer::Impl::BuildRoutes() {
  for (const ApiRoute& r : ApiRoutes()) {
    ApiFunc func = r.func;
    router.Add(r.path, r.methods,
               [this, func](const HttpRequest& req, std::string_view param) {
                 return ServeApi(req, param, func);
               });
  }
  auto plain =
      [this](HttpResponse (*fn)(const ApiContext&, const HttpRequest&)) {
        return [this, fn](const HttpRequest& req, std::string_view) {
          return fn(ctx, req);
        };
      };
  router.Add("/federate", {"GET", "POST"}, plain(&HandleFederate));
  router.Add("/-/healthy", {"GET", "HEAD"}, plain(&HandleHealthy));
  router.Add("/-/ready", {"GET", "HEAD"}, plain(&HandleReady));
  // Prometheus registers these either way, answering 403 when disabled.
  const bool lifecycle = ctx.options.enable_lifecycle;
  router.Add("/-/reload", {"POST", "PUT"},
             plain(lifecycle ? &HandleReload : &LifecycleDisabled));
  router.Add("/-/quit", {"POST", "PUT"},
             plain(lifecycle ? &HandleQuit : &LifecycleDisabled));
  if (ctx.deps.metrics_handler) {
    router.Add("/metrics", {"GET", "HEAD"},
               [this](const HttpRequest& req, std::string_view) {
                 return ctx.deps.metrics_handler(req);
               });
  }
  router.SetNotFound([](const HttpRequest& req) {
    if (absl::StartsWith(ToAbsl(req.path), ToAbsl(kApiPrefix))) {
      HttpResponse resp = RenderApiResult(
          ApiResult::Error(ErrorType::kNotFound, "page not found"));
      SetCors(req, &resp);
      return resp;
    }
    HttpResponse resp;
    resp.status = 404;
    resp.body = "404 page not found\n";
    return resp;
  });
}

ApiServer::ApiServer(ApiServerOptions options, ApiDependencies deps)
    : impl_(std::make_unique<Impl>()) {
  ApiContext& ctx = impl_->ctx;
  ctx.options = std::move(options);
  ctx.deps = std::move(deps);
  ctx.start_time_ms = WallClockMs();
  if (ctx.deps.engine != nullptr) {
    ctx.engine_options = ctx.deps.engine->options();
  }
  if (ctx.options.query_timeout.count() > 0) {
    ctx.engine_options.timeout = ctx.options.query_timeout;
  }
  if (ctx.options.max_samples > 0) {
    ctx.engine_options.max_samples = ctx.options.max_samples;
  }
  if (ctx.options.lookback_delta_ms > 0) {
    ctx.engine_options.lookback_delta_ms = ctx.options.lookback_delta_ms;
  }
  impl_->route_prefix =
      RoutePrefix(ctx.options.route_prefix, ctx.options.external_url);
  impl_->BuildRoutes();
}

ApiServer::~ApiServer() { Stop(); }

absl::Status ApiServer::Start() {
  if (impl_->ctx.deps.engine == nullptr || impl_->ctx.deps.storage == nullptr) {
    return absl::InvalidArgumentError(
        "ApiServer needs an engine and a storage");
  }
  HttpServerOptions http;
  http.listen_address = impl_->ctx.options.listen_address;
  http.num_threads = impl_->ctx.options.num_threads;
  http.max_body_bytes = impl_->ctx.options.max_request_body_bytes;
  http.max_header_bytes = impl_->ctx.options.max_request_header_bytes;
  http.read_timeout_ms = impl_->ctx.options.read_timeout_ms;
  http.web_config_file = impl_->ctx.options.web_config_file;
  http.log_error = impl_->ctx.options.log_error;
  return impl_->http.Start(http, [this](const HttpRequest& req) {
    return impl_->HandleStreamed(req);
  });
}

void ApiServer::Stop() { impl_->http.Stop(); }

int ApiServer::port() const { return impl_->http.port(); }

// Prometheus's web.go with a route prefix: the root router holds one route,
// GET / redirecting into the prefix, and every other route (the UI, the
// API, /metrics, /federate, /-/healthy, /-/ready) is registered under the
// prefix only, so whatever else lies outside it is 404.
std::optional<HttpResponse> ApiServer::Impl::OutsidePrefix(
    const HttpRequest& req) const {
  const std::string& prefix = route_prefix;
  const bool get = req.method == "GET" || req.method == "HEAD";
  // Locations are relative (the prefix's last segment, or the whole prefix
  // from the root, plus "/"), so that they also hold behind a proxy that
  // adds a path of its own, such as `kubectl proxy`. Prometheus sends
  // /prefix, which redirects to /prefix/ in turn.
  auto redirect = [](std::string location) {
    HttpResponse resp;
    resp.status = 302;
    resp.headers.emplace_back("Location", std::move(location));
    return resp;
  };
  if (req.path == prefix && get) {
    std::string location = prefix.substr(prefix.rfind('/') + 1) + "/";
    if (!req.query_string.empty()) location += "?" + req.query_string;
    return redirect(std::move(location));
  }
  if (req.path == "/") {
    if (get) return redirect(prefix.substr(1) + "/");
    HttpResponse resp;
    resp.status = 405;
    resp.body = "Method Not Allowed\n";
    resp.headers.emplace_back("Allow", "GET, HEAD");
    return resp;
  }
  if (UnderPrefix(req.path, prefix)) return std::nullopt;
  HttpResponse resp;
  resp.status = 404;
  resp.body = "404 page not found\n";
  return resp;
}

const HttpRequest& ApiServer::Impl::StripPrefix(const HttpRequest& request,
                                                HttpRequest* storage) const {
  const std::string& prefix = route_prefix;
  if (prefix.empty() || !UnderPrefix(request.path, prefix)) return request;
  *storage = request;
  storage->path = request.path.substr(prefix.size());
  if (storage->path.empty()) storage->path = "/";
  return *storage;
}

HttpResponse ApiServer::Impl::Serve(const HttpRequest& req) const {
  if (auto it = ctx.deps.extra_handlers.find(req.path);
      it != ctx.deps.extra_handlers.end()) {
    return it->second(req);
  }
  // api.options: any API path answers OPTIONS (CORS preflight) with 204.
  if (req.method == "OPTIONS" &&
      absl::StartsWith(ToAbsl(req.path), ToAbsl(kApiPrefix))) {
    HttpResponse resp;
    resp.status = 204;
    resp.content_type.clear();
    SetCors(req, &resp);
    return resp;
  }
  return router.Dispatch(req);
}

std::string_view ApiServer::Impl::HandlerLabel(const HttpRequest& req) const {
  if (auto it = ctx.deps.extra_handlers.find(req.path);
      it != ctx.deps.extra_handlers.end()) {
    return it->first;
  }
  std::string_view pattern = router.PatternFor(req.path);
  return pattern.empty() ? "other" : pattern;
}

HttpResponse ApiServer::Handle(const HttpRequest& request) const {
  HttpResponse resp = impl_->HandleStreamed(request);
  if (resp.write_body) {
    resp.body.clear();
    resp.write_body([&resp](std::string_view p) { resp.body.append(p); });
    resp.write_body = nullptr;
  }
  return resp;
}

HttpResponse ApiServer::Impl::HandleStreamed(const HttpRequest& request) const {
  if (!route_prefix.empty()) {
    if (auto resp = OutsidePrefix(request)) return *std::move(resp);
  }
  HttpRequest storage;
  const HttpRequest& req = StripPrefix(request, &storage);
  RequestObserver* observer = ctx.deps.request_observer;
  if (observer == nullptr) return Serve(req);
  const auto start = std::chrono::steady_clock::now();
  HttpResponse resp = Serve(req);
  std::string_view label = HandlerLabel(req);
  if (resp.write_body) {
    // Observed once the body is written: encoding and sending a large
    // answer is part of serving it, as in Prometheus's instrumentation.
    resp.write_body = [inner = std::move(resp.write_body), observer, label,
                       status = resp.status, start](
                          const std::function<void(std::string_view)>& write) {
      inner(write);
      const std::chrono::duration<double> took =
          std::chrono::steady_clock::now() - start;
      observer->ObserveRequest(label, status, took.count());
    };
    return resp;
  }
  const std::chrono::duration<double> took =
      std::chrono::steady_clock::now() - start;
  observer->ObserveRequest(label, resp.status, took.count());
  return resp;
}

}  // namespace vigil::api
