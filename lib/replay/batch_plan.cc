#include "lib/replay/batch_plan.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include "lib/ruletest/expr_walk.h"
#include "vigil/promql/parser.h"

namespace vigil::replay {
namespace {

using RuleRef = std::pair<size_t, size_t>;

bool Rangeable(const promql::Expr& expr, const promql::EngineOptions& engine) {
  if (engine.enable_delayed_name_removal) return false;
  const promql::ValueType type = expr.type();
  if (type != promql::ValueType::kVector && type != promql::ValueType::kScalar)
    return false;
  bool ok = true;
  ruletest::WalkExpr(expr, [&](const promql::Expr& e) {
    if (e.kind == promql::NodeKind::kVectorSelector &&
        e.As<promql::VectorSelector>().at_modifier !=
            promql::AtModifier::kNone) {
      ok = false;
    }
    if (e.kind == promql::NodeKind::kSubquery &&
        e.As<promql::SubqueryExpr>().at_modifier != promql::AtModifier::kNone) {
      ok = false;
    }
  });
  return ok;
}

bool AllMatch(const Matchers& matchers, std::string_view name,
              std::string_view value) {
  for (const Matcher& m : matchers) {
    if (m.name() == name && !m.Matches(value)) return false;
  }
  return true;
}

// Whether a series `rule` writes may match `matchers`: by metric name, and
// for ALERTS by alertname, the one label every alert of the rule carries.
bool MayRead(const Matchers& matchers, const rules::Rule& rule) {
  const RuleSpec& spec = rule.spec();
  if (!spec.is_alert()) return AllMatch(matchers, kMetricName, spec.record);
  if (!AllMatch(matchers, rules::kAlertNameLabel, spec.alert)) return false;
  return AllMatch(matchers, kMetricName, rules::kAlertMetricName) ||
         AllMatch(matchers, kMetricName, rules::kAlertForStateMetricName);
}

// A template's `query` runs when the rule does and may read anything.
bool TemplatesQuery(const RuleSpec& spec) {
  auto queries = [](const auto& ls) {
    for (const Label& l : ls) {
      if (l.value.find("query") != std::string::npos) return true;
    }
    return false;
  };
  return queries(spec.labels) || queries(spec.annotations);
}

// The series a rule writes, as far as two rules may collide: a recording
// rule's name, an alerting rule's alertname.
std::string OutputKey(const RuleSpec& spec) {
  return spec.is_alert() ? "alert\xff" + spec.alert
                         : "record\xff" + spec.record;
}

// The selectors of `expr`.
std::vector<const Matchers*> Selectors(const promql::Expr& expr) {
  std::vector<const Matchers*> selectors;
  ruletest::WalkExpr(expr, [&](const promql::Expr& e) {
    if (e.kind == promql::NodeKind::kVectorSelector) {
      selectors.push_back(&e.As<promql::VectorSelector>().matchers);
    }
  });
  return selectors;
}

}  // namespace

std::vector<std::string> UnreadAlertSeries(
    const std::vector<std::unique_ptr<rules::RuleGroup>>& groups) {
  std::vector<std::string> names = {
      std::string(rules::kAlertMetricName),
      std::string(rules::kAlertForStateMetricName)};
  for (const auto& g : groups) {
    for (const auto& rule : g->rules()) {
      const RuleSpec& spec = rule->spec();
      if (TemplatesQuery(spec)) return {};
      const std::vector<const Matchers*> selectors = Selectors(rule->expr());
      std::erase_if(names, [&](const std::string& name) {
        if (!spec.is_alert() && spec.record == name) return true;
        for (const Matchers* m : selectors) {
          if (AllMatch(*m, kMetricName, name)) return true;
        }
        return false;
      });
    }
  }
  return names;
}

absl::flat_hash_set<const promql::VectorSelector*> SharedInputSelectors(
    const std::vector<std::unique_ptr<rules::RuleGroup>>& groups) {
  std::map<std::string, std::vector<const promql::VectorSelector*>> by_text;
  std::map<std::string, std::set<const rules::Rule*>> readers;
  for (const auto& g : groups) {
    for (const auto& rule : g->rules()) {
      ruletest::WalkExpr(rule->expr(), [&](const promql::Expr& e) {
        if (e.kind != promql::NodeKind::kVectorSelector) return;
        const auto& vs = e.As<promql::VectorSelector>();
        for (const auto& writer_group : groups) {
          for (const auto& writer : writer_group->rules()) {
            if (MayRead(vs.matchers, *writer)) return;
          }
        }
        // The text holds the offset and `@`: selections of other ranges
        // are keyed apart anyway, this only finds the candidates.
        const std::string text = promql::Format(e);
        by_text[text].push_back(&vs);
        readers[text].insert(rule.get());
      });
    }
  }
  absl::flat_hash_set<const promql::VectorSelector*> shared;
  for (const auto& [text, selectors] : by_text) {
    if (readers[text].size() < 2) continue;
    shared.insert(selectors.begin(), selectors.end());
  }
  return shared;
}

BatchPlan PlanBatches(
    const std::vector<std::unique_ptr<rules::RuleGroup>>& groups,
    const std::vector<size_t>& tie_order, const promql::EngineOptions& engine) {
  BatchPlan plan;
  plan.rules.resize(groups.size());
  plan.rule_major.assign(groups.size(), true);
  plan.group_major = true;

  std::vector<RuleRef> all;
  std::map<std::string, std::set<size_t>> writers;  // output key → groups
  for (size_t g = 0; g < groups.size(); ++g) {
    std::set<std::string> keys;
    for (size_t r = 0; r < groups[g]->rules().size(); ++r) {
      all.emplace_back(g, r);
      const std::string key = OutputKey(groups[g]->rules()[r]->spec());
      if (!keys.insert(key).second) plan.rule_major[g] = false;
      writers[key].insert(g);
    }
  }
  for (const auto& [key, gs] : writers) {
    if (gs.size() > 1) plan.group_major = false;
  }

  for (size_t g = 0; g < groups.size(); ++g) {
    const auto& rules = groups[g]->rules();
    plan.rules[g].resize(rules.size());
    for (size_t r = 0; r < rules.size(); ++r) {
      RulePlan& p = plan.rules[g][r];
      const promql::Expr& expr = rules[r]->expr();
      p.rangeable = Rangeable(expr, engine);
      if (TemplatesQuery(rules[r]->spec())) {
        p.producers = all;
      } else {
        const std::vector<const Matchers*> selectors = Selectors(expr);
        for (const RuleRef& w : all) {
          const rules::Rule& writer = *groups[w.first]->rules()[w.second];
          for (const Matchers* m : selectors) {
            if (MayRead(*m, writer)) {
              p.producers.push_back(w);
              break;
            }
          }
        }
      }
      for (const RuleRef& w : p.producers) {
        if (w.first == g && w.second >= r) plan.rule_major[g] = false;
      }
    }
  }

  // A group's window runs after those of the groups it reads. Live, it
  // sees a sample another group wrote at (its time − its offset) only if
  // that group evaluated first; batched, whenever the sample's time is
  // within its query. The two agree when the writer's offset is smaller,
  // or equal and the writer goes first at equal times.
  auto key = [&](size_t g) {
    return std::make_tuple(groups[g]->query_offset_ms(), tie_order[g]);
  };
  plan.group_order.resize(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) plan.group_order[g] = g;
  std::sort(plan.group_order.begin(), plan.group_order.end(),
            [&](size_t a, size_t b) { return key(a) < key(b); });
  for (size_t g = 0; g < groups.size(); ++g) {
    for (const RulePlan& p : plan.rules[g]) {
      for (const RuleRef& w : p.producers) {
        if (w.first != g && !(key(w.first) < key(g))) plan.group_major = false;
      }
    }
  }
  return plan;
}

}  // namespace vigil::replay
