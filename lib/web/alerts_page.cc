// Alerts: every alerting rule with its state, firing first, and its active
// alerts with labels, annotations, active since and value. Filters (state,
// rule name, label) are a plain GET form, so the page needs no script.
#include <algorithm>
#include <memory>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "lib/model/absl_compat.h"
#include "lib/model/duration.h"
#include "lib/web/html.h"
#include "lib/web/pages.h"

namespace vigil::web {
namespace {

// Alerts listed per rule: a rule gone wild (thousands of series) must not
// make the page unusable; the label filter narrows it.
constexpr size_t kMaxAlertsPerRule = 500;

// Firing first, then pending, then inactive.
int Rank(rules::AlertState s) {
  switch (s) {
    case rules::AlertState::kFiring:
      return 0;
    case rules::AlertState::kPending:
      return 1;
    case rules::AlertState::kInactive:
      break;
  }
  return 2;
}

struct RuleView {
  const rules::Rule* rule = nullptr;
  std::vector<rules::Alert> alerts;  // active ones, filtered
  rules::AlertState state = rules::AlertState::kInactive;
};

bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle) {
  return absl::AsciiStrToLower(ToAbsl(haystack))
             .find(absl::AsciiStrToLower(ToAbsl(needle))) != std::string::npos;
}

// `name=value` matches that label exactly; anything else is a substring of
// some `name=value`.
bool MatchesLabelFilter(const Labels& labels, std::string_view filter) {
  if (filter.empty()) return true;
  const size_t eq = filter.find('=');
  for (const Label& l : labels) {
    if (eq != std::string_view::npos) {
      if (l.name == filter.substr(0, eq) && l.value == filter.substr(eq + 1)) {
        return true;
      }
    } else if (ContainsIgnoreCase(Cat(l.name, "=", l.value), filter)) {
      return true;
    }
  }
  return false;
}

std::string StateBadge(rules::AlertState s) {
  const std::string_view name = rules::AlertStateName(s);
  return Cat("<span class=\"badge state-", name, "\">", name, "</span>");
}

std::string Annotations(const rules::Alert& a) {
  std::string out;
  if (std::string_view s = a.Annotation("summary"); !s.empty()) {
    Append(&out, "<div class=\"summary\">", HtmlEscape(s), "</div>");
  }
  if (std::string_view d = a.Annotation("description"); !d.empty()) {
    Append(&out, "<div class=\"description\">", HtmlEscape(d), "</div>");
  }
  if (std::string_view r = a.Annotation("runbook_url"); !r.empty()) {
    const std::string href = SafeHref(r);
    if (href.empty()) {
      Append(&out, "<div>runbook: ", HtmlEscape(r), "</div>");
    } else {
      Append(&out, "<div><a class=\"runbook\" href=\"", HtmlEscape(href),
             "\" rel=\"noreferrer noopener\">runbook</a></div>");
    }
  }
  for (const Label& l : a.annotations) {
    if (l.name == "summary" || l.name == "description" ||
        l.name == "runbook_url") {
      continue;
    }
    Append(&out, "<div><span class=\"muted\">", HtmlEscape(l.name), ":</span> ",
           HtmlEscape(l.value), "</div>");
  }
  return out;
}

std::string FilterForm(const PageContext& ctx) {
  const std::string_view state = ctx.params.Value("state");
  std::string out =
      "<form class=\"filters\" method=\"get\" action=\"alerts\">"
      "<label>State <select name=\"state\">";
  for (std::string_view s : {"", "firing", "pending", "inactive"}) {
    Append(&out, "<option value=\"", s, "\"", s == state ? " selected" : "",
           ">", s.empty() ? "any" : s, "</option>");
  }
  Append(&out,
         "</select></label> <label>Alert name <input name=\"name\" value=\"",
         HtmlEscape(ctx.params.Value("name")),
         "\" placeholder=\"e.g. Privileged\"></label> <label>Label <input "
         "name=\"label\" value=\"",
         HtmlEscape(ctx.params.Value("label")),
         "\" placeholder=\"e.g. namespace=payments\"></label> "
         "<button type=\"submit\">Filter</button> <a href=\"alerts\">clear</a>"
         "</form>\n");
  return out;
}

std::string AlertTable(const RuleView& v, int64_t now_ms) {
  std::string out =
      "<table class=\"alerts\"><thead><tr><th>State</th><th>Labels</th>"
      "<th>Annotations</th><th>Active since</th><th>Value</th></tr></thead>"
      "<tbody>";
  const size_t shown = std::min(v.alerts.size(), kMaxAlertsPerRule);
  for (size_t i = 0; i < shown; ++i) {
    const rules::Alert& a = v.alerts[i];
    Append(&out, "<tr class=\"alert\"><td>", StateBadge(a.state),
           "</td><td class=\"labels\">", LabelChips(a.labels), "</td><td>",
           Annotations(a), "</td><td class=\"nowrap\">",
           FormatTimestamp(a.active_at_ms), "<br><span class=\"muted\">",
           FormatAgo(a.active_at_ms, now_ms));
    // When a pending alert fires if its condition holds (its `for`).
    if (a.state == rules::AlertState::kPending) {
      const int64_t fires_at = a.active_at_ms + v.rule->spec().for_ms;
      Append(&out, "<br>fires ",
             fires_at > now_ms ? FormatAgo(fires_at, now_ms) : "next");
    }
    Append(&out, "</span></td><td>", HtmlEscape(absl::StrFormat("%g", a.value)),
           "</td></tr>");
  }
  Append(&out, "</tbody></table>");
  if (shown < v.alerts.size()) {
    Append(&out, "<p class=\"muted\">", v.alerts.size() - shown,
           " more alerts not listed: filter by label to see them.</p>");
  }
  return out;
}

}  // namespace

std::string AlertsBody(const PageContext& ctx) {
  if (ctx.sources.rules == nullptr) return "<p>No rules are loaded.</p>";
  const std::string_view state_filter = ctx.params.Value("state");
  const std::string_view name_filter = ctx.params.Value("name");
  const std::string_view label_filter = ctx.params.Value("label");
  // Groups are held so their rules stay alive while the page renders.
  const std::vector<std::shared_ptr<rules::RuleGroup>> groups =
      ctx.sources.rules->groups();
  std::vector<RuleView> views;
  int counts[3] = {0, 0, 0};
  for (const auto& g : groups) {
    for (const auto& r : g->rules()) {
      if (!r->is_alert()) continue;
      RuleView v;
      v.rule = r.get();
      for (rules::Alert& a : r->alerts()) {
        if (a.resolved_at_ms != 0) continue;
        v.state = std::min(v.state, a.state,
                           [](auto x, auto y) { return Rank(x) < Rank(y); });
        if (MatchesLabelFilter(a.labels, label_filter)) {
          v.alerts.push_back(std::move(a));
        }
      }
      // Firing first, then by labels, so the page reads the same on every
      // load.
      std::sort(v.alerts.begin(), v.alerts.end(),
                [](const rules::Alert& a, const rules::Alert& b) {
                  if (Rank(a.state) != Rank(b.state)) {
                    return Rank(a.state) < Rank(b.state);
                  }
                  return a.labels < b.labels;
                });
      ++counts[Rank(v.state)];
      if (!state_filter.empty() &&
          rules::AlertStateName(v.state) != state_filter) {
        continue;
      }
      if (!ContainsIgnoreCase(r->name(), name_filter)) continue;
      if (!label_filter.empty() && v.alerts.empty()) continue;
      views.push_back(std::move(v));
    }
  }
  std::stable_sort(views.begin(), views.end(),
                   [](const RuleView& a, const RuleView& b) {
                     if (Rank(a.state) != Rank(b.state)) {
                       return Rank(a.state) < Rank(b.state);
                     }
                     return a.rule->name() < b.rule->name();
                   });
  std::string out = absl::StrFormat(
      "<p class=\"counts\"><span class=\"badge state-firing\">%d firing</span> "
      "<span class=\"badge state-pending\">%d pending</span> "
      "<span class=\"badge state-inactive\">%d inactive</span></p>\n",
      counts[0], counts[1], counts[2]);
  Append(&out, FilterForm(ctx));
  if (views.empty()) Append(&out, "<p>No alerting rule matches.</p>");
  for (const RuleView& v : views) {
    const RuleSpec& spec = v.rule->spec();
    const std::string_view state = rules::AlertStateName(v.state);
    Append(&out, "<details class=\"rule state-", state, "\"",
           v.state == rules::AlertState::kInactive ? "" : " open",
           "><summary><span class=\"rule-name\">", HtmlEscape(spec.alert),
           "</span> ", StateBadge(v.state),
           absl::StrFormat(" <span class=\"muted\">(%d active)</span>",
                           v.alerts.size()),
           "</summary>\n<div class=\"rule-body\"><p><a class=\"query-link\" "
           "href=\"",
           HtmlEscape(QueryLink(spec.expr)), "\">Open in Query</a>");
    if (spec.for_ms > 0) {
      Append(&out, " · for ", FormatDurationMs(spec.for_ms));
    }
    if (spec.keep_firing_for_ms > 0) {
      Append(&out, " · keep firing for ",
             FormatDurationMs(spec.keep_firing_for_ms));
    }
    if (!spec.labels.empty()) {
      Append(&out, " · labels ", LabelChips(spec.labels));
    }
    // The expression folded: the alerts are what a glance is for.
    Append(&out,
           "</p><details class=\"expr\"><summary>Expression</summary>"
           "<pre class=\"expr\">",
           HtmlEscape(PrettyExpr(spec.expr)), "</pre></details>");
    if (!v.alerts.empty()) Append(&out, AlertTable(v, ctx.now_ms));
    Append(&out, "</div></details>\n");
  }
  return out;
}

}  // namespace vigil::web
