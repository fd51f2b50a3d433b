#include "exporter/alert_log.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "lib/model/duration.h"

namespace vigil::exporter {

void AlertTransitionLog::Observe(const rules::RuleManager& rules,
                                 int64_t now_ms) {
  std::map<std::string, Logged> now;
  for (const auto& group : rules.groups()) {
    for (const auto& rule : group->rules()) {
      if (!rule->is_alert()) continue;
      for (const rules::Alert& a : rule->alerts()) {
        // Resolved alerts stay listed for 15 minutes; they are not active.
        if (a.resolved_at_ms != 0 || a.state == rules::AlertState::kInactive) {
          continue;
        }
        const std::string labels = a.labels.ToString();
        const std::string key =
            absl::StrCat(group->file(), "\x1f", group->name(), "\x1f", labels);
        now[key] = {a.state, labels};
        auto it = last_.find(key);
        if (it != last_.end() && it->second.state == a.state) continue;
        if (a.state == rules::AlertState::kPending) {
          // Whole seconds: evaluations land on their own grid anyway.
          const int64_t left_ms =
              std::max<int64_t>(
                  0, a.active_at_ms + rule->spec().for_ms - now_ms + 500) /
              1000 * 1000;
          Log(level_, "Alert pending",
              {{"alertname", rule->name()},
               {"labels", labels},
               {"fires_in", FormatDurationMs(left_ms)}});
        } else {
          Log(level_, "Alert firing",
              {{"alertname", rule->name()},
               {"labels", labels},
               {"summary", std::string(a.Annotation("summary"))}});
        }
      }
    }
  }
  for (const auto& [key, was] : last_) {
    if (now.contains(key)) continue;
    Log(level_,
        was.state == rules::AlertState::kFiring ? "Alert resolved"
                                                : "Alert no longer pending",
        {{"labels", was.labels}});
  }
  last_ = std::move(now);
}

}  // namespace vigil::exporter
