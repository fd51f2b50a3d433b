// Decoding scrape_configs entries with Prometheus's defaults and validation
// (config.ScrapeConfig.UnmarshalYAML / Validate, HTTPClientConfig.Validate).
#include <yaml-cpp/yaml.h>

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/model/absl_compat.h"
#include "lib/model/go_quote.h"
#include "lib/model/strings.h"
#include "lib/scrape/scrape_protocols.h"
#include "lib/yaml/yaml_decode.h"
#include "vigil/discovery.h"
#include "vigil/scrape.h"

namespace vigil::scrape {
namespace {

using yamlcfg::ErrorAt;

// Prometheus fields vigil accepts and does not act on.
constexpr std::string_view kIgnoredFields[] = {
    "follow_redirects",
    "enable_http2",
    "track_timestamps_staleness",
    "target_limit",
    "keep_dropped_targets",
    "scrape_classic_histograms",
    "metric_name_validation_scheme",
    "metric_name_escaping_scheme",
};

// Discovery mechanisms Prometheus has and vigil does not.
constexpr std::string_view kUnsupportedDiscovery[] = {
    "kubernetes_sd_configs",   "consul_sd_configs",    "dns_sd_configs",
    "ec2_sd_configs",          "gce_sd_configs",       "azure_sd_configs",
    "http_sd_configs",         "docker_sd_configs",    "dockerswarm_sd_configs",
    "openstack_sd_configs",    "nomad_sd_configs",     "eureka_sd_configs",
    "digitalocean_sd_configs", "hetzner_sd_configs",   "linode_sd_configs",
    "marathon_sd_configs",     "serverset_sd_configs", "triton_sd_configs",
    "scaleway_sd_configs",     "puppetdb_sd_configs",  "lightsail_sd_configs",
    "kuma_sd_configs",         "uyuni_sd_configs",     "vultr_sd_configs",
    "ionos_sd_configs",        "ovhcloud_sd_configs",  "nerve_sd_configs",
};

struct ByteUnit {
  std::string_view suffix;
  int64_t factor;
};
// units.Base2Bytes: every unit is a power of 1024.
constexpr ByteUnit kByteUnits[] = {
    {"KiB", int64_t{1} << 10},
    {"MiB", int64_t{1} << 20},
    {"GiB", int64_t{1} << 30},
    {"TiB", int64_t{1} << 40},
    {"KB", int64_t{1} << 10},
    {"MB", int64_t{1} << 20},
    {"GB", int64_t{1} << 30},
    {"TB", int64_t{1} << 40},
    {"B", 1},
};

std::string Resolve(std::string_view base_dir, const std::string& path) {
  if (path.empty() || base_dir.empty() || path[0] == '/') return path;
  return absl::StrCat(ToAbsl(base_dir), "/", path);
}

absl::StatusOr<int64_t> DecodeBytes(std::string_view file,
                                    const YAML::Node& node) {
  auto s = yamlcfg::DecodeString(file, node);
  if (!s.ok()) return s.status();
  if (s->empty() || *s == "0") return 0;
  for (const ByteUnit& u : kByteUnits) {
    if (s->size() > u.suffix.size() &&
        std::string_view(*s).ends_with(u.suffix)) {
      int64_t n;
      if (absl::SimpleAtoi(s->substr(0, s->size() - u.suffix.size()), &n) &&
          n >= 0 && n <= INT64_MAX / u.factor) {
        return n * u.factor;
      }
    }
  }
  return ErrorAt(file, node,
                 absl::StrCat("units: unknown unit in ", QuoteString(*s)));
}

}  // namespace

absl::StatusOr<BasicAuth> DecodeBasicAuth(std::string_view file,
                                          const YAML::Node& node,
                                          std::string_view base_dir) {
  if (auto st = yamlcfg::CheckStruct(file, node,
                                     {"username", "password", "password_file"},
                                     "config.BasicAuth");
      !st.ok()) {
    return st;
  }
  BasicAuth b;
  yamlcfg::Fields fields(file, node);
  fields.String("username", b.username)
      .String("password", b.password)
      .String("password_file", b.password_file);
  if (!fields.status().ok()) return fields.status();
  b.password_file = Resolve(base_dir, b.password_file);
  if (!b.password.empty() && !b.password_file.empty()) {
    return ErrorAt(file, node,
                   "at most one of basic_auth password & password_file must "
                   "be configured");
  }
  return b;
}

absl::StatusOr<Authorization> DecodeAuthorization(std::string_view file,
                                                  const YAML::Node& node,
                                                  std::string_view base_dir) {
  if (auto st = yamlcfg::CheckStruct(
          file, node, {"type", "credentials", "credentials_file"},
          "config.Authorization");
      !st.ok()) {
    return st;
  }
  Authorization a;
  yamlcfg::Fields fields(file, node);
  fields.String("type", a.type)
      .String("credentials", a.credentials)
      .String("credentials_file", a.credentials_file);
  if (!fields.status().ok()) return fields.status();
  a.credentials_file = Resolve(base_dir, a.credentials_file);
  if (a.type.empty()) a.type = "Bearer";
  if (absl::AsciiStrToLower(a.type) == "basic") {
    return ErrorAt(file, node,
                   "authorization type cannot be set to \"basic\", use "
                   "\"basic_auth\" instead");
  }
  if (!a.credentials.empty() && !a.credentials_file.empty()) {
    return ErrorAt(file, node,
                   "at most one of authorization credentials & "
                   "credentials_file must be configured");
  }
  return a;
}

absl::StatusOr<TlsConfig> DecodeTls(std::string_view file,
                                    const YAML::Node& node,
                                    std::string_view base_dir) {
  TlsConfig t;
  if (node.IsNull()) return t;
  if (auto st = yamlcfg::CheckStruct(
          file, node,
          {"ca_file", "cert_file", "key_file", "server_name",
           "insecure_skip_verify", "min_version", "max_version"},
          "config.TLSConfig");
      !st.ok()) {
    return st;
  }
  yamlcfg::Fields fields(file, node);
  fields.String("ca_file", t.ca_file)
      .String("cert_file", t.cert_file)
      .String("key_file", t.key_file)
      .String("server_name", t.server_name)
      .Bool("insecure_skip_verify", t.insecure_skip_verify);
  if (!fields.status().ok()) return fields.status();
  for (std::string* path : {&t.ca_file, &t.cert_file, &t.key_file}) {
    *path = Resolve(base_dir, *path);
  }
  if (t.cert_file.empty() != t.key_file.empty()) {
    return ErrorAt(file, node,
                   t.cert_file.empty()
                       ? "client key file specified without client cert file"
                       : "client cert file specified without client key file");
  }
  return t;
}

namespace {

absl::StatusOr<std::map<std::string, std::vector<std::string>>> DecodeParams(
    std::string_view file, const YAML::Node& node) {
  std::map<std::string, std::vector<std::string>> out;
  if (node.IsNull()) return out;
  if (!node.IsMap()) {
    return yamlcfg::UnmarshalError(file, node, "url.Values");
  }
  for (const auto& kv : node) {
    auto values = yamlcfg::DecodeStringList(file, kv.second, "[]string");
    if (!values.ok()) return values.status();
    out[kv.first.Scalar()] = *std::move(values);
  }
  return out;
}

absl::StatusOr<FallbackProtocol> DecodeFallback(std::string_view file,
                                                const YAML::Node& node) {
  auto s = yamlcfg::DecodeString(file, node);
  if (!s.ok()) return s.status();
  if (s->empty()) return FallbackProtocol::kNone;
  if (*s == "PrometheusText0.0.4" || *s == "PrometheusText1.0.0") {
    return FallbackProtocol::kPrometheusText;
  }
  if (*s == "OpenMetricsText0.0.1" || *s == "OpenMetricsText1.0.0") {
    return FallbackProtocol::kOpenMetrics;
  }
  if (*s == "PrometheusProto") return FallbackProtocol::kPrometheusProto;
  return ErrorAt(file, node, UnknownProtocolMessage(*s));
}

// Go yaml's strict decoding of config.ScrapeConfig, with a pointed error
// for the discovery mechanisms vigil lacks.
absl::Status CheckScrapeConfigKeys(std::string_view f, const YAML::Node& node) {
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    for (std::string_view sd : kUnsupportedDiscovery) {
      if (key == sd) {
        return ErrorAt(f, kv.first,
                       absl::StrCat(key,
                                    " is not supported by vigil (supported: "
                                    "static_configs, file_sd_configs)"));
      }
    }
  }
  static const auto* known = new std::set<std::string_view>{
      "job_name",
      "honor_labels",
      "honor_timestamps",
      "params",
      "scrape_interval",
      "scrape_timeout",
      "fallback_scrape_protocol",
      "scrape_protocols",
      "scrape_native_histograms",
      "always_scrape_classic_histograms",
      "convert_classic_histograms_to_nhcb",
      "native_histogram_bucket_limit",
      "native_histogram_min_bucket_factor",
      "enable_compression",
      "metrics_path",
      "scheme",
      "body_size_limit",
      "sample_limit",
      "label_limit",
      "label_name_length_limit",
      "label_value_length_limit",
      "static_configs",
      "file_sd_configs",
      "relabel_configs",
      "metric_relabel_configs",
      "basic_auth",
      "authorization",
      "bearer_token",
      "bearer_token_file",
      "tls_config",
  };
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    bool ignored = false;
    for (std::string_view k : kIgnoredFields) ignored = ignored || key == k;
    if (!ignored && !known->contains(key)) {
      return ErrorAt(f, kv.first,
                     absl::StrCat("field ", key,
                                  " not found in type config.ScrapeConfig"));
    }
  }
  return absl::OkStatus();
}

// The job, its timing and its endpoint. The blocks below decode in
// Prometheus's field order, so that the first bad field is the one named.
void DecodeJobAndTiming(yamlcfg::Fields& fields, ScrapeConfig& c) {
  fields.String("job_name", c.job_name)
      .Bool("honor_labels", c.honor_labels)
      .Bool("honor_timestamps", c.honor_timestamps)
      .Bool("enable_compression", c.enable_compression)
      .DurationMs("scrape_interval", c.scrape_interval_ms)
      .DurationMs("scrape_timeout", c.scrape_timeout_ms)
      .String("metrics_path", c.metrics_path)
      .String("scheme", c.scheme);
}

void DecodeLimits(yamlcfg::Fields& fields, ScrapeConfig& c) {
  fields.Uint("sample_limit", c.sample_limit)
      .Uint("label_limit", c.label_limit)
      .Uint("label_name_length_limit", c.label_name_length_limit)
      .Uint("label_value_length_limit", c.label_value_length_limit)
      .Custom("body_size_limit", DecodeBytes, c.body_size_limit_bytes);
}

// What a scrape asks for besides the path: the fallback protocol and the
// URL parameters.
void DecodeRequest(yamlcfg::Fields& fields, ScrapeConfig& c) {
  fields
      .Custom("fallback_scrape_protocol", DecodeFallback,
              c.fallback_scrape_protocol)
      .Custom("params", DecodeParams, c.params);
}

// Prometheus's HTTPClientConfig.Validate, with the legacy bearer_token
// fields turned into an Authorization.
absl::Status DecodeHttpClient(std::string_view f, const YAML::Node& node,
                              std::string_view base_dir, ScrapeConfig& c) {
  std::string bearer_token, bearer_token_file;
  yamlcfg::Fields fields(f, node);
  fields.String("bearer_token", bearer_token)
      .String("bearer_token_file", bearer_token_file);
  if (!fields.status().ok()) return fields.status();
  if (node["basic_auth"] && !node["basic_auth"].IsNull()) {
    auto b = DecodeBasicAuth(f, node["basic_auth"], base_dir);
    if (!b.ok()) return b.status();
    c.basic_auth = *std::move(b);
  }
  if (node["authorization"] && !node["authorization"].IsNull()) {
    auto a = DecodeAuthorization(f, node["authorization"], base_dir);
    if (!a.ok()) return a.status();
    c.authorization = *std::move(a);
  }
  if (node["tls_config"]) {
    auto t = DecodeTls(f, node["tls_config"], base_dir);
    if (!t.ok()) return t.status();
    c.tls_config = *std::move(t);
  }
  if (!bearer_token.empty() && !bearer_token_file.empty()) {
    return ErrorAt(f, node,
                   "at most one of bearer_token & bearer_token_file must be "
                   "configured");
  }
  const bool has_bearer = !bearer_token.empty() || !bearer_token_file.empty();
  if (c.basic_auth && has_bearer) {
    return ErrorAt(f, node,
                   "at most one of basic_auth, oauth2, bearer_token & "
                   "bearer_token_file must be configured");
  }
  if (c.basic_auth && c.authorization) {
    return ErrorAt(f, node,
                   "at most one of basic_auth, oauth2 & authorization must be "
                   "configured");
  }
  if (has_bearer && c.authorization) {
    return ErrorAt(f, node,
                   "authorization is not compatible with bearer_token & "
                   "bearer_token_file");
  }
  if (has_bearer) {
    c.authorization = Authorization{"Bearer", bearer_token,
                                    Resolve(base_dir, bearer_token_file)};
  }
  return absl::OkStatus();
}

absl::Status DecodeDiscovery(std::string_view f, const YAML::Node& node,
                             std::string_view base_dir, ScrapeConfig& c) {
  if (node["static_configs"]) {
    auto groups = discovery::DecodeTargetGroups(f, node["static_configs"], "");
    if (!groups.ok()) return groups.status();
    c.static_configs = *std::move(groups);
  }
  if (node["file_sd_configs"]) {
    auto sd =
        discovery::DecodeFileSdConfigs(f, node["file_sd_configs"], base_dir);
    if (!sd.ok()) return sd.status();
    c.file_sd_configs = *std::move(sd);
  }
  return absl::OkStatus();
}

absl::Status DecodeRelabeling(std::string_view f, const YAML::Node& node,
                              ScrapeConfig& c) {
  for (const char* key : {"relabel_configs", "metric_relabel_configs"}) {
    const YAML::Node list = node[key];
    if (!list) continue;
    if (list.IsSequence()) {
      for (const YAML::Node& item : list) {
        if (item.IsNull()) {
          return ErrorAt(f, item,
                         std::string_view(key) == "relabel_configs"
                             ? "empty or null target relabeling rule in "
                               "scrape config"
                             : "empty or null metric relabeling rule in "
                               "scrape config");
        }
      }
    }
    auto cfgs = relabel::DecodeConfigs(list, f);
    if (!cfgs.ok()) return cfgs.status();
    (std::string_view(key) == "relabel_configs" ? c.relabel_configs
                                                : c.metric_relabel_configs) =
        *std::move(cfgs);
  }
  return absl::OkStatus();
}

// Prometheus: users putting URLs in static targets, caught when no
// relabeling could fix them.
absl::Status CheckStaticTargets(std::string_view f, const YAML::Node& node,
                                const ScrapeConfig& c) {
  if (!c.relabel_configs.empty()) return absl::OkStatus();
  for (const TargetGroup& g : c.static_configs) {
    for (const Labels& t : g.targets) {
      const std::string_view addr = t.Get("__address__");
      if (addr.find('/') != std::string_view::npos) {
        return ErrorAt(
            f, node["static_configs"],
            absl::StrCat(QuoteString(addr), " is not a valid hostname"));
      }
    }
  }
  return absl::OkStatus();
}

bool Present(const YAML::Node& node, const char* key) {
  const YAML::Node n = node[key];
  return n && !n.IsNull();
}

// The histogram settings: each inherits the global value when unset, and
// an unset scrape_protocols follows the job's scrape_native_histograms
// (Prometheus 3's ScrapeConfig.Validate).
absl::Status DecodeHistogramSettings(std::string_view f, const YAML::Node& node,
                                     const GlobalDefaults& global,
                                     ScrapeConfig& c) {
  c.scrape_native_histograms = global.scrape_native_histograms;
  c.always_scrape_classic_histograms = global.always_scrape_classic_histograms;
  c.convert_classic_histograms_to_nhcb =
      global.convert_classic_histograms_to_nhcb;
  yamlcfg::Fields fields(f, node);
  fields.Bool("scrape_native_histograms", c.scrape_native_histograms)
      .Bool("always_scrape_classic_histograms",
            c.always_scrape_classic_histograms)
      .Bool("convert_classic_histograms_to_nhcb",
            c.convert_classic_histograms_to_nhcb)
      .Uint("native_histogram_bucket_limit", c.native_histogram_bucket_limit)
      .Custom(
          "native_histogram_min_bucket_factor",
          [](std::string_view file, const YAML::Node& n) {
            return yamlcfg::DecodeFloat(file, n);
          },
          c.native_histogram_min_bucket_factor);
  if (!fields.status().ok()) return fields.status();
  const std::string where =
      absl::StrCat("for scrape config with job name ", QuoteString(c.job_name));
  if (Present(node, "scrape_protocols")) {
    auto p = DecodeScrapeProtocols(f, node["scrape_protocols"], where);
    if (!p.ok()) return p.status();
    c.scrape_protocols = *std::move(p);
  } else if (!global.scrape_protocols.empty()) {
    c.scrape_protocols = global.scrape_protocols;
  } else {
    c.scrape_protocols = DefaultScrapeProtocols(c.scrape_native_histograms);
  }
  return absl::OkStatus();
}

// Global defaults, as Config.UnmarshalYAML applies them.
absl::Status ApplyGlobalDefaults(std::string_view f, const YAML::Node& node,
                                 const GlobalDefaults& global,
                                 ScrapeConfig& c) {
  if (c.scrape_interval_ms == 0) {
    c.scrape_interval_ms = global.scrape_interval_ms;
  }
  if (c.scrape_timeout_ms > c.scrape_interval_ms) {
    return ErrorAt(f, node,
                   absl::StrCat("scrape timeout greater than scrape interval "
                                "for scrape config with job name ",
                                QuoteString(c.job_name)));
  }
  if (c.scrape_timeout_ms == 0) {
    c.scrape_timeout_ms =
        std::min(global.scrape_timeout_ms, c.scrape_interval_ms);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ScrapeConfig> DecodeScrapeConfig(const YAML::Node& node,
                                                std::string_view filename,
                                                const GlobalDefaults& global,
                                                std::string_view base_dir) {
  const std::string_view f = filename;
  if (!node.IsMap()) {
    return yamlcfg::UnmarshalError(f, node, "config.ScrapeConfig");
  }
  if (auto st = CheckScrapeConfigKeys(f, node); !st.ok()) return st;

  ScrapeConfig c;
  yamlcfg::Fields fields(f, node);
  DecodeJobAndTiming(fields, c);
  DecodeLimits(fields, c);
  DecodeRequest(fields, c);
  if (!fields.status().ok()) return fields.status();
  if (c.job_name.empty()) return ErrorAt(f, node, "job_name is empty");

  if (auto st = DecodeHttpClient(f, node, base_dir, c); !st.ok()) return st;
  if (auto st = DecodeDiscovery(f, node, base_dir, c); !st.ok()) return st;
  if (auto st = DecodeRelabeling(f, node, c); !st.ok()) return st;
  if (auto st = CheckStaticTargets(f, node, c); !st.ok()) return st;
  if (auto st = ApplyGlobalDefaults(f, node, global, c); !st.ok()) return st;
  if (auto st = DecodeHistogramSettings(f, node, global, c); !st.ok()) {
    return st;
  }
  return c;
}

absl::Status DecodeGlobalScrapeFields(std::string_view file,
                                      const YAML::Node& global,
                                      GlobalDefaults* out) {
  if (!global || !global.IsMap()) return absl::OkStatus();
  yamlcfg::Fields fields(file, global);
  fields.Bool("scrape_native_histograms", out->scrape_native_histograms)
      .Bool("always_scrape_classic_histograms",
            out->always_scrape_classic_histograms)
      .Bool("convert_classic_histograms_to_nhcb",
            out->convert_classic_histograms_to_nhcb);
  if (!fields.status().ok()) return fields.status();
  if (Present(global, "scrape_protocols")) {
    auto p = DecodeScrapeProtocols(file, global["scrape_protocols"],
                                   "for global config");
    if (!p.ok()) return p.status();
    out->scrape_protocols = *std::move(p);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ScrapeConfig>> DecodeScrapeConfigs(
    const YAML::Node& node, std::string_view filename,
    const GlobalDefaults& global, std::string_view base_dir) {
  std::vector<ScrapeConfig> out;
  if (!node || node.IsNull()) return out;
  if (!node.IsSequence()) {
    return yamlcfg::UnmarshalError(filename, node, "[]*config.ScrapeConfig");
  }
  std::set<std::string> jobs;
  for (const YAML::Node& item : node) {
    if (item.IsNull()) {
      return ErrorAt(filename, item, "empty or null scrape config section");
    }
    auto c = DecodeScrapeConfig(item, filename, global, base_dir);
    if (!c.ok()) return c.status();
    if (!jobs.insert(c->job_name).second) {
      return ErrorAt(filename, item,
                     absl::StrCat("found multiple scrape configs with job "
                                  "name ",
                                  QuoteString(c->job_name)));
    }
    out.push_back(*std::move(c));
  }
  return out;
}

absl::StatusOr<std::vector<ScrapeConfig>> ParseScrapeConfigs(
    std::string_view yaml, std::string_view filename,
    const GlobalDefaults& global) {
  auto root = yamlcfg::LoadDocument(yaml, filename);
  if (!root.ok()) return root.status();
  return DecodeScrapeConfigs(*root, filename, global);
}

}  // namespace vigil::scrape

namespace vigil::scrape {
namespace {

// Everything that changes how a job scrapes, as one comparable string.
std::string Fingerprint(const ScrapeConfig& c) {
  std::string out;
  absl::StrAppend(
      &out, c.job_name, "\x1f", c.scrape_interval_ms, "\x1f",
      c.scrape_timeout_ms, "\x1f", c.metrics_path, "\x1f", c.scheme, "\x1f",
      c.honor_labels, c.honor_timestamps, c.enable_compression,
      static_cast<int>(c.fallback_scrape_protocol), "\x1f",
      c.scrape_native_histograms, c.always_scrape_classic_histograms,
      c.convert_classic_histograms_to_nhcb, ":",
      c.native_histogram_bucket_limit, ":",
      c.native_histogram_min_bucket_factor, ":");
  for (ScrapeProtocol p : c.scrape_protocols) {
    absl::StrAppend(&out, static_cast<int>(p), ",");
  }
  for (const auto& [k, vs] : c.params) {
    absl::StrAppend(&out, k, "=");
    for (const auto& v : vs) absl::StrAppend(&out, v, ",");
  }
  AppendHttpClientFingerprint(c.basic_auth, c.authorization, c.tls_config,
                              &out);
  AppendRelabelFingerprint(c.relabel_configs, &out);
  out += "\x1f";
  AppendRelabelFingerprint(c.metric_relabel_configs, &out);
  absl::StrAppend(&out, "\x1f", c.sample_limit, ":", c.label_limit, ":",
                  c.label_name_length_limit, ":", c.label_value_length_limit,
                  ":", c.body_size_limit_bytes);
  return out;
}

}  // namespace

bool ScrapeConfig::SameAs(const ScrapeConfig& other) const {
  return Fingerprint(*this) == Fingerprint(other);
}

}  // namespace vigil::scrape
