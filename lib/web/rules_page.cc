// Rules: each group with its file, interval and last evaluation; each rule
// with its expression prettified (linked to the Query page with the text as
// written), health, last error, last evaluation and its duration.
#include <memory>
#include <vector>

#include "lib/model/duration.h"
#include "lib/web/html.h"
#include "lib/web/pages.h"

namespace vigil::web {
namespace {

std::string HealthBadge(rules::RuleHealth h) {
  const std::string_view name = rules::RuleHealthName(h);
  return Cat("<span class=\"badge health-", name, "\">", name, "</span>");
}

std::string RuleRow(const rules::Rule& r, int64_t now_ms) {
  const RuleSpec& spec = r.spec();
  std::string out =
      Cat("<tr class=\"rule-row\"><td><span class=\"muted\">",
          spec.is_alert() ? "alert" : "record", "</span><br><b>",
          HtmlEscape(r.name()), "</b></td><td><pre class=\"expr\">",
          HtmlEscape(PrettyExpr(spec.expr)),
          "</pre><a class=\"query-link\" href=\"",
          HtmlEscape(QueryLink(spec.expr)), "\">Open in Query</a>");
  if (spec.for_ms > 0) {
    Append(&out, " · for ", FormatDurationMs(spec.for_ms));
  }
  if (!spec.labels.empty()) {
    Append(&out, "<div>", LabelChips(spec.labels), "</div>");
  }
  const std::string error = r.last_error();
  Append(&out, "</td><td>", HealthBadge(r.health()));
  if (!error.empty()) {
    Append(&out, "<div class=\"error\">", HtmlEscape(error), "</div>");
  }
  Append(&out, "</td><td class=\"nowrap\">",
         FormatAgo(r.last_eval_ms(), now_ms), "</td><td>",
         FormatSeconds(r.last_eval_duration_us() / 1e6), "</td></tr>");
  return out;
}

}  // namespace

std::string RulesBody(const PageContext& ctx) {
  if (ctx.sources.rules == nullptr) return "<p>No rules are loaded.</p>";
  const std::vector<std::shared_ptr<rules::RuleGroup>> groups =
      ctx.sources.rules->groups();
  if (groups.empty()) return "<p>No rule groups are loaded.</p>";
  std::string out = "<p class=\"toc\">Groups: ";
  for (size_t i = 0; i < groups.size(); ++i) {
    Append(&out, i == 0 ? "" : " · ", "<a href=\"#group-", i, "\">",
           HtmlEscape(groups[i]->name()), "</a>");
  }
  Append(&out, "</p>\n");
  for (size_t i = 0; i < groups.size(); ++i) {
    const rules::RuleGroup& g = *groups[i];
    Append(&out, "<section class=\"group\" id=\"group-", i, "\"><h2>",
           HtmlEscape(g.name()), "</h2><p class=\"muted\">file ",
           HtmlEscape(g.file()), " · interval ",
           FormatDurationMs(g.interval_ms()), " · last evaluation ",
           FormatAgo(g.last_eval_ms(), ctx.now_ms), " · took ",
           FormatSeconds(g.last_eval_duration_us() / 1e6));
    if (g.limit() > 0) Append(&out, " · limit ", g.limit());
    Append(&out,
           "</p><table class=\"rules\"><thead><tr><th>Rule</th><th>Expression"
           "</th><th>Health</th><th>Last evaluation</th><th>Duration</th></tr>"
           "</thead><tbody>");
    for (const auto& r : g.rules()) {
      Append(&out, RuleRow(*r, ctx.now_ms));
    }
    Append(&out, "</tbody></table></section>\n");
  }
  return out;
}

}  // namespace vigil::web
