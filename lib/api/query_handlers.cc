// /api/v1/query, /api/v1/query_range and /api/v1/query_exemplars, as
// Prometheus's api.query / queryRange / queryExemplars.
#include <algorithm>
#include <chrono>
#include <limits>
#include <memory>
#include <string>
#include <variant>

#include "absl/strings/str_cat.h"
#include "lib/api/handlers.h"
#include "lib/api/params.h"
#include "lib/model/go_quote.h"
#include "vigil/promql/parser.h"

namespace vigil::api {

namespace {

constexpr int64_t kNanosPerMilli = 1000000;

// The per-request knobs shared by instant and range queries.
struct QueryKnobs {
  int64_t limit = 0;
  std::optional<int64_t> timeout_ns;
  std::optional<int64_t> lookback_ns;
};

std::optional<ApiResult> ParseTimeout(const ApiRequest& req, QueryKnobs* k) {
  std::string_view to = req.form.Value("timeout");
  if (to.empty()) return std::nullopt;
  auto d = ParseDurationNs(to);
  if (!d.ok()) return InvalidParam("timeout", d.status());
  k->timeout_ns = *d;
  return std::nullopt;
}

// extractQueryOpts: lookback_delta.
std::optional<ApiResult> ParseQueryOpts(const ApiRequest& req, QueryKnobs* k) {
  std::string_view lb = req.form.Value("lookback_delta");
  if (lb.empty()) return std::nullopt;
  auto d = ParseDurationNs(lb);
  if (!d.ok()) {
    return ApiResult::Error(
        ErrorType::kBadData,
        absl::StrCat("error parsing lookback delta duration: ",
                     d.status().message()));
  }
  k->lookback_ns = *d;
  return std::nullopt;
}

// The engine's options for this request: the `timeout` parameter can only
// shorten the server's timeout (Prometheus wraps the request context).
promql::EngineOptions RequestEngineOptions(const ApiContext& ctx,
                                           const QueryKnobs& k) {
  promql::EngineOptions opts = ctx.engine_options;
  if (k.timeout_ns) {
    const auto req_timeout = std::chrono::milliseconds(
        std::max<int64_t>(0, *k.timeout_ns / kNanosPerMilli));
    opts.timeout = std::min(opts.timeout, req_timeout);
  }
  return opts;
}

// truncateResults: vectors and matrices only.
bool Truncate(promql::QueryResult* result, int64_t limit) {
  if (limit <= 0) return false;
  const auto n = static_cast<size_t>(limit);
  if (auto* vec = std::get_if<promql::Vector>(&result->value)) {
    if (vec->size() > n) {
      vec->resize(n);
      return true;
    }
  } else if (auto* mat = std::get_if<promql::Matrix>(&result->value)) {
    if (mat->size() > n) {
      mat->resize(n);
      return true;
    }
  }
  return false;
}

ApiResult Execute(const ApiContext& ctx, const promql::Expr& expr,
                  std::string_view query, int64_t start_ms, int64_t end_ms,
                  int64_t step_ms, const QueryKnobs& knobs) {
  const promql::Engine engine(RequestEngineOptions(ctx, knobs));
  promql::QueryOptions qopts;
  qopts.query_text = query;
  if (knobs.lookback_ns && *knobs.lookback_ns > 0) {
    qopts.lookback_delta_ms = *knobs.lookback_ns / kNanosPerMilli;
  }
  auto result = engine.Evaluate(*ctx.deps.storage, expr, start_ms, end_ms,
                                step_ms, qopts);
  // The query parsed and type-checked above, so whatever fails now is an
  // execution error, even an InvalidArgument (the function implementations
  // use it for runtime failures such as label_replace's duplicates).
  if (!result.ok()) return FromStatus(result.status());
  std::vector<std::string> warnings = std::move(result->warnings);
  if (Truncate(&*result, knobs.limit)) {
    warnings.push_back("results truncated due to limit");
  }
  ApiResult out;
  out.warnings = std::move(warnings);
  out.infos = std::move(result->infos);
  // Encoded while it is sent (RenderApiResult).
  out.query_data =
      std::make_shared<const promql::QueryResult>(std::move(*result));
  return out;
}

}  // namespace

ApiResult HandleQuery(const ApiContext& ctx, const ApiRequest& req) {
  QueryKnobs knobs;
  auto limit = ParseLimit(req.form.Value("limit"));
  if (!limit.ok()) return InvalidParam("limit", limit.status());
  knobs.limit = *limit;
  auto ts = ParseTimeParam(req.form, "time", ctx.NowMs());
  if (!ts.ok()) return InvalidParam("time", ts.status());
  if (auto err = ParseTimeout(req, &knobs)) return *err;
  if (auto err = ParseQueryOpts(req, &knobs)) return *err;

  std::string_view query = req.form.Value("query");
  auto expr = promql::ParseExpr(query, ctx.engine_options.parse_options);
  if (!expr.ok()) return InvalidParam("query", expr.status());
  return Execute(ctx, **expr, query, *ts, *ts, 0, knobs);
}

ApiResult HandleQueryRange(const ApiContext& ctx, const ApiRequest& req) {
  QueryKnobs knobs;
  auto limit = ParseLimit(req.form.Value("limit"));
  if (!limit.ok()) return InvalidParam("limit", limit.status());
  knobs.limit = *limit;
  auto start = ParseTimeMs(req.form.Value("start"));
  if (!start.ok()) return InvalidParam("start", start.status());
  auto end = ParseTimeMs(req.form.Value("end"));
  if (!end.ok()) return InvalidParam("end", end.status());
  if (*end < *start) {
    return InvalidParam("end", "end timestamp must not be before start time");
  }
  auto step = ParseDurationNs(req.form.Value("step"));
  if (!step.ok()) return InvalidParam("step", step.status());
  if (*step <= 0) {
    return InvalidParam("step",
                        "zero or negative query resolution step widths are "
                        "not accepted. Try a positive integer");
  }
  // Prometheus divides time.Durations: nanoseconds, saturating. The
  // difference itself can pass int64 (start=-9e15&end=9e15), and a wrapped
  // one would let a query of 10^13 steps through.
  const __int128 span_ns =
      (static_cast<__int128>(*end) - *start) * kNanosPerMilli;
  const __int128 max_ns = std::numeric_limits<int64_t>::max();
  if (std::min(span_ns, max_ns) / *step > kMaxRangeQueryPoints) {
    return ApiResult::Error(
        ErrorType::kBadData,
        "exceeded maximum resolution of 11,000 points per timeseries. Try "
        "decreasing the query resolution (?step=XX)");
  }
  if (auto err = ParseTimeout(req, &knobs)) return *err;
  if (auto err = ParseQueryOpts(req, &knobs)) return *err;

  std::string_view query = req.form.Value("query");
  auto expr = promql::ParseExpr(query, ctx.engine_options.parse_options);
  if (!expr.ok()) return InvalidParam("query", expr.status());
  const promql::ValueType type = (*expr)->type();
  if (type != promql::ValueType::kVector &&
      type != promql::ValueType::kScalar) {
    return InvalidParam(
        "query",
        absl::StrCat("invalid expression type ",
                     QuoteString(promql::ValueTypeName(type)),
                     " for range query, must be Scalar or instant Vector"));
  }
  // The engine works in milliseconds; a sub-millisecond step still steps.
  const int64_t step_ms = std::max<int64_t>(1, *step / kNanosPerMilli);
  return Execute(ctx, **expr, query, *start, *end, step_ms, knobs);
}

ApiResult HandleQueryExemplars(const ApiContext& ctx, const ApiRequest& req) {
  auto start = ParseTimeParam(req.form, "start", kMinTimeMs);
  if (!start.ok()) return InvalidParam("start", start.status());
  auto end = ParseTimeParam(req.form, "end", kMaxTimeMs);
  if (!end.ok()) return InvalidParam("end", end.status());
  if (*end < *start) {
    return ApiResult::Error(ErrorType::kBadData,
                            "end timestamp must not be before start timestamp");
  }
  auto expr = promql::ParseExpr(req.form.Value("query"),
                                ctx.engine_options.parse_options);
  if (!expr.ok()) {
    return ApiResult::Error(ErrorType::kBadData,
                            std::string(expr.status().message()));
  }
  // vigil stores no exemplars: every selector has none.
  return ApiResult::Data("[]");
}

}  // namespace vigil::api
