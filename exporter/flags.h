// Command-line flags of `vigil run`, with Prometheus's names and defaults
// where Prometheus has the flag. Parsed from a table, so --help, the
// /api/v1/status/flags map and the parser never disagree.
#ifndef VIGIL_EXPORTER_FLAGS_H_
#define VIGIL_EXPORTER_FLAGS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace vigil::exporter {

struct Flags {
  std::string config_file;  // empty: the built-in demo
  std::string listen_address = "0.0.0.0:9090";
  std::string external_url;
  std::string route_prefix;  // empty: the external URL's path
  bool enable_lifecycle = false;
  int64_t retention_ms = 15LL * 24 * 3600 * 1000;
  std::vector<std::string> storage_load;  // --storage.load, repeatable
  std::string storage_path;  // --storage.tsdb.path; empty: memory only
  int64_t wal_sync_interval_ms = 1000;
  int64_t resend_delay_ms = 60 * 1000;
  int64_t for_outage_tolerance_ms = 3600 * 1000;
  int64_t for_grace_period_ms = 10 * 60 * 1000;
  int64_t query_timeout_ms = 2 * 60 * 1000;
  int64_t query_max_samples = 50'000'000;
  int64_t query_max_concurrency = 20;
  int64_t lookback_delta_ms = 5 * 60 * 1000;
  int64_t notification_queue_capacity = 10000;
  int64_t web_max_connections = 512;
  int64_t web_read_timeout_ms = 5 * 60 * 1000;
  std::string web_config_file;        // TLS and basic auth; empty: plain HTTP
  std::string log_level = "info";     // debug, info, warn, error
  std::string log_format = "logfmt";  // logfmt, json
  std::string state_file;             // alert state across restarts
  // Rules query this Prometheus-compatible API instead of the local store
  // (overrides the config's datasource.url).
  std::string datasource_url;
  // The security-context collector (vigil/kube.h): on with kube_in_cluster
  // or a kube_api_url.
  bool kube_in_cluster = false;
  std::string kube_api_url;
  std::string kube_token_file;
  std::string kube_ca_file;
  bool kube_insecure_skip_verify = false;
  int64_t kube_collect_interval_ms = 30 * 1000;
  bool demo = false;

  // Every flag with its current value, as /api/v1/status/flags shows them.
  std::map<std::string, std::string> AsMap() const;
};

// Parses `--name=value`, `--name value`, `--flag`, `--no-flag`. Errors name
// the flag: `unknown long flag '--x'`, `invalid duration "5x" for
// --query.timeout`.
absl::StatusOr<Flags> ParseFlags(const std::vector<std::string>& args);

// The --help text: every flag, its default and what it does.
std::string FlagsHelp();

}  // namespace vigil::exporter

#endif  // VIGIL_EXPORTER_FLAGS_H_
