// Scraping: Prometheus's scrape_configs, target discovery (static_configs,
// file_sd_configs), target relabeling and the scrape loops that append
// samples to a store (any vigil::Appendable, e.g. a tsdb::Head).
//
// Semantics are Prometheus 3's (config/config.go, scrape/target.go,
// scrape/scrape.go):
// - DecodeScrapeConfig applies Prometheus's defaults (metrics_path
//   "/metrics", scheme "http", honor_timestamps true, interval/timeout from
//   the global section) and validation, with "file:line:col: " errors.
// - PopulateLabels builds a target's labels: group labels, then __address__
//   etc., then the config's defaults (job, __scheme__, __metrics_path__,
//   __scrape_interval__, __scrape_timeout__, __param_<name>), then
//   relabel_configs; __meta_* labels are removed and `instance` defaults to
//   __address__. Labels starting with "__" never reach the samples.
// - Each active target has a scrape loop that starts at a hash-based offset
//   inside the interval (targets spread out, as Prometheus's Target.offset),
//   scrapes with Prometheus's Accept header and timeout header, parses by
//   Content-Type, applies honor_labels / metric_relabel_configs / limits and
//   appends one scrape through one Appender committed atomically. Series that
//   disappear get staleness markers; a failed scrape (including "sample limit
//   exceeded") appends nothing but staleness markers for the previous
//   scrape's series. up, scrape_duration_seconds, scrape_samples_scraped,
//   scrape_samples_post_metric_relabeling and scrape_series_added are
//   reported with the target labels.
//
// Thread safety: ScrapeManager's methods may be called from any thread.
// The store passed to it must outlive it.
#ifndef VIGIL_SCRAPE_H_
#define VIGIL_SCRAPE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "vigil/discovery.h"
#include "vigil/labels.h"
#include "vigil/relabel.h"

namespace YAML {
class Node;
}

namespace vigil::http {
struct Request;
}

namespace vigil {
class Appendable;
}

namespace vigil::scrape {

// Prometheus's global defaults (config.DefaultGlobalConfig).
inline constexpr int64_t kDefaultScrapeIntervalMs = 60 * 1000;
inline constexpr int64_t kDefaultScrapeTimeoutMs = 10 * 1000;
// Prometheus's --scrape.timestamp-tolerance default: a scrape starting this
// close to its tick (at most 1% of the interval) is stamped with the tick.
inline constexpr int64_t kScrapeTimestampToleranceMs = 2;
// The exposition formats a scrape may ask for (Prometheus's
// config.ScrapeProtocol), named as in the config file.
enum class ScrapeProtocol : uint8_t {
  kPrometheusProto,
  kOpenMetricsText1_0_0,
  kOpenMetricsText0_0_1,
  kPrometheusText1_0_0,
  kPrometheusText0_0_4,
};
// "PrometheusProto", "OpenMetricsText1.0.0", ...
std::string_view ScrapeProtocolName(ScrapeProtocol protocol);
// Prometheus 3's defaults: DefaultScrapeProtocols (OpenMetrics 1.0.0 and
// 0.0.1, text 1.0.0 and 0.0.4) or, when the job scrapes native histograms,
// DefaultProtoFirstScrapeProtocols (PrometheusProto, then the same).
std::vector<ScrapeProtocol> DefaultScrapeProtocols(bool native_histograms);
// The Accept header for `protocols` in order of preference, as
// Prometheus's acceptHeader builds it: weights count down from q=0.6 and
// */* comes last; the 1.0.0 text formats ask for escaping=allow-utf-8.
std::string AcceptHeader(const std::vector<ScrapeProtocol>& protocols);

struct GlobalDefaults {
  int64_t scrape_interval_ms = kDefaultScrapeIntervalMs;
  int64_t scrape_timeout_ms = kDefaultScrapeTimeoutMs;
  // The global section's histogram settings, inherited by jobs that do not
  // set their own. Empty scrape_protocols: unset (a job then picks its
  // default from its own scrape_native_histograms, as Prometheus 3 does).
  std::vector<ScrapeProtocol> scrape_protocols;
  bool scrape_native_histograms = false;
  bool always_scrape_classic_histograms = false;
  bool convert_classic_histograms_to_nhcb = false;
};
// Decodes the global section's scrape_protocols, scrape_native_histograms,
// always_scrape_classic_histograms and convert_classic_histograms_to_nhcb
// into *out (other fields are the caller's).
absl::Status DecodeGlobalScrapeFields(std::string_view file,
                                      const YAML::Node& global,
                                      GlobalDefaults* out);

// Target groups come from lib/discovery; scrape code names them unqualified.
using discovery::FileSdConfig;
using discovery::kDefaultFileSdRefreshMs;
using discovery::ReadTargetGroupFile;
using discovery::TargetGroup;

struct BasicAuth {
  std::string username;
  std::string password;
  std::string password_file;  // read at every scrape, as Prometheus does
};

struct Authorization {
  std::string type = "Bearer";
  std::string credentials;
  std::string credentials_file;
};

struct TlsConfig {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;
  bool insecure_skip_verify = false;
};

// The HTTP client settings Prometheus's configs share (HTTPClientConfig),
// decoded with its defaults and validation, relative file paths resolved
// against `base_dir`: for scrape_configs and for other clients configured
// the same way (remote_write).
absl::StatusOr<BasicAuth> DecodeBasicAuth(std::string_view file,
                                          const YAML::Node& node,
                                          std::string_view base_dir);
absl::StatusOr<Authorization> DecodeAuthorization(std::string_view file,
                                                  const YAML::Node& node,
                                                  std::string_view base_dir);
absl::StatusOr<TlsConfig> DecodeTls(std::string_view file,
                                    const YAML::Node& node,
                                    std::string_view base_dir);
// Applies those settings to `req` as Prometheus's client does; secret
// files are read now, so a rotated one takes effect at the next request.
// Errors: Unavailable "unable to read <what> file <path>".
absl::Status ApplyHttpClientConfig(
    const std::optional<BasicAuth>& basic_auth,
    const std::optional<Authorization>& authorization, const TlsConfig& tls,
    http::Request* req);
// Append the settings / relabel configs to a string that compares equal
// exactly when they are the same (is a reloaded config changed?).
void AppendHttpClientFingerprint(
    const std::optional<BasicAuth>& basic_auth,
    const std::optional<Authorization>& authorization, const TlsConfig& tls,
    std::string* out);
void AppendRelabelFingerprint(const std::vector<relabel::Config>& configs,
                              std::string* out);

// What to parse a response as when its Content-Type is missing or unknown
// (fallback_scrape_protocol); unset means such a scrape fails.
enum class FallbackProtocol {
  kNone,
  kPrometheusText,
  kOpenMetrics,
  kPrometheusProto
};

struct ScrapeConfig {
  std::string job_name;
  int64_t scrape_interval_ms = 0;  // filled from GlobalDefaults
  int64_t scrape_timeout_ms = 0;
  std::string metrics_path = "/metrics";
  std::string scheme = "http";
  std::map<std::string, std::vector<std::string>> params;
  bool honor_labels = false;
  bool honor_timestamps = true;
  bool enable_compression = true;
  FallbackProtocol fallback_scrape_protocol = FallbackProtocol::kNone;
  // In order of preference; decoding fills Prometheus's default when unset.
  std::vector<ScrapeProtocol> scrape_protocols = DefaultScrapeProtocols(false);
  // Native histograms are appended as such (Prometheus 3's
  // scrape_native_histograms; off by default). Off, the protobuf format's
  // histograms are read as classic ones.
  bool scrape_native_histograms = false;
  // A histogram exposed both as native and classic also yields its classic
  // series.
  bool always_scrape_classic_histograms = false;
  // Classic histograms of the protobuf format become native histograms with
  // custom buckets (schema -53).
  bool convert_classic_histograms_to_nhcb = false;
  // More buckets than this in a native histogram lowers its resolution
  // until it fits; a histogram that cannot fit fails the scrape
  // ("histogram bucket limit exceeded"). 0: no limit.
  uint64_t native_histogram_bucket_limit = 0;
  // Buckets narrower than this growth factor are merged (the schema is
  // capped at the largest n with 2^(2^-n) >= factor). <= 1: no cap.
  double native_histogram_min_bucket_factor = 0;
  std::optional<BasicAuth> basic_auth;
  // bearer_token / bearer_token_file decode into this (type "Bearer").
  std::optional<Authorization> authorization;
  TlsConfig tls_config;
  std::vector<TargetGroup> static_configs;
  std::vector<FileSdConfig> file_sd_configs;
  std::vector<relabel::Config> relabel_configs;
  std::vector<relabel::Config> metric_relabel_configs;
  // 0 means no limit.
  uint64_t sample_limit = 0;
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  int64_t body_size_limit_bytes = 0;

  // Whether two configs would scrape identically (used on reload to keep
  // the loops of unchanged jobs).
  bool SameAs(const ScrapeConfig& other) const;
};

// Decodes one `scrape_configs` entry / the whole sequence (the latter also
// rejects duplicate job names: `found multiple scrape configs with job name
// "x"`). Relative file paths (password_file, file_sd files, TLS files) are
// resolved against `base_dir` when it is non-empty.
absl::StatusOr<ScrapeConfig> DecodeScrapeConfig(
    const YAML::Node& node, std::string_view filename,
    const GlobalDefaults& global = {}, std::string_view base_dir = "");
absl::StatusOr<std::vector<ScrapeConfig>> DecodeScrapeConfigs(
    const YAML::Node& node, std::string_view filename,
    const GlobalDefaults& global = {}, std::string_view base_dir = "");
// Parses YAML text holding a scrape_configs sequence.
absl::StatusOr<std::vector<ScrapeConfig>> ParseScrapeConfigs(
    std::string_view yaml, std::string_view filename = "<input>",
    const GlobalDefaults& global = {});

// Prometheus's PopulateLabels. `labels` is the target's own label set,
// `group_labels` its group's. Returns the full label set (internal "__"
// labels included) or nullopt when relabeling dropped the target; an error
// for an unusable target ("no address", bad interval, ...).
absl::StatusOr<std::optional<Labels>> PopulateLabels(
    const Labels& labels, const Labels& group_labels,
    const ScrapeConfig& config);
// The labels a target's samples carry: those not starting with "__".
Labels PublicTargetLabels(const Labels& full);
// The scrape URL of a populated target: scheme, address and path from its
// labels; the config's params with each __param_<name> replacing the first
// value of <name>.
std::string TargetUrl(
    const Labels& full,
    const std::map<std::string, std::vector<std::string>>& config_params = {});

enum class TargetHealth { kUnknown, kUp, kDown };
// "unknown", "up", "down" as /api/v1/targets prints them.
std::string_view TargetHealthName(TargetHealth health);

// One metric family's metadata as a target's last scrapes declared it (its
// HELP, TYPE and UNIT lines); Prometheus's scrape.MetricMetadata. A family
// is remembered until it has been missing from kCacheEvictAfterScrapes
// scrapes in a row.
struct MetricMetadata {
  std::string metric_family_name;
  std::string type;  // "counter", ..., "unknown" (textparse::MetricTypeName)
  std::string help;
  std::string unit;
  friend bool operator==(const MetricMetadata&,
                         const MetricMetadata&) = default;
};

struct ActiveTarget {
  std::string scrape_pool;  // the job name
  std::string scrape_url;
  Labels discovered_labels;  // before relabeling
  Labels labels;             // public labels after relabeling
  std::string global_url;
  TargetHealth health = TargetHealth::kUnknown;
  std::string last_error;
  int64_t last_scrape_ms = 0;  // 0 when never scraped
  double last_scrape_duration_seconds = 0;
  int64_t scrape_interval_ms = 0;
  int64_t scrape_timeout_ms = 0;
  // The families its last scrapes declared (never null; shared with the
  // scrape loop, which replaces rather than changes it).
  std::shared_ptr<const std::vector<MetricMetadata>> metadata =
      std::make_shared<const std::vector<MetricMetadata>>();
};

struct DroppedTarget {
  std::string scrape_pool;
  Labels discovered_labels;
};

// Prometheus's default max number of scrape loops is unbounded; vigil runs
// one thread per target, so it caps them. Targets over the cap are dropped
// (and reported as dropped).
inline constexpr size_t kDefaultMaxActiveTargets = 4096;

// One failed scrape, as the manager reports it so that the caller can log it.
struct ScrapeFailure {
  std::string scrape_pool;  // the job name
  std::string scrape_url;
  // Why: an HTTP or network error, a limit, or a payload error that starts
  // with its position ("line 3, column 12 (byte 57): ...").
  std::string error;
  int64_t timestamp_ms = 0;  // the scrape's timestamp
};
using ScrapeFailureHandler = std::function<void(const ScrapeFailure&)>;

struct ManagerOptions {
  size_t max_active_targets = kDefaultMaxActiveTargets;
  // XOR-ed into target hashes for the start offsets (Prometheus seeds it
  // from the external labels and hostname so that HA pairs differ).
  uint64_t offset_seed = 0;
  // Milliseconds since the epoch; tests may replace the clock.
  int64_t (*now_ms)() = nullptr;
  // Called on the scrape loop's thread after every failed scrape; may be
  // empty. Keep it quick: the loop waits for it.
  ScrapeFailureHandler on_failure;
};

class ScrapeManager {
 public:
  explicit ScrapeManager(Appendable* storage, ManagerOptions options = {});
  ~ScrapeManager();  // Stop()s
  ScrapeManager(const ScrapeManager&) = delete;
  ScrapeManager& operator=(const ScrapeManager&) = delete;

  // Replaces the scrape configs. Loops of targets whose config and labels
  // are unchanged keep running; removed targets get staleness markers for
  // their last scrape's series. Errors from target population make the
  // target dropped, never the reload a failure; the returned error is for
  // an invalid config set (duplicate job names).
  absl::Status ApplyConfig(std::vector<ScrapeConfig> configs);
  // Re-reads file_sd files whose mtime changed and applies the resulting
  // targets. Runs on its own from a background thread every
  // refresh_interval; exposed so callers and tests can force it.
  void RefreshDiscovery();

  std::vector<ActiveTarget> ActiveTargets() const;
  std::vector<DroppedTarget> DroppedTargets() const;
  // The metadata of every active target, each distinct entry once (equal
  // in all four fields), in target order; what remote write's metadata
  // sender ships, as Prometheus's MetadataWatcher collects it.
  std::vector<MetricMetadata> Metadata() const;

  // Stops all loops and the discovery thread; no staleness markers are
  // written (as Prometheus on shutdown). Idempotent.
  void Stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::scrape

#endif  // VIGIL_SCRAPE_H_
