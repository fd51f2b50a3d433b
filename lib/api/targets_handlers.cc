// /api/v1/targets and /api/v1/alertmanagers: what discovery found, in the
// shapes of Prometheus's TargetDiscovery and AlertmanagerDiscovery.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "lib/api/handlers.h"
#include "lib/api/json_encoding.h"
#include "lib/model/absl_compat.h"

namespace vigil::api {

std::string_view TargetHealthName(TargetHealth health) {
  switch (health) {
    case TargetHealth::kUp:
      return "up";
    case TargetHealth::kDown:
      return "down";
    case TargetHealth::kUnknown:
      break;
  }
  return "unknown";
}

namespace {

void WriteActive(JsonWriter& w, const ActiveTarget& t) {
  w.BeginObject();
  w.Key("discoveredLabels");
  w.LabelsObject(t.discovered_labels);
  w.Key("labels");
  w.LabelsObject(t.labels);
  w.Key("scrapePool");
  w.String(t.scrape_pool);
  w.Key("scrapeUrl");
  w.String(t.scrape_url);
  w.Key("globalUrl");
  w.String(t.global_url.empty() ? t.scrape_url : t.global_url);
  w.Key("lastError");
  w.String(t.last_error);
  w.Key("lastScrape");
  w.Time(t.last_scrape_ms);
  w.Key("lastScrapeDuration");
  w.Number(t.last_scrape_duration_seconds);
  w.Key("health");
  w.String(TargetHealthName(t.health));
  w.Key("scrapeInterval");
  w.String(t.scrape_interval);
  w.Key("scrapeTimeout");
  w.String(t.scrape_timeout);
  w.EndObject();
}

}  // namespace

ApiResult HandleTargets(const ApiContext& ctx, const ApiRequest& req) {
  const std::string state =
      absl::AsciiStrToLower(ToAbsl(req.form.Value("state")));
  const bool show_active = state.empty() || state == "any" || state == "active";
  const bool show_dropped =
      state.empty() || state == "any" || state == "dropped";
  const std::string_view pool = req.form.Value("scrapePool");
  const TargetsSource* src = ctx.deps.targets;

  JsonWriter w;
  w.BeginObject();
  w.Key("activeTargets");
  w.BeginArray();
  if (show_active && src != nullptr) {
    std::vector<ActiveTarget> active = src->ActiveTargets();
    // Prometheus lists pools in name order, targets in the pool's order.
    std::stable_sort(active.begin(), active.end(),
                     [](const ActiveTarget& a, const ActiveTarget& b) {
                       return a.scrape_pool < b.scrape_pool;
                     });
    for (const ActiveTarget& t : active) {
      if (pool.empty() || t.scrape_pool == pool) WriteActive(w, t);
    }
  }
  w.EndArray();
  w.Key("droppedTargets");
  w.BeginArray();
  std::map<std::string, int64_t> counts;
  if (show_dropped && src != nullptr) {
    std::vector<DroppedTarget> dropped = src->DroppedTargets();
    std::stable_sort(dropped.begin(), dropped.end(),
                     [](const DroppedTarget& a, const DroppedTarget& b) {
                       return a.scrape_pool < b.scrape_pool;
                     });
    for (const DroppedTarget& t : dropped) {
      ++counts[t.scrape_pool];
      if (!pool.empty() && t.scrape_pool != pool) continue;
      w.BeginObject();
      w.Key("discoveredLabels");
      w.LabelsObject(t.discovered_labels);
      w.Key("scrapePool");
      w.String(t.scrape_pool);
      w.EndObject();
    }
  }
  w.EndArray();
  w.Key("droppedTargetCounts");
  if (show_dropped) {
    w.BeginObject();
    for (const auto& [name, n] : counts) {
      w.Key(name);
      w.Int(n);
    }
    w.EndObject();
  } else {
    w.Null();  // a nil map in Prometheus
  }
  w.EndObject();
  return ApiResult::Data(w.Take());
}

ApiResult HandleAlertmanagers(const ApiContext& ctx, const ApiRequest&) {
  AlertmanagerList list;
  if (ctx.deps.alertmanagers) list = ctx.deps.alertmanagers();
  JsonWriter w;
  w.BeginObject();
  for (const auto& [key, urls] :
       {std::pair{"activeAlertmanagers", &list.active},
        std::pair{"droppedAlertmanagers", &list.dropped}}) {
    w.Key(key);
    w.BeginArray();
    for (const std::string& url : *urls) {
      w.BeginObject();
      w.Key("url");
      w.String(url);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return ApiResult::Data(w.Take());
}

}  // namespace vigil::api
