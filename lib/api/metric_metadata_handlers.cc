// /api/v1/metadata and /api/v1/targets/metadata: the HELP, TYPE and UNIT
// the active targets declared, as Prometheus's api.metricMetadata and
// api.targetMetadata. Prometheus walks its targets in map order, so which
// entries a limit keeps is unspecified there; vigil walks pools by name and
// families by name, so the same request gives the same answer.
#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/api/handlers.h"
#include "lib/api/json_encoding.h"
#include "lib/api/params.h"
#include "lib/model/absl_compat.h"
#include "vigil/promql/parser.h"

namespace vigil::api {

namespace {

// A parameter Prometheus reads with strconv.Atoi; -1 (no limit) when
// absent.
std::optional<ApiResult> ParseAtoiParam(const ApiRequest& req,
                                        std::string_view name, int64_t* out) {
  *out = -1;
  std::string_view v = req.form.Value(name);
  if (v.empty()) return std::nullopt;
  absl::StatusOr<int64_t> n = ParseGoAtoi(v);
  if (!n.ok()) {
    return ApiResult::Error(ErrorType::kBadData,
                            absl::StrCat(ToAbsl(name), " must be a number"));
  }
  *out = *n;
  return std::nullopt;
}

std::vector<TargetMetadata> TargetsByPool(const ApiContext& ctx) {
  if (ctx.deps.targets == nullptr) return {};
  std::vector<TargetMetadata> targets =
      ctx.deps.targets->ActiveTargetsMetadata();
  std::stable_sort(targets.begin(), targets.end(),
                   [](const TargetMetadata& a, const TargetMetadata& b) {
                     return a.scrape_pool < b.scrape_pool;
                   });
  return targets;
}

const MetricMetadata* FindFamily(const TargetMetadata& t,
                                 std::string_view family) {
  for (const MetricMetadata& m : t.metadata) {
    if (m.metric_family == family) return &m;
  }
  return nullptr;
}

bool MatchesAll(const Matchers& matchers, const Labels& labels) {
  return std::all_of(
      matchers.begin(), matchers.end(),
      [&labels](const Matcher& m) { return m.Matches(labels.Get(m.name())); });
}

void WriteMetadataFields(JsonWriter& w, const MetricMetadata& m) {
  w.Key("type");
  w.String(m.type);
  w.Key("help");
  w.String(m.help);
  w.Key("unit");
  w.String(m.unit);
}

}  // namespace

ApiResult HandleMetricMetadata(const ApiContext& ctx, const ApiRequest& req) {
  int64_t limit = -1;
  int64_t limit_per_metric = -1;
  if (auto err = ParseAtoiParam(req, "limit", &limit)) return *err;
  if (auto err = ParseAtoiParam(req, "limit_per_metric", &limit_per_metric)) {
    return *err;
  }
  const std::string_view metric = req.form.Value("metric");

  using Entry = std::tuple<std::string, std::string, std::string>;
  // Per family, its distinct (type, help, unit) in the order first seen.
  std::map<std::string, std::vector<Entry>> families;
  auto add = [&](const MetricMetadata& m) {
    std::vector<Entry>& entries = families[m.metric_family];
    if (limit_per_metric > 0 &&
        static_cast<int64_t>(entries.size()) >= limit_per_metric) {
      return;
    }
    Entry e{m.type, m.help, m.unit};
    if (std::find(entries.begin(), entries.end(), e) == entries.end()) {
      entries.push_back(std::move(e));
    }
  };
  for (const TargetMetadata& t : TargetsByPool(ctx)) {
    if (metric.empty()) {
      for (const MetricMetadata& m : t.metadata) add(m);
    } else if (const MetricMetadata* m = FindFamily(t, metric)) {
      add(*m);
    }
  }

  JsonWriter w;
  w.BeginObject();
  int64_t written = 0;
  for (const auto& [family, entries] : families) {
    if (limit >= 0 && written >= limit) break;
    ++written;
    w.Key(family);
    w.BeginArray();
    for (const auto& [type, help, unit] : entries) {
      w.BeginObject();
      WriteMetadataFields(w, MetricMetadata{family, type, help, unit});
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return ApiResult::Data(w.Take());
}

ApiResult HandleTargetMetadata(const ApiContext& ctx, const ApiRequest& req) {
  int64_t limit = -1;
  if (auto err = ParseAtoiParam(req, "limit", &limit)) return *err;
  Matchers matchers;
  const std::string_view match_target = req.form.Value("match_target");
  if (!match_target.empty()) {
    absl::StatusOr<Matchers> m = promql::ParseMetricSelector(match_target);
    if (!m.ok()) return InvalidParam("match_target", m.status());
    matchers = *std::move(m);
  }
  const std::string_view metric = req.form.Value("metric");

  JsonWriter w;
  w.BeginArray();
  int64_t entries = 0;
  auto write = [&](const TargetMetadata& t, const MetricMetadata& m,
                   bool with_family) {
    w.BeginObject();
    w.Key("target");
    w.LabelsObject(t.labels);
    if (with_family) {
      w.Key("metric");
      w.String(m.metric_family);
    }
    WriteMetadataFields(w, m);
    w.EndObject();
    ++entries;
  };
  for (const TargetMetadata& t : TargetsByPool(ctx)) {
    // Prometheus checks the limit per target, so a target's families are
    // listed whole even when they pass it.
    if (limit >= 0 && entries >= limit) break;
    if (!MatchesAll(matchers, t.labels)) continue;
    if (metric.empty()) {
      for (const MetricMetadata& m : t.metadata) {
        write(t, m, !m.metric_family.empty());
      }
    } else if (const MetricMetadata* m = FindFamily(t, metric)) {
      write(t, *m, false);
    }
  }
  w.EndArray();
  return ApiResult::Data(w.Take());
}

}  // namespace vigil::api
