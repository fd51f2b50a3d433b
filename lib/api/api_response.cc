// The response envelope of web/api/v1 (respond / respondError) and the
// mapping of errors to errorType and status code.
#include <chrono>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "lib/api/handlers.h"
#include "lib/api/json_encoding.h"
#include "lib/api/response_writer.h"
#include "lib/model/absl_compat.h"
#include "lib/model/go_quote.h"
#include "lib/model/wall_clock.h"

namespace vigil::api {

namespace {

struct ErrorTypeInfo {
  ErrorType type;
  std::string_view name;
  int status;
};

// Prometheus's errorType strings and getDefaultErrorCode.
constexpr ErrorTypeInfo kErrorTypes[] = {
    {ErrorType::kTimeout, "timeout", 503},
    {ErrorType::kCanceled, "canceled", 503},
    {ErrorType::kExec, "execution", 422},
    {ErrorType::kBadData, "bad_data", 400},
    {ErrorType::kInternal, "internal", 500},
    {ErrorType::kUnavailable, "unavailable", 503},
    {ErrorType::kNotFound, "not_found", 404},
    {ErrorType::kNotAcceptable, "not_acceptable", 406},
};

const ErrorTypeInfo& InfoFor(ErrorType type) {
  for (const ErrorTypeInfo& info : kErrorTypes) {
    if (info.type == type) return info;
  }
  return kErrorTypes[4];  // internal
}

void AppendStrings(JsonWriter& w, std::string_view key,
                   const std::vector<std::string>& values) {
  // `omitempty` in Prometheus's Response struct.
  if (values.empty()) return;
  w.Key(key);
  w.BeginArray();
  for (const std::string& v : values) w.String(v);
  w.EndArray();
}

}  // namespace

int64_t ApiContext::NowMs() const {
  if (deps.now_ms) return deps.now_ms();
  return WallClockMs();
}

ApiResult InvalidParam(std::string_view param, std::string_view message) {
  return ApiResult::Error(ErrorType::kBadData,
                          absl::StrCat("invalid parameter ", QuoteString(param),
                                       ": ", ToAbsl(message)));
}

ApiResult InvalidParam(std::string_view param, const absl::Status& status) {
  return InvalidParam(param, FromAbsl(status.message()));
}

ApiResult FromStatus(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kDeadlineExceeded:
      return ApiResult::Error(ErrorType::kTimeout,
                              std::string(status.message()));
    case absl::StatusCode::kCancelled:
      return ApiResult::Error(ErrorType::kCanceled,
                              std::string(status.message()));
    // Storage failures (Prometheus's ErrStorage) and engine bugs.
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kUnknown:
      return ApiResult::Error(ErrorType::kInternal,
                              std::string(status.message()));
    default:
      return ApiResult::Error(ErrorType::kExec, std::string(status.message()));
  }
}

void CapAnnotations(std::vector<std::string>* warnings,
                    std::vector<std::string>* infos) {
  if (warnings->size() > kMaxAnnotationsPerKind) {
    const size_t skipped = warnings->size() - kMaxAnnotationsPerKind;
    warnings->resize(kMaxAnnotationsPerKind);
    warnings->push_back(
        absl::StrCat(skipped, " more warning annotations omitted"));
  }
  if (infos->size() > kMaxAnnotationsPerKind) {
    const size_t skipped = infos->size() - kMaxAnnotationsPerKind;
    infos->resize(kMaxAnnotationsPerKind);
    infos->push_back(absl::StrCat(skipped, " more info annotations omitted"));
  }
}

HttpResponse RenderApiResult(const ApiResult& result) {
  HttpResponse resp;
  resp.content_type = "application/json";
  resp.compressible = true;
  if (result.error) {
    const ErrorTypeInfo& info = InfoFor(result.error->type);
    resp.status = info.status;
    JsonWriter w;
    w.BeginObject();
    w.Key("status");
    w.String("error");
    w.Key("errorType");
    w.String(info.name);
    w.Key("error");
    w.String(result.error->message);
    w.EndObject();
    resp.body = w.Take();
    return resp;
  }
  if (result.data.empty() && result.query_data == nullptr) {
    // Prometheus answers a nil result with 204 and no body.
    resp.status = 204;
    resp.content_type.clear();
    resp.compressible = false;
    return resp;
  }
  struct Success {
    std::string data;
    std::shared_ptr<const promql::QueryResult> query_data;
    std::vector<std::string> warnings;
    std::vector<std::string> infos;
  };
  auto success = std::make_shared<Success>();
  success->data = result.data;
  success->query_data = result.query_data;
  success->warnings = result.warnings;
  success->infos = result.infos;
  CapAnnotations(&success->warnings, &success->infos);
  // Written as it is sent: a query's answer can be hundreds of MB of JSON.
  resp.write_body = [success](const JsonWriter::Sink& write) {
    JsonWriter w(write, kResponseBufferBytes);
    w.BeginObject();
    w.Key("status");
    w.String("success");
    w.Key("data");
    if (success->query_data != nullptr) {
      WriteQueryData(*success->query_data, w);
    } else {
      w.Raw(success->data);
    }
    AppendStrings(w, "warnings", success->warnings);
    AppendStrings(w, "infos", success->infos);
    w.EndObject();
    w.Flush();
  };
  return resp;
}

}  // namespace vigil::api
