// Notifier: delivers alerts to Alertmanagers over API v2, as Prometheus's
// notifier package does, except that a failed batch is retried.
//
// Send() never blocks on the network. Each configured Alertmanager has its
// own bounded queue (capacity 10,000 by default, Prometheus's) and its own
// sender thread, so a slow or unreachable Alertmanager never delays the
// others. When a queue is full its oldest alerts are dropped and counted.
// A sender takes batches of up to 256 alerts and POSTs each as JSON to
// /api/v2/alerts.
//
// Unlike Prometheus, which drops a batch that fails, a batch that fails with
// a connection error, a timeout, 408, 429 or 5xx goes back to the front of
// that Alertmanager's queue and is retried with exponential backoff
// (retry_initial_backoff doubling up to retry_max_backoff). Before each
// retry an alert is dropped (and counted) once its endsAt has passed, once
// kRetryWithoutEndsAt has passed since it was queued if it has no endsAt or
// is a resolve (its endsAt already past when queued), or once a newer copy
// with the same label set is queued behind it. Other 4xx answers are
// not retried: the batch is dropped.
//
// Alertmanagers are listed directly (NotifierOptions::alertmanagers) or
// discovered from `alerting.alertmanagers` entries (alertmanager_configs):
// static_configs and file_sd_configs target groups, relabeled as Prometheus
// relabels them (__address__, __scheme__, __alerts_path__ and the group's
// labels; a target dropped by relabel_configs is listed as dropped). The
// file_sd files are re-read every refresh_interval on a background thread;
// a file that fails to read keeps its previous Alertmanagers. Alertmanagers
// are identified by their POST URL: one that stays keeps its queue.
//
// Before queuing, external labels are added to each alert (an alert's own
// label wins) and the optional relabel hook (alert_relabel_configs) may
// rewrite or drop it.
//
// Thread safety: all methods are safe to call from any thread. The
// destructor gives what is queued one last try without backoff (a failure
// drops the batch), waiting up to 5 s, then stops the senders and drops
// what is left.
#ifndef VIGIL_NOTIFY_H_
#define VIGIL_NOTIFY_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/discovery.h"
#include "vigil/labels.h"
#include "vigil/relabel.h"

namespace vigil::notify {

// Prometheus's --alertmanager.notification-queue-capacity and maxBatchSize.
inline constexpr size_t kDefaultQueueCapacity = 10000;
inline constexpr size_t kMaxBatchSize = 256;
// Retry backoff defaults: 1 s doubling up to 30 s.
inline constexpr std::chrono::milliseconds kDefaultRetryInitialBackoff{1000};
inline constexpr std::chrono::milliseconds kDefaultRetryMaxBackoff{30000};
// How long an alert without endsAt, or a resolve, is retried: Alertmanager's
// default resolve_timeout, after which it would resolve such an alert
// anyway.
inline constexpr std::chrono::milliseconds kRetryWithoutEndsAt{5 * 60 * 1000};
inline constexpr std::string_view kAlertsPath = "/api/v2/alerts";

struct AlertmanagerTarget {
  // Base URL, e.g. "http://alertmanager:9093" (path_prefix included);
  // alerts_path is appended.
  std::string url;
  std::string alerts_path = std::string(kAlertsPath);
  std::chrono::milliseconds timeout{10000};
  std::string basic_auth_user;
  std::string basic_auth_password;
  std::string bearer_token;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;
  bool insecure_skip_verify = false;
};

// Where a target POSTs: url without trailing slashes, then alerts_path.
std::string AlertsUrl(const AlertmanagerTarget& target);

// One `alerting.alertmanagers` entry of Prometheus's config.
struct AlertmanagerConfig {
  std::string scheme = "http";
  std::string path_prefix;
  std::chrono::milliseconds timeout{10000};
  // Credentials and TLS for every Alertmanager of the entry (its url,
  // alerts_path and timeout are not used).
  AlertmanagerTarget client;
  std::vector<discovery::TargetGroup> static_configs;
  std::vector<discovery::FileSdConfig> file_sd_configs;
  std::vector<relabel::Config> relabel_configs;
};

// An alert as Alertmanager receives it.
struct NotifierAlert {
  Labels labels;
  Labels annotations;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;  // 0: unset
  std::string generator_url;
};

struct NotifierOptions {
  std::vector<AlertmanagerTarget> alertmanagers;
  std::vector<AlertmanagerConfig> alertmanager_configs;  // discovered ones
  // Called with each discovery error (a file_sd file that does not read,
  // an unusable address) from the discovery thread, or from the thread of
  // ApplyOptions() / RefreshDiscovery(), with no Notifier lock held; may be
  // empty.
  std::function<void(const std::string&)> on_discovery_error;
  size_t queue_capacity = kDefaultQueueCapacity;  // per Alertmanager
  std::chrono::milliseconds retry_initial_backoff = kDefaultRetryInitialBackoff;
  std::chrono::milliseconds retry_max_backoff = kDefaultRetryMaxBackoff;
  Labels external_labels;
  // alert_relabel_configs: the relabelled labels, or nullopt to drop.
  std::function<std::optional<Labels>(const Labels&)> relabel;
};

// One Alertmanager's counters. An alert counts once per Alertmanager, as
// Prometheus's per-alertmanager notification metrics do.
struct AlertmanagerStats {
  std::string url;
  std::string alerts_url;          // AlertsUrl(target)
  uint64_t alerts_sent = 0;        // alerts in batches it accepted
  uint64_t alerts_dropped = 0;     // every alert let go undelivered, including:
  uint64_t alerts_expired = 0;     // endsAt passed while retrying
  uint64_t alerts_superseded = 0;  // a newer copy was queued while retrying
  uint64_t send_errors = 0;        // failed POSTs
  uint64_t alerts_errored = 0;     // alerts in failed POSTs (per attempt)
  uint64_t retries = 0;            // POSTs resending alerts of a failed batch
  uint64_t batches_sent = 0;
  size_t queue_length = 0;  // including a batch waiting to be retried
};

// Sums over the Alertmanagers, plus alerts dropped because none was
// configured (counted once in alerts_dropped).
struct NotifierStats {
  uint64_t alerts_sent = 0;
  uint64_t alerts_dropped = 0;
  uint64_t alerts_expired = 0;
  uint64_t alerts_superseded = 0;
  uint64_t send_errors = 0;
  uint64_t alerts_errored = 0;
  uint64_t retries = 0;
  uint64_t batches_sent = 0;
  size_t queue_length = 0;
  size_t alertmanagers = 0;
  std::vector<AlertmanagerStats> per_alertmanager;  // in options order
};

// /api/v1/alertmanagers: POST URLs of the Alertmanagers in use, and of the
// discovered ones that relabel_configs dropped.
struct AlertmanagerUrls {
  std::vector<std::string> active;
  std::vector<std::string> dropped;
};

class Notifier {
 public:
  explicit Notifier(NotifierOptions options);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  void Send(std::vector<NotifierAlert> alerts);
  // Replaces the targets, labels and relabeling (on reload). An
  // Alertmanager whose url stays keeps its queue; a removed one's queue is
  // dropped (and counted). May wait for a removed one's POST in flight.
  void ApplyOptions(NotifierOptions options);
  // Waits up to `timeout` until every Alertmanager's queue is empty and no
  // POST is in flight; false if something is still undelivered (shutdown,
  // tests).
  bool Flush(std::chrono::milliseconds timeout);
  NotifierStats Stats() const;
  AlertmanagerUrls Alertmanagers() const;
  // Re-reads file_sd files that changed and applies the result now instead
  // of at the next refresh_interval (tests, reload).
  void RefreshDiscovery();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The API v2 request body for a batch (postableAlerts).
std::string EncodeAlertsJson(const std::vector<NotifierAlert>& alerts);

}  // namespace vigil::notify

#endif  // VIGIL_NOTIFY_H_
