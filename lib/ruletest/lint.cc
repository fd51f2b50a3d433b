// `check rules`: promtool's validation and duplicate-rules lint, plus vigil's
// own warnings for mistakes that validate but misbehave:
//   counter-functions  rate/increase/irate over a name that is not a
//                      counter's (Prometheus's own "metric might not be a
//                      counter" info annotation, caught before deployment)
//   short-for          `for` shorter than the group interval: an alert goes
//                      pending on one evaluation and fires on the next, so
//                      the effective `for` is the interval
//   annotations        an alert with neither summary nor description, which
//                      leaves the receiver with only the alert name
#include <algorithm>
#include <map>
#include <ostream>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/model/absl_compat.h"
#include "lib/model/duration.h"
#include "lib/ruletest/expr_walk.h"
#include "vigil/promql/engine.h"
#include "vigil/promql/parser.h"
#include "vigil/rules.h"
#include "vigil/ruletest.h"
#include "vigil/tsdb.h"

namespace vigil::ruletest {
namespace {

// Prometheus's default global evaluation_interval.
constexpr int64_t kDefaultGroupIntervalMs = 60 * 1000;

// The functions Prometheus annotates when their input is not a counter, and
// the suffixes it accepts as counters (promql/functions.go).
constexpr std::string_view kCounterFunctions[] = {"rate", "increase", "irate"};
constexpr std::string_view kCounterSuffixes[] = {"_total", "_sum", "_count",
                                                 "_bucket"};

std::string Where(const std::string& file, SourcePosition p) {
  return absl::StrCat(file, ":", p.line, ":", p.column, ": ");
}

bool Enabled(const CheckOptions& o, std::string_view check) {
  for (const std::string& l : o.lint) {
    if (l == "all" || l == check) return true;
  }
  return false;
}

void LintCounters(const std::string& file, const RuleSpec& rule,
                  std::vector<LintWarning>* out) {
  auto expr = promql::ParseExpr(rule.expr);
  if (!expr.ok()) return;
  std::set<std::string> reported;
  WalkExpr(**expr, [&](const promql::Expr& e) {
    if (e.kind != promql::NodeKind::kCall) return;
    const auto& call = e.As<promql::Call>();
    if (call.func == nullptr || call.args.empty()) return;
    const std::string_view fn = call.func->name;
    if (std::find(std::begin(kCounterFunctions), std::end(kCounterFunctions),
                  fn) == std::end(kCounterFunctions)) {
      return;
    }
    if (call.args[0]->kind != promql::NodeKind::kMatrixSelector) return;
    const auto& sel = *call.args[0]->As<promql::MatrixSelector>().selector;
    const std::string name = SelectorMetricName(sel);
    if (name.empty()) return;
    for (std::string_view suffix : kCounterSuffixes) {
      if (absl::EndsWith(name, ToAbsl(suffix))) return;
    }
    if (!reported.insert(absl::StrCat(ToAbsl(fn), "/", name)).second) return;
    out->push_back(
        {"counter-functions",
         absl::StrCat(Where(file, rule.expr_position), "rule \"", rule.name(),
                      "\": ", ToAbsl(fn), "() over \"", name,
                      "\": metric might not be a counter, name does not end "
                      "in _total/_sum/_count/_bucket")});
  });
}

// promtool's checkDuplicates: rules with the same name and the same labels
// (group labels overridden by rule labels).
std::string Duplicates(const std::vector<RuleGroupSpec>& groups) {
  std::vector<std::pair<std::string, Labels>> rules;
  for (const RuleGroupSpec& g : groups) {
    for (const RuleSpec& r : g.rules) {
      LabelsBuilder b(g.labels);
      for (const Label& l : r.labels) b.Set(l.name, l.value);
      rules.emplace_back(r.name(), b.Build());
    }
  }
  std::sort(rules.begin(), rules.end());
  std::vector<const std::pair<std::string, Labels>*> dups;
  for (size_t i = 1; i < rules.size(); ++i) {
    if (rules[i] != rules[i - 1]) continue;
    if (!dups.empty() && *dups.back() == rules[i]) continue;
    dups.push_back(&rules[i]);
  }
  if (dups.empty()) return "";
  std::string msg =
      absl::StrCat("lint error ", dups.size(), " duplicate rule(s) found.\n");
  for (const auto* d : dups) {
    absl::StrAppend(&msg, "Metric: ", d->first, "\nLabel(s):\n");
    for (const Label& l : d->second) {
      absl::StrAppend(&msg, "\t", l.name, ": ", l.value, "\n");
    }
  }
  msg += "Might cause inconsistency while recording expressions";
  return msg;
}

}  // namespace

CheckResult CheckRuleFile(const std::string& path,
                          const CheckOptions& options) {
  CheckResult r;
  r.file = path;
  RuleFileOptions rfo;
  rfo.ignore_unknown_fields = options.ignore_unknown_fields;
  auto groups = LoadRuleFile(path, rfo);
  if (!groups.ok()) {
    for (absl::string_view line :
         absl::StrSplit(groups.status().message(), '\n')) {
      if (!line.empty()) r.errors.emplace_back(line);
    }
    return r;
  }
  // Label and annotation templates are compiled when a group is built, as
  // rulefmt's validation compiles them: building each group checks them.
  tsdb::Head head;
  const promql::Engine engine;
  for (const RuleGroupSpec& g : *groups) {
    rules::GroupOptions go;
    go.storage = &head;
    go.appendable = &head;
    go.engine = &engine;
    auto built = rules::RuleGroup::Create(g, std::move(go));
    if (!built.ok()) r.errors.emplace_back(built.status().message());
  }
  if (!r.errors.empty()) return r;
  for (const RuleGroupSpec& g : *groups) {
    r.rule_count += static_cast<int>(g.rules.size());
  }
  if (Enabled(options, "duplicate-rules")) r.duplicates = Duplicates(*groups);
  for (const RuleGroupSpec& g : *groups) {
    const int64_t interval =
        g.interval_ms != 0 ? g.interval_ms : kDefaultGroupIntervalMs;
    for (const RuleSpec& rule : g.rules) {
      if (Enabled(options, "counter-functions")) {
        LintCounters(path, rule, &r.warnings);
      }
      if (!rule.is_alert()) continue;
      if (Enabled(options, "short-for") && rule.for_ms > 0 &&
          rule.for_ms < interval) {
        r.warnings.push_back(
            {"short-for",
             absl::StrCat(Where(path, rule.position), "alert \"", rule.alert,
                          "\": for: ", FormatDurationMs(rule.for_ms),
                          " is shorter than the group interval ",
                          FormatDurationMs(interval), ", so it acts as ",
                          FormatDurationMs(interval))});
      }
      if (Enabled(options, "annotations")) {
        bool has = false;
        for (const Label& a : rule.annotations) {
          has = has || a.name == "summary" || a.name == "description";
        }
        if (!has) {
          r.warnings.push_back(
              {"annotations",
               absl::StrCat(Where(path, rule.position), "alert \"", rule.alert,
                            "\" has neither a summary nor a description "
                            "annotation")});
        }
      }
    }
  }
  return r;
}

void PrintCheckResult(const CheckResult& r, std::ostream& out,
                      std::ostream& err) {
  out << "Checking " << r.file << "\n";
  out.flush();
  if (!r.errors.empty() || !r.duplicates.empty()) {
    err << "  FAILED:\n";
    for (const std::string& e : r.errors) err << e << "\n";
    if (!r.duplicates.empty()) err << r.duplicates << "\n";
  } else {
    out << "  SUCCESS: " << r.rule_count << " rules found\n";
  }
  out.flush();
  for (const LintWarning& w : r.warnings) {
    err << "  WARNING: " << w.text << "\n";
  }
  err.flush();
  out << "\n";
  out.flush();
}

}  // namespace vigil::ruletest
