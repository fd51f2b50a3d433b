// The web UI: server-rendered HTML pages at the server's root — Alerts,
// Rules, Targets, Security overview, Query and Status — and the one script
// and stylesheet they load, all compiled into the binary.
//
// Pages read the same in-process sources the JSON API serves; the Query
// page's script calls the API (api/v1/query, api/v1/query_range) of the
// server it came from. Every link, asset and API call is relative to the
// page, so the UI works at any path: under --web.route-prefix (the
// ApiServer strips it before these handlers run), behind `kubectl proxy`
// or an ingress that rewrites the path.
//
// Safety: every label, annotation, expression and error from the data is
// HTML-escaped; links taken from data (runbook URLs) are kept only when
// they are http(s) or relative. Each response carries a
// Content-Security-Policy that allows scripts, styles and connections from
// the server itself only (no inline script, nothing fetched elsewhere).
//
// Ownership: the sources are borrowed and must outlive the handlers.
// Handlers may run concurrently on any thread.
#ifndef VIGIL_WEB_H_
#define VIGIL_WEB_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "vigil/api.h"
#include "vigil/promql/engine.h"
#include "vigil/rules.h"
#include "vigil/storage.h"

namespace vigil::web {

// A row of the Status page's store figures ("Series", "1234").
struct StatusFigure {
  std::string name;
  std::string value;
};

struct UiOptions {
  api::BuildInfo build_info;
  std::map<std::string, std::string> flags;  // every flag and its value
  std::string external_url;                  // shown on Status
  std::string route_prefix;                  // shown on Status
  int64_t start_time_ms = 0;
};

struct UiSources {
  const promql::Engine* engine = nullptr;     // required (Security page)
  Storage* storage = nullptr;                 // required
  const rules::RuleManager* rules = nullptr;  // null: no rules
  const api::TargetsSource* targets = nullptr;
  // Targets that are not scrape targets, such as the security-context
  // collector's pod lister; shown on the Targets page. Null: none.
  std::function<std::vector<api::ActiveTarget>()> extra_targets;
  std::function<api::AlertmanagerList()> alertmanagers;      // null: none
  std::function<std::string()> config_yaml;                  // null: none
  std::function<std::vector<StatusFigure>()> store_figures;  // null: none
  std::function<int64_t()> now_ms;  // null: the system clock
};

// The UI's routes by path ("/", "/alerts", …, "/static/vigil-ui.js"), for
// ApiDependencies::extra_handlers. GET and HEAD only (others get 405).
std::map<std::string, api::HttpHandler> Handlers(UiOptions options,
                                                 UiSources sources);

}  // namespace vigil::web

#endif  // VIGIL_WEB_H_
