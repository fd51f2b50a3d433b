// Notifier: delivers alerts to Alertmanagers over API v2, as Prometheus's
// notifier package does.
//
// Send() never blocks on the network: alerts go into a bounded queue
// (capacity 10,000 by default, Prometheus's); when it is full the oldest
// alerts are dropped and counted. A background thread takes batches of up
// to 256 alerts and POSTs each batch as JSON to /api/v2/alerts of every
// configured Alertmanager in parallel. A batch counts as delivered when at
// least one Alertmanager accepted it (HTTP 2xx); failures are counted per
// Alertmanager and not retried — the rules layer resends firing alerts
// every resend delay, as in Prometheus.
//
// Before queuing, external labels are added to each alert (an alert's own
// label wins) and the optional relabel hook (alert_relabel_configs) may
// rewrite or drop it.
//
// Thread safety: all methods are safe to call from any thread. The
// destructor stops the thread after trying to deliver what is queued.
#ifndef VIGIL_NOTIFY_H_
#define VIGIL_NOTIFY_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vigil/labels.h"
#include "vigil/rules.h"

namespace vigil::notify {

// Prometheus's --alertmanager.notification-queue-capacity and maxBatchSize.
inline constexpr size_t kDefaultQueueCapacity = 10000;
inline constexpr size_t kMaxBatchSize = 256;

struct AlertmanagerTarget {
  // Base URL, e.g. "http://alertmanager:9093" (path_prefix included);
  // "/api/v2/alerts" is appended.
  std::string url;
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
  size_t queue_capacity = kDefaultQueueCapacity;
  Labels external_labels;
  // alert_relabel_configs: the relabelled labels, or nullopt to drop.
  std::function<std::optional<Labels>(const Labels&)> relabel;
};

struct NotifierStats {
  uint64_t alerts_sent = 0;     // alerts in batches some AM accepted
  uint64_t alerts_dropped = 0;  // queue overflow or undeliverable batches
  uint64_t send_errors = 0;     // failed POSTs, summed over AMs
  uint64_t batches_sent = 0;
  size_t queue_length = 0;
  size_t alertmanagers = 0;
};

class Notifier {
 public:
  explicit Notifier(NotifierOptions options);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  void Send(std::vector<NotifierAlert> alerts);
  // Replaces the targets, labels and relabeling (on reload); the queue is
  // kept.
  void ApplyOptions(NotifierOptions options);
  // Waits up to `timeout` for the queue to drain (shutdown, tests).
  bool Flush(std::chrono::milliseconds timeout);
  NotifierStats Stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Prometheus's conversion of rule alerts (cmd/prometheus sendAlerts):
// startsAt = fired_at, endsAt = resolved_at or valid_until, and a generator
// URL linking to the expression in the table view of `external_url`.
std::vector<NotifierAlert> FromRuleAlerts(
    const std::string& expr, const std::vector<rules::Alert>& alerts,
    const std::string& external_url);

// The API v2 request body for a batch (postableAlerts).
std::string EncodeAlertsJson(const std::vector<NotifierAlert>& alerts);

}  // namespace vigil::notify

#endif  // VIGIL_NOTIFY_H_
