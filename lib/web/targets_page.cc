// Targets: per scrape pool, each target's state, labels, last scrape, its
// duration and error; then the targets that are not scrapes (the
// security-context collector).
#include <algorithm>
#include <map>
#include <vector>

#include "lib/web/html.h"
#include "lib/web/pages.h"

namespace vigil::web {
namespace {

std::string TargetRow(const api::ActiveTarget& t, int64_t now_ms) {
  const std::string_view health = api::TargetHealthName(t.health);
  std::string out = Cat(
      "<tr class=\"target\"><td class=\"endpoint\">",
      HtmlEscape(t.global_url.empty() ? t.scrape_url : t.global_url),
      "</td><td><span class=\"badge health-", health, "\">", health,
      "</span></td><td class=\"labels\">", LabelChips(t.labels),
      "</td><td class=\"nowrap\">", FormatAgo(t.last_scrape_ms, now_ms),
      "</td><td>", FormatSeconds(t.last_scrape_duration_seconds), "</td><td>");
  if (!t.last_error.empty()) {
    Append(&out, "<span class=\"error\">", HtmlEscape(t.last_error), "</span>");
  }
  Append(&out, "</td></tr>");
  return out;
}

void AppendPools(const std::vector<api::ActiveTarget>& targets, int64_t now_ms,
                 std::string* out) {
  std::map<std::string, std::vector<const api::ActiveTarget*>> pools;
  for (const api::ActiveTarget& t : targets) {
    pools[t.scrape_pool].push_back(&t);
  }
  for (auto& [pool, list] : pools) {
    std::sort(list.begin(), list.end(),
              [](auto* a, auto* b) { return a->scrape_url < b->scrape_url; });
    const auto up = std::count_if(list.begin(), list.end(), [](auto* t) {
      return t->health == api::TargetHealth::kUp;
    });
    Append(out, "<section class=\"pool\"><h2>", HtmlEscape(pool),
           " <span class=\"muted\">(", up, "/", list.size(),
           " up)</span></h2><table class=\"targets\"><thead><tr><th>Endpoint"
           "</th><th>State</th><th>Labels</th><th>Last scrape</th><th>Duration"
           "</th><th>Error</th></tr></thead><tbody>");
    for (const api::ActiveTarget* t : list) {
      Append(out, TargetRow(*t, now_ms));
    }
    Append(out, "</tbody></table></section>\n");
  }
}

}  // namespace

std::string TargetsBody(const PageContext& ctx) {
  std::vector<api::ActiveTarget> targets;
  size_t dropped = 0;
  if (ctx.sources.targets != nullptr) {
    targets = ctx.sources.targets->ActiveTargets();
    dropped = ctx.sources.targets->DroppedTargets().size();
  }
  std::vector<api::ActiveTarget> extra;
  if (ctx.sources.extra_targets) extra = ctx.sources.extra_targets();
  if (targets.empty() && extra.empty()) {
    return "<p>No targets are configured.</p>";
  }
  std::string out;
  AppendPools(targets, ctx.now_ms, &out);
  AppendPools(extra, ctx.now_ms, &out);
  if (dropped > 0) {
    Append(&out, "<p class=\"muted\">", dropped,
           " discovered targets were dropped by relabeling.</p>");
  }
  return out;
}

}  // namespace vigil::web
