#include "lib/notify/alertmanager_discovery.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "lib/model/absl_compat.h"

namespace vigil::notify {
namespace {

constexpr std::string_view kAddressLabel = "__address__";
constexpr std::string_view kSchemeLabel = "__scheme__";
constexpr std::string_view kAlertsPathLabel = "__alerts_path__";

// Prometheus's postPath: the prefix without trailing slashes, then the v2
// alerts path.
std::string PostPath(std::string_view prefix) {
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  return absl::StrCat(ToAbsl(prefix), ToAbsl(kAlertsPath));
}

std::string UrlOf(const Labels& labels) {
  return absl::StrCat(ToAbsl(labels.Get(kSchemeLabel)), "://",
                      ToAbsl(labels.Get(kAddressLabel)),
                      ToAbsl(labels.Get(kAlertsPathLabel)));
}

}  // namespace

void ResolveAlertmanagers(const AlertmanagerConfig& config,
                          const std::vector<discovery::TargetGroup>& groups,
                          ResolvedAlertmanagers& out) {
  const std::string alerts_path = PostPath(config.path_prefix);
  for (const discovery::TargetGroup& group : groups) {
    for (const Labels& target : group.targets) {
      LabelsBuilder b(target);
      if (!target.Has(kSchemeLabel)) b.Set(kSchemeLabel, config.scheme);
      if (!target.Has(kAlertsPathLabel)) b.Set(kAlertsPathLabel, alerts_path);
      for (const Label& l : group.labels) {
        if (!target.Has(l.name)) b.Set(l.name, l.value);
      }
      const Labels discovered = b.Build();
      std::optional<Labels> relabeled =
          relabel::Process(discovered, config.relabel_configs);
      if (!relabeled || relabeled->empty()) {
        out.dropped.push_back(UrlOf(discovered));
        continue;
      }
      const std::string_view address = relabeled->Get(kAddressLabel);
      // Prometheus's CheckTargetAddress; an empty address would POST to
      // "http:///api/v2/alerts".
      if (address.empty() || address.find('/') != std::string_view::npos) {
        out.errors.push_back(absl::StrCat(
            "alertmanager from group ", group.source, ": ",
            address.empty() ? "no address"
                            : absl::StrCat("\"", ToAbsl(address),
                                           "\" is not a valid hostname")));
        continue;
      }
      AlertmanagerTarget t = config.client;
      t.url = absl::StrCat(ToAbsl(relabeled->Get(kSchemeLabel)), "://",
                           ToAbsl(address));
      t.alerts_path = std::string(relabeled->Get(kAlertsPathLabel));
      // Go's url.URL puts the slash between host and a relative path.
      if (!t.alerts_path.empty() && t.alerts_path.front() != '/') {
        t.alerts_path = absl::StrCat("/", t.alerts_path);
      }
      t.timeout = config.timeout;
      const std::string url = AlertsUrl(t);
      if (std::none_of(out.active.begin(), out.active.end(),
                       [&](const AlertmanagerTarget& a) {
                         return AlertsUrl(a) == url;
                       })) {
        out.active.push_back(std::move(t));
      }
    }
  }
}

AlertmanagerDiscovery::AlertmanagerDiscovery(
    std::vector<AlertmanagerConfig> configs)
    : configs_(std::move(configs)) {
  for (const AlertmanagerConfig& c : configs_) {
    watchers_.push_back(
        c.file_sd_configs.empty()
            ? nullptr
            : std::make_unique<discovery::FileSdWatcher>(c.file_sd_configs));
  }
}

bool AlertmanagerDiscovery::Refresh(std::vector<std::string>& errors) {
  bool changed = !refreshed_;
  refreshed_ = true;
  for (auto& w : watchers_) {
    if (w == nullptr) continue;
    changed = w->Refresh() || changed;
    errors.insert(errors.end(), w->errors().begin(), w->errors().end());
  }
  return changed;
}

ResolvedAlertmanagers AlertmanagerDiscovery::Resolve() const {
  ResolvedAlertmanagers out;
  for (size_t i = 0; i < configs_.size(); ++i) {
    ResolveAlertmanagers(configs_[i], configs_[i].static_configs, out);
    if (watchers_[i] != nullptr) {
      ResolveAlertmanagers(configs_[i], watchers_[i]->Groups(), out);
    }
  }
  return out;
}

int64_t AlertmanagerDiscovery::refresh_interval_ms() const {
  int64_t best = 0;
  for (const auto& w : watchers_) {
    if (w == nullptr) continue;
    const int64_t ms = w->refresh_interval_ms();
    if (best == 0 || ms < best) best = ms;
  }
  return best;
}

}  // namespace vigil::notify
