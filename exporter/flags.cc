#include "exporter/flags.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <type_traits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/model/duration.h"

namespace vigil::exporter {
namespace {

// kStringList: repeatable, each occurrence appends.
enum class Kind { kString, kBool, kDuration, kInt, kEnum, kStringList };

struct FlagSpec {
  const char* name;
  Kind kind;
  const char* help;
  // Reads the field as text, and sets it from text (already validated for
  // its kind).
  std::function<std::string(const Flags&)> get;
  std::function<void(Flags&, const std::string&)> set;
  std::vector<std::string> choices = {};
};

template <typename Field>
FlagSpec Spec(const char* name, Kind kind, const char* help, Field Flags::*f,
              std::vector<std::string> choices = {}) {
  FlagSpec s{name, kind, help, nullptr, nullptr, std::move(choices)};
  if constexpr (std::is_same_v<Field, std::string>) {
    s.get = [f](const Flags& fl) { return fl.*f; };
    s.set = [f](Flags& fl, const std::string& v) { fl.*f = v; };
  } else if constexpr (std::is_same_v<Field, std::vector<std::string>>) {
    s.get = [f](const Flags& fl) {
      std::string joined;
      for (const std::string& v : fl.*f)
        absl::StrAppend(&joined, joined.empty() ? "" : ",", v);
      return joined;
    };
    s.set = [f](Flags& fl, const std::string& v) { (fl.*f).push_back(v); };
  } else if constexpr (std::is_same_v<Field, bool>) {
    s.get = [f](const Flags& fl) {
      return std::string(fl.*f ? "true" : "false");
    };
    s.set = [f](Flags& fl, const std::string& v) { fl.*f = v == "true"; };
  } else if (kind == Kind::kDuration) {
    s.get = [f](const Flags& fl) { return FormatDurationMs(fl.*f); };
    s.set = [f](Flags& fl, const std::string& v) {
      fl.*f = *ParseDurationMs(v);
    };
  } else {
    s.get = [f](const Flags& fl) { return std::to_string(fl.*f); };
    s.set = [f](Flags& fl, const std::string& v) {
      int64_t n = 0;
      (void)absl::SimpleAtoi(v, &n);
      fl.*f = n;
    };
  }
  return s;
}

const std::vector<FlagSpec>& Table() {
  static const std::vector<FlagSpec> table = {
      Spec("config.file", Kind::kString,
           "vigil configuration file (Prometheus's format); without it "
           "vigil runs its built-in demo.",
           &Flags::config_file),
      Spec("web.listen-address", Kind::kString,
           "Address to listen on for the API, /metrics and lifecycle.",
           &Flags::listen_address),
      Spec("web.external-url", Kind::kString,
           "URL under which vigil is reachable; used in alert links.",
           &Flags::external_url),
      Spec("web.route-prefix", Kind::kString,
           "Prefix for the internal routes of web endpoints (the UI, the "
           "API, /metrics). Defaults to path of --web.external-url.",
           &Flags::route_prefix),
      Spec("web.enable-lifecycle", Kind::kBool,
           "Enable shutdown and reload via HTTP (/-/quit, /-/reload).",
           &Flags::enable_lifecycle),
      Spec("web.max-connections", Kind::kInt,
           "Maximum number of simultaneous connections; more wait in the "
           "listen queue. Each holds a worker thread.",
           &Flags::web_max_connections),
      Spec("web.read-timeout", Kind::kDuration,
           "Maximum duration before timing out read of the request, and "
           "closing idle connections.",
           &Flags::web_read_timeout_ms),
      Spec("web.config.file", Kind::kString,
           "[EXPERIMENTAL] Path to configuration file that can enable TLS "
           "or authentication (exporter-toolkit's format; see `vigil check "
           "web-config`). Applies to every endpoint, /-/healthy and "
           "/-/ready included.",
           &Flags::web_config_file),
      Spec("storage.retention", Kind::kDuration,
           "How long to keep samples in memory.", &Flags::retention_ms),
      Spec("storage.tsdb.path", Kind::kString,
           "Base path for metrics storage: a write-ahead log under "
           "PATH/wal keeps every committed sample across restarts and "
           "crashes. Empty: memory only.",
           &Flags::storage_path),
      Spec("storage.tsdb.wal-sync-interval", Kind::kDuration,
           "How often the write-ahead log is fsynced: a power loss loses "
           "at most this much; a crashed process loses nothing committed. "
           "0s syncs every commit.",
           &Flags::wal_sync_interval_ms),
      Spec("storage.load", Kind::kStringList,
           "OpenMetrics file of timestamped samples (promtool's backfill "
           "input) to load before rules run; repeatable. Loaded data is "
           "exempt from retention.",
           &Flags::storage_load),
      Spec("rules.alert.resend-delay", Kind::kDuration,
           "Minimum time before resending an alert to Alertmanager.",
           &Flags::resend_delay_ms),
      Spec("rules.alert.for-outage-tolerance", Kind::kDuration,
           "Max downtime to tolerate while restoring 'for' state of alerts.",
           &Flags::for_outage_tolerance_ms),
      Spec("rules.alert.for-grace-period", Kind::kDuration,
           "Minimum duration between alert and restored 'for' state.",
           &Flags::for_grace_period_ms),
      Spec("query.timeout", Kind::kDuration,
           "Maximum time a query may take before being aborted.",
           &Flags::query_timeout_ms),
      Spec("query.max-samples", Kind::kInt,
           "Maximum number of samples a single query can load into memory.",
           &Flags::query_max_samples),
      Spec("query.max-concurrency", Kind::kInt,
           "Maximum number of queries executed concurrently.",
           &Flags::query_max_concurrency),
      Spec("query.lookback-delta", Kind::kDuration,
           "How far back to look for a sample of an instant vector.",
           &Flags::lookback_delta_ms),
      Spec("alertmanager.notification-queue-capacity", Kind::kInt,
           "Capacity of the queue of pending Alertmanager notifications.",
           &Flags::notification_queue_capacity),
      Spec("log.level", Kind::kEnum,
           "Only log messages at or above this level.", &Flags::log_level,
           {"debug", "info", "warn", "error"}),
      Spec("log.format", Kind::kEnum, "Output format of log messages.",
           &Flags::log_format, {"logfmt", "json"}),
      Spec("state.file", Kind::kString,
           "JSON file where alert state (pending, firing and resolved "
           "alerts) is saved every 30s and on shutdown, and restored from "
           "on start within the outage tolerance; a corrupt file is logged "
           "and ignored. Empty: restore from ALERTS_FOR_STATE only.",
           &Flags::state_file),
      Spec("datasource.url", Kind::kString,
           "Evaluate rules by instant queries to this Prometheus-compatible "
           "API (Prometheus, Thanos, Mimir, VictoriaMetrics), e.g. "
           "http://prometheus:9090, instead of the local store; recordings "
           "and ALERTS are still written locally. Overrides the config's "
           "datasource.url; auth and TLS go in its datasource block.",
           &Flags::datasource_url),
      Spec("kube.in-cluster", Kind::kBool,
           "Collect pod security contexts from the Kubernetes API with the "
           "pod's service account (KUBERNETES_SERVICE_HOST/PORT, token and "
           "CA at their standard paths); the --kube.* flags below override.",
           &Flags::kube_in_cluster),
      Spec("kube.api-url", Kind::kString,
           "Kubernetes API server URL (e.g. https://10.96.0.1:443 or "
           "http://127.0.0.1:8001 for kubectl proxy); set, it turns the "
           "security-context collector on outside a cluster.",
           &Flags::kube_api_url),
      Spec("kube.token-file", Kind::kString,
           "Bearer token file for the Kubernetes API, re-read on every "
           "list.",
           &Flags::kube_token_file),
      Spec("kube.ca-file", Kind::kString,
           "CA bundle that signed the Kubernetes API server's certificate.",
           &Flags::kube_ca_file),
      Spec("kube.insecure-skip-verify", Kind::kBool,
           "Do not verify the Kubernetes API server's certificate.",
           &Flags::kube_insecure_skip_verify),
      Spec("kube.collect-interval", Kind::kDuration,
           "How often pods are listed for their security contexts.",
           &Flags::kube_collect_interval_ms),
      Spec("demo", Kind::kBool,
           "Run the built-in demo (the default without --config.file): "
           "targets and a Kubernetes API served by vigil itself, the "
           "bundled rule pack; needs nothing outside.",
           &Flags::demo),
  };
  return table;
}

absl::Status CheckValue(const FlagSpec& spec, const std::string& value) {
  switch (spec.kind) {
    case Kind::kDuration:
      if (!ParseDurationMs(value).ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid duration \"", value, "\" for --", spec.name));
      }
      break;
    case Kind::kInt: {
      int64_t n = 0;
      if (!absl::SimpleAtoi(value, &n) || n < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "invalid non-negative integer \"", value, "\" for --", spec.name));
      }
      break;
    }
    case Kind::kEnum:
      if (std::find(spec.choices.begin(), spec.choices.end(), value) ==
          spec.choices.end()) {
        std::string all;
        for (const auto& c : spec.choices)
          absl::StrAppend(&all, all.empty() ? "" : ", ", c);
        return absl::InvalidArgumentError(
            absl::StrCat("enum value must be one of ", all, ", got '", value,
                         "' for --", spec.name));
      }
      break;
    case Kind::kBool:
      if (value != "true" && value != "false") {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid boolean \"", value, "\" for --", spec.name));
      }
      break;
    case Kind::kString:
    case Kind::kStringList:
      break;
  }
  return absl::OkStatus();
}

}  // namespace

std::map<std::string, std::string> Flags::AsMap() const {
  std::map<std::string, std::string> out;
  for (const FlagSpec& s : Table()) out[s.name] = s.get(*this);
  return out;
}

absl::StatusOr<Flags> ParseFlags(const std::vector<std::string>& args) {
  Flags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) {
      return absl::InvalidArgumentError("unexpected argument '" + arg + "'");
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    bool negated = false;
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& s : Table()) {
      if (name == s.name) spec = &s;
      if (s.kind == Kind::kBool && name == std::string("no-") + s.name) {
        spec = &s;
        negated = true;
      }
    }
    if (spec == nullptr) {
      return absl::InvalidArgumentError("unknown long flag '--" + name + "'");
    }
    if (spec->kind == Kind::kBool) {
      if (!value) value = negated ? "false" : "true";
    } else if (!value) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("expected argument for flag '--", name, "'"));
      }
      value = args[++i];
    }
    if (absl::Status s = CheckValue(*spec, *value); !s.ok()) return s;
    spec->set(flags, *value);
  }
  return flags;
}

std::string FlagsHelp() {
  Flags defaults;
  std::string out = "Flags:\n";
  for (const FlagSpec& s : Table()) {
    std::string head = absl::StrCat("  --", s.name);
    if (s.kind != Kind::kBool)
      absl::StrAppend(&head, "=",
                      s.get(defaults).empty() ? "\"\"" : s.get(defaults));
    absl::StrAppend(&out, head, "\n      ", s.help, "\n");
  }
  return out;
}

}  // namespace vigil::exporter
