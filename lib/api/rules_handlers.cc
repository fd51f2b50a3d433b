// /api/v1/rules and /api/v1/alerts, in the shapes of Prometheus's
// RuleDiscovery / AlertingRule / RecordingRule / AlertDiscovery.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "lib/api/handlers.h"
#include "lib/api/json_encoding.h"
#include "lib/model/absl_compat.h"
#include "lib/model/go_quote.h"
#include "vigil/promql/parser.h"

namespace vigil::api {

namespace {

double Seconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

// labels.Labels marshal in name order; annotations are labels too.
void SortedPairs(JsonWriter& w, std::vector<Label> pairs) {
  std::sort(pairs.begin(), pairs.end());
  w.BeginObject();
  for (const Label& l : pairs) {
    w.Key(l.name);
    w.String(l.value);
  }
  w.EndObject();
}

// rule.Query().String(): the expression as Prometheus prints it.
std::string QueryString(const std::string& expr) {
  auto parsed =
      promql::ParseExpr(expr, promql::ParseOptions::AllExperimental());
  return parsed.ok() ? promql::Format(**parsed) : expr;
}

// ActiveAlerts(): pending and firing, not the resolved ones kept for
// Alertmanager.
std::vector<rules::Alert> ActiveAlerts(const rules::Rule& rule) {
  std::vector<rules::Alert> out;
  for (rules::Alert& a : rule.alerts()) {
    if (a.resolved_at_ms == 0) out.push_back(std::move(a));
  }
  return out;
}

void WriteAlert(JsonWriter& w, const rules::Alert& a) {
  w.BeginObject();
  w.Key("labels");
  w.LabelsObject(a.labels);
  w.Key("annotations");
  SortedPairs(w, a.annotations);
  w.Key("state");
  w.String(rules::AlertStateName(a.state));
  w.Key("activeAt");
  w.Time(a.active_at_ms);
  if (a.keep_firing_since_ms != 0) {
    w.Key("keepFiringSince");
    w.Time(a.keep_firing_since_ms);
  }
  // Prometheus prints alert values with %e.
  w.Key("value");
  w.String(FormatFloatExp(a.value));
  w.EndObject();
}

struct RuleFilter {
  bool alerts = true;
  bool records = true;
  bool exclude_alerts = false;
  std::set<std::string> names, groups, files;

  bool Keep(const rules::Rule& r) const {
    if (r.is_alert() ? !alerts : !records) return false;
    return names.empty() || names.count(r.name()) > 0;
  }
  bool KeepGroup(const rules::RuleGroup& g) const {
    return (groups.empty() || groups.count(g.name()) > 0) &&
           (files.empty() || files.count(g.file()) > 0);
  }
  bool filtering() const {
    return !alerts || !records || !names.empty() || !groups.empty() ||
           !files.empty();
  }
};

// Go's strconv.ParseBool.
std::optional<bool> ParseGoBool(std::string_view s) {
  static constexpr std::string_view kTrue[] = {"1",    "t",    "T",
                                               "TRUE", "true", "True"};
  static constexpr std::string_view kFalse[] = {"0",     "f",     "F",
                                                "FALSE", "false", "False"};
  for (std::string_view t : kTrue) {
    if (s == t) return true;
  }
  for (std::string_view f : kFalse) {
    if (s == f) return false;
  }
  return std::nullopt;
}

void WriteRule(JsonWriter& w, const rules::Rule& r, bool exclude_alerts) {
  const RuleSpec& spec = r.spec();
  const std::string last_error = r.last_error();
  w.BeginObject();
  if (r.is_alert()) {
    w.Key("state");
    w.String(rules::AlertStateName(r.state()));
  }
  w.Key("name");
  w.String(r.name());
  w.Key("query");
  w.String(QueryString(spec.expr));
  if (r.is_alert()) {
    w.Key("duration");
    w.Number(Seconds(spec.for_ms));
    w.Key("keepFiringFor");
    w.Number(Seconds(spec.keep_firing_for_ms));
    w.Key("labels");
    w.LabelsObject(spec.labels);
    w.Key("annotations");
    SortedPairs(w, spec.annotations);
    w.Key("alerts");
    if (exclude_alerts) {
      w.Null();
    } else {
      w.BeginArray();
      for (const rules::Alert& a : ActiveAlerts(r)) WriteAlert(w, a);
      w.EndArray();
    }
  } else if (!spec.labels.empty()) {  // `omitempty` for recording rules
    w.Key("labels");
    w.LabelsObject(spec.labels);
  }
  w.Key("health");
  w.String(rules::RuleHealthName(r.health()));
  if (!last_error.empty()) {
    w.Key("lastError");
    w.String(last_error);
  }
  w.Key("evaluationTime");
  w.Number(static_cast<double>(r.last_eval_duration_us()) / 1e6);
  w.Key("lastEvaluation");
  w.Time(r.last_eval_ms());
  w.Key("type");
  w.String(r.is_alert() ? "alerting" : "recording");
  w.EndObject();
}

std::vector<std::shared_ptr<rules::RuleGroup>> Groups(const ApiContext& ctx) {
  if (ctx.deps.rules == nullptr) return {};
  return ctx.deps.rules->groups();
}

}  // namespace

ApiResult HandleRules(const ApiContext& ctx, const ApiRequest& req) {
  RuleFilter filter;
  const std::string type =
      absl::AsciiStrToLower(ToAbsl(req.form.Value("type")));
  if (!type.empty() && type != "alert" && type != "record") {
    return InvalidParam(
        "type", absl::StrCat("not supported value ", QuoteString(type)));
  }
  filter.alerts = type.empty() || type == "alert";
  filter.records = type.empty() || type == "record";
  for (std::string& v : req.form.Values("rule_name[]")) {
    filter.names.insert(std::move(v));
  }
  for (std::string& v : req.form.Values("rule_group[]")) {
    filter.groups.insert(std::move(v));
  }
  for (std::string& v : req.form.Values("file[]")) {
    filter.files.insert(std::move(v));
  }
  if (std::string_view ex = req.form.Value("exclude_alerts"); !ex.empty()) {
    auto b = ParseGoBool(ex);
    if (!b) {
      return InvalidParam("exclude_alerts",
                          absl::StrCat("strconv.ParseBool: parsing ",
                                       QuoteString(ex), ": invalid syntax"));
    }
    filter.exclude_alerts = *b;
  }

  JsonWriter w;
  w.BeginObject();
  w.Key("groups");
  w.BeginArray();
  for (const auto& group : Groups(ctx)) {
    if (!filter.KeepGroup(*group)) continue;
    std::vector<const rules::Rule*> kept;
    for (const auto& r : group->rules()) {
      if (filter.Keep(*r)) kept.push_back(r.get());
    }
    // With a filter, Prometheus leaves out groups left without rules.
    if (kept.empty() && filter.filtering()) continue;
    w.BeginObject();
    w.Key("name");
    w.String(group->name());
    w.Key("file");
    w.String(group->file());
    w.Key("rules");
    w.BeginArray();
    for (const rules::Rule* r : kept) WriteRule(w, *r, filter.exclude_alerts);
    w.EndArray();
    w.Key("interval");
    w.Number(Seconds(group->interval_ms()));
    w.Key("limit");
    w.Int(group->limit());
    w.Key("evaluationTime");
    w.Number(static_cast<double>(group->last_eval_duration_us()) / 1e6);
    w.Key("lastEvaluation");
    w.Time(group->last_eval_ms());
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return ApiResult::Data(w.Take());
}

ApiResult HandleAlerts(const ApiContext& ctx, const ApiRequest& /*req*/) {
  JsonWriter w;
  w.BeginObject();
  w.Key("alerts");
  w.BeginArray();
  for (const auto& group : Groups(ctx)) {
    for (const auto& r : group->rules()) {
      if (!r->is_alert()) continue;
      for (const rules::Alert& a : ActiveAlerts(*r)) WriteAlert(w, a);
    }
  }
  w.EndArray();
  w.EndObject();
  return ApiResult::Data(w.Take());
}

}  // namespace vigil::api
