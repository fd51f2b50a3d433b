// /api/v1/series, /api/v1/labels and /api/v1/label/<name>/values, as
// Prometheus's api.series / labelNames / labelValues.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/api/handlers.h"
#include "lib/api/json_encoding.h"
#include "lib/api/params.h"
#include "lib/model/absl_compat.h"
#include "lib/model/go_quote.h"
#include "lib/model/utf8.h"

namespace vigil::api {

namespace {

constexpr std::string_view kTruncated = "results truncated due to limit";

struct TimeRange {
  int64_t start = kMinTimeMs;
  int64_t end = kMaxTimeMs;
};

std::optional<ApiResult> ParseRange(const ApiRequest& req, TimeRange* r) {
  auto start = ParseTimeParam(req.form, "start", kMinTimeMs);
  if (!start.ok()) return InvalidParam("start", start.status());
  auto end = ParseTimeParam(req.form, "end", kMaxTimeMs);
  if (!end.ok()) return InvalidParam("end", end.status());
  r->start = *start;
  r->end = *end;
  return std::nullopt;
}

ApiResult StringList(std::vector<std::string> values, int64_t limit) {
  std::vector<std::string> warnings;
  if (limit > 0 && values.size() > static_cast<size_t>(limit)) {
    values.resize(static_cast<size_t>(limit));
    warnings.emplace_back(kTruncated);
  }
  JsonWriter w;
  w.BeginArray();
  for (const std::string& v : values) w.String(v);
  w.EndArray();
  ApiResult out = ApiResult::Data(w.Take());
  out.warnings = std::move(warnings);
  return out;
}

// Label names or values over the union of match[] sets (all series when
// there is none), sorted and distinct.
template <typename Fetch>
ApiResult CollectStrings(const ApiContext& ctx, const ApiRequest& req,
                         Fetch fetch) {
  auto limit = ParseLimit(req.form.Value("limit"));
  if (!limit.ok()) return InvalidParam("limit", limit.status());
  TimeRange range;
  if (auto err = ParseRange(req, &range)) return *err;
  auto sets = ParseMatchersParam(req.form.Values("match[]"));
  if (!sets.ok()) {
    return ApiResult::Error(ErrorType::kBadData,
                            std::string(sets.status().message()));
  }
  auto querier = ctx.deps.storage->OpenQuerier(range.start, range.end);
  if (!querier.ok()) return FromStatus(querier.status());

  std::set<std::string> merged;
  if (sets->empty()) sets->emplace_back();
  for (const Matchers& ms : *sets) {
    auto values = fetch(**querier, ms);
    if (!values.ok()) return FromStatus(values.status());
    merged.insert(values->begin(), values->end());
  }
  return StringList(std::vector<std::string>(merged.begin(), merged.end()),
                    *limit);
}

}  // namespace

ApiResult HandleSeries(const ApiContext& ctx, const ApiRequest& req) {
  if (req.form.error()) {
    return ApiResult::Error(
        ErrorType::kBadData,
        absl::StrCat("error parsing form values: ", *req.form.error()));
  }
  std::vector<std::string> match = req.form.Values("match[]");
  if (match.empty()) {
    return ApiResult::Error(ErrorType::kBadData,
                            "no match[] parameter provided");
  }
  auto limit = ParseLimit(req.form.Value("limit"));
  if (!limit.ok()) return InvalidParam("limit", limit.status());
  TimeRange range;
  if (auto err = ParseRange(req, &range)) return *err;
  auto sets = ParseMatchersParam(match);
  if (!sets.ok()) return InvalidParam("match[]", sets.status());

  auto querier = ctx.deps.storage->OpenQuerier(range.start, range.end);
  if (!querier.ok()) return FromStatus(querier.status());
  const SelectHints hints{range.start, range.end};
  // Several match[] sets may select the same series: merge like
  // storage.NewMergeSeriesSet, sorted by labels.
  std::set<Labels> merged;
  for (const Matchers& ms : *sets) {
    auto series = (*querier)->Select(hints, ms);
    if (!series.ok()) return FromStatus(series.status());
    for (const auto& s : *series) merged.insert(s->labels());
  }
  std::vector<std::string> warnings;
  JsonWriter w;
  w.BeginArray();
  size_t n = 0;
  for (const Labels& ls : merged) {
    if (*limit > 0 && n == static_cast<size_t>(*limit)) {
      warnings.emplace_back(kTruncated);
      break;
    }
    w.LabelsObject(ls);
    ++n;
  }
  w.EndArray();
  ApiResult out = ApiResult::Data(w.Take());
  out.warnings = std::move(warnings);
  return out;
}

ApiResult HandleLabelNames(const ApiContext& ctx, const ApiRequest& req) {
  return CollectStrings(ctx, req, [](Querier& q, const Matchers& ms) {
    return q.LabelNames(ms);
  });
}

ApiResult HandleLabelValues(const ApiContext& ctx, const ApiRequest& req) {
  // Prometheus 3 accepts any UTF-8 name, "U__"-escaped in the path when
  // the client chose to.
  std::string name = UnescapeLabelName(req.path_param);
  if (name.empty() || !IsValidUtf8(name)) {
    return ApiResult::Error(
        ErrorType::kBadData,
        absl::StrCat("invalid label name: ", QuoteString(name)));
  }
  return CollectStrings(ctx, req, [&name](Querier& q, const Matchers& ms) {
    return q.LabelValues(name, ms);
  });
}

}  // namespace vigil::api
