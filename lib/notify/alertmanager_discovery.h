// Alertmanager discovery: turns `alerting.alertmanagers` entries into the
// Alertmanagers to send to, as Prometheus's notifier does
// (AlertmanagerFromGroup): each target's labels plus __scheme__ and
// __alerts_path__ from the entry, then the group's labels, then
// relabel_configs; the URL is <__scheme__>://<__address__><__alerts_path__>.
// Internal to vigil_notify.
#ifndef VIGIL_LIB_NOTIFY_ALERTMANAGER_DISCOVERY_H_
#define VIGIL_LIB_NOTIFY_ALERTMANAGER_DISCOVERY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vigil/discovery.h"
#include "vigil/notify.h"

namespace vigil::notify {

struct ResolvedAlertmanagers {
  std::vector<AlertmanagerTarget> active;  // no two with the same AlertsUrl
  std::vector<std::string> dropped;        // POST URLs before relabeling
  std::vector<std::string> errors;         // one per unusable target
};

// Adds the Alertmanagers of `groups`, discovered for `config`, to `out`.
void ResolveAlertmanagers(const AlertmanagerConfig& config,
                          const std::vector<discovery::TargetGroup>& groups,
                          ResolvedAlertmanagers& out);

// The static and file_sd Alertmanagers of a set of configs. Not
// thread-safe.
class AlertmanagerDiscovery {
 public:
  explicit AlertmanagerDiscovery(std::vector<AlertmanagerConfig> configs);
  // Re-reads file_sd files that changed; true when the result may differ
  // (always true the first time). File errors go to `errors`.
  bool Refresh(std::vector<std::string>& errors);
  ResolvedAlertmanagers Resolve() const;
  // 0 when no config has file_sd_configs (nothing to poll).
  int64_t refresh_interval_ms() const;

 private:
  std::vector<AlertmanagerConfig> configs_;
  // One per config; null for a config without file_sd_configs.
  std::vector<std::unique_ptr<discovery::FileSdWatcher>> watchers_;
  bool refreshed_ = false;
};

}  // namespace vigil::notify

#endif  // VIGIL_LIB_NOTIFY_ALERTMANAGER_DISCOVERY_H_
