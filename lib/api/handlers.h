// What the API's handlers share: the server context, the result of an API
// function (Prometheus's apiFuncResult) and the handler entry points, one
// file per group. Internal to vigil_api.
#ifndef VIGIL_LIB_API_HANDLERS_H_
#define VIGIL_LIB_API_HANDLERS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "lib/api/params.h"
#include "vigil/api.h"
#include "vigil/promql/engine.h"

namespace vigil::api {

// Prometheus's errorType values; their status codes are in
// api_response.cc's table.
enum class ErrorType {
  kTimeout,
  kCanceled,
  kExec,
  kBadData,
  kInternal,
  kUnavailable,
  kNotFound,
  kNotAcceptable,
};

struct ApiError {
  ErrorType type = ErrorType::kInternal;
  std::string message;
};

// An API function's outcome: encoded "data", a query result to encode as
// the answer is sent, or an error.
struct ApiResult {
  std::string data;  // JSON; empty (and no query_data) means 204
  std::shared_ptr<const promql::QueryResult> query_data;
  std::vector<std::string> warnings;
  std::vector<std::string> infos;
  std::optional<ApiError> error;

  static ApiResult Data(std::string json) {
    ApiResult r;
    r.data = std::move(json);
    return r;
  }
  static ApiResult Error(ErrorType type, std::string message) {
    ApiResult r;
    r.error = ApiError{type, std::move(message)};
    return r;
  }
};

// invalidParamError: bad_data `invalid parameter "<param>": <message>`.
ApiResult InvalidParam(std::string_view param, std::string_view message);
ApiResult InvalidParam(std::string_view param, const absl::Status& status);
// returnAPIError: an engine or storage status as its error type.
ApiResult FromStatus(const absl::Status& status);

// What every handler reads; immutable while serving.
struct ApiContext {
  ApiServerOptions options;
  ApiDependencies deps;
  // The engine's options with the server's overrides applied.
  promql::EngineOptions engine_options;
  int64_t start_time_ms = 0;
  // /-/quit answers differently once termination was requested.
  mutable std::atomic<bool> quit_requested{false};

  int64_t NowMs() const;
};

struct ApiRequest {
  const HttpRequest* http = nullptr;
  Form form;               // body (urlencoded POST) then query string
  std::string path_param;  // e.g. the label name of /label/:name/values
};

using ApiFunc = ApiResult (*)(const ApiContext&, const ApiRequest&);

// query_handlers.cc
ApiResult HandleQuery(const ApiContext& ctx, const ApiRequest& req);
ApiResult HandleQueryRange(const ApiContext& ctx, const ApiRequest& req);
ApiResult HandleQueryExemplars(const ApiContext& ctx, const ApiRequest& req);
// format_query_handler.cc
ApiResult HandleFormatQuery(const ApiContext& ctx, const ApiRequest& req);
// metadata_handlers.cc
ApiResult HandleSeries(const ApiContext& ctx, const ApiRequest& req);
ApiResult HandleLabelNames(const ApiContext& ctx, const ApiRequest& req);
ApiResult HandleLabelValues(const ApiContext& ctx, const ApiRequest& req);
// metric_metadata_handlers.cc
ApiResult HandleMetricMetadata(const ApiContext& ctx, const ApiRequest& req);
ApiResult HandleTargetMetadata(const ApiContext& ctx, const ApiRequest& req);
// rules_handlers.cc
ApiResult HandleRules(const ApiContext& ctx, const ApiRequest& req);
ApiResult HandleAlerts(const ApiContext& ctx, const ApiRequest& req);
// targets_handlers.cc
ApiResult HandleTargets(const ApiContext& ctx, const ApiRequest& req);
ApiResult HandleAlertmanagers(const ApiContext& ctx, const ApiRequest& req);
// status_handlers.cc
ApiResult HandleBuildInfo(const ApiContext& ctx, const ApiRequest& req);
ApiResult HandleConfig(const ApiContext& ctx, const ApiRequest& req);
ApiResult HandleFlags(const ApiContext& ctx, const ApiRequest& req);
ApiResult HandleRuntimeInfo(const ApiContext& ctx, const ApiRequest& req);

// lifecycle_handlers.cc: plain-text endpoints outside /api/v1.
// GET /federate (federate_handler.cc).
HttpResponse HandleFederate(const ApiContext& ctx, const HttpRequest& req);
HttpResponse HandleHealthy(const ApiContext& ctx, const HttpRequest& req);
HttpResponse HandleReady(const ApiContext& ctx, const HttpRequest& req);
HttpResponse HandleReload(const ApiContext& ctx, const HttpRequest& req);
HttpResponse HandleQuit(const ApiContext& ctx, const HttpRequest& req);
HttpResponse LifecycleDisabled(const ApiContext& ctx, const HttpRequest& req);

// api_response.cc: the JSON envelope around an ApiResult.
HttpResponse RenderApiResult(const ApiResult& result);
// Prometheus's annotations.AsStrings cap, applied to warnings and infos.
void CapAnnotations(std::vector<std::string>* warnings,
                    std::vector<std::string>* infos);

}  // namespace vigil::api

#endif  // VIGIL_LIB_API_HANDLERS_H_
