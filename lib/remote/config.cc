// Decoding `remote_write` entries as Prometheus's RemoteWriteConfig,
// QueueConfig and MetadataConfig do (config/config.go): defaults first,
// then the fields given, then Prometheus's validation.
#include <yaml-cpp/yaml.h>

#include <functional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/model/absl_compat.h"
#include "lib/yaml/yaml_decode.h"
#include "vigil/remote_write.h"

namespace vigil::remote {
namespace {

using yamlcfg::ErrorAt;

// Headers the protocol or the HTTP client owns (Prometheus's
// reservedHeaders); Authorization goes through the auth fields.
constexpr std::string_view kReservedHeaders[] = {
    "host",
    "content-encoding",
    "content-length",
    "content-type",
    "user-agent",
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "www-authenticate",
    "accept-encoding",
    "x-prometheus-remote-write-version",
    "x-prometheus-remote-read-version",
};

// Ways to authenticate that Prometheus has and vigil does not.
constexpr std::string_view kUnsupportedFields[] = {
    "oauth2",
    "sigv4",
    "azuread",
    "google_iam",
    "proxy_url",
    "no_proxy",
    "proxy_from_environment",
    "proxy_connect_header",
    "bearer_token",
    "bearer_token_file",
};

absl::StatusOr<int64_t> PositiveInt(std::string_view file,
                                    const YAML::Node& node) {
  return yamlcfg::DecodeInt64(file, node, "int");
}

absl::Status DecodeQueue(std::string_view file, const YAML::Node& node,
                         QueueConfig& q) {
  if (!node || node.IsNull()) return absl::OkStatus();
  if (auto s = yamlcfg::CheckStruct(
          file, node,
          {"capacity", "max_shards", "min_shards", "max_samples_per_send",
           "batch_send_deadline", "min_backoff", "max_backoff",
           "retry_on_http_429", "sample_age_limit"},
          "config.QueueConfig");
      !s.ok()) {
    return s;
  }
  yamlcfg::Fields f(file, node);
  f.Custom("capacity", PositiveInt, q.capacity)
      .Custom("max_shards", PositiveInt, q.max_shards)
      .Custom("min_shards", PositiveInt, q.min_shards)
      .Custom("max_samples_per_send", PositiveInt, q.max_samples_per_send)
      .DurationMs("batch_send_deadline", q.batch_send_deadline_ms)
      .DurationMs("min_backoff", q.min_backoff_ms)
      .DurationMs("max_backoff", q.max_backoff_ms)
      .Bool("retry_on_http_429", q.retry_on_http_429);
  if (!f.status().ok()) return f.status();
  if (node["sample_age_limit"] && !node["sample_age_limit"].IsNull()) {
    return ErrorAt(file, node["sample_age_limit"],
                   "sample_age_limit is not supported by vigil");
  }
  // Prometheus takes these as given; vigil refuses what would make a
  // queue that can never send (no shards, empty batches).
  for (auto [key, v] :
       {std::pair{"capacity", q.capacity},
        std::pair{"max_shards", q.max_shards},
        std::pair{"min_shards", q.min_shards},
        std::pair{"max_samples_per_send", q.max_samples_per_send}}) {
    if (v <= 0) {
      return ErrorAt(file, node[key],
                     absl::StrCat(key, " must be greater than 0"));
    }
  }
  if (q.min_shards > q.max_shards) {
    return ErrorAt(file, node["min_shards"],
                   "min_shards must not be greater than max_shards");
  }
  if (q.batch_send_deadline_ms <= 0) {
    return ErrorAt(file, node["batch_send_deadline"],
                   "batch_send_deadline must be greater than 0");
  }
  if (q.min_backoff_ms > q.max_backoff_ms) {
    return ErrorAt(file, node["min_backoff"],
                   "min_backoff must not be greater than max_backoff");
  }
  return absl::OkStatus();
}

absl::Status DecodeMetadata(std::string_view file, const YAML::Node& node,
                            MetadataConfig& m) {
  if (!node || node.IsNull()) return absl::OkStatus();
  if (auto s = yamlcfg::CheckStruct(
          file, node, {"send", "send_interval", "max_samples_per_send"},
          "config.MetadataConfig");
      !s.ok()) {
    return s;
  }
  yamlcfg::Fields f(file, node);
  f.Bool("send", m.send)
      .DurationMs("send_interval", m.send_interval_ms)
      .Custom("max_samples_per_send", PositiveInt, m.max_samples_per_send);
  return f.status();
}

absl::Status DecodeHeaders(
    std::string_view file, const YAML::Node& node,
    std::vector<std::pair<std::string, std::string>>& out) {
  if (!node || node.IsNull()) return absl::OkStatus();
  if (!node.IsMap()) {
    return yamlcfg::UnmarshalError(file, node, "map[string]string");
  }
  for (const auto& kv : node) {
    auto name = yamlcfg::DecodeString(file, kv.first);
    if (!name.ok()) return name.status();
    auto value = yamlcfg::DecodeString(file, kv.second);
    if (!value.ok()) return value.status();
    const std::string lower = absl::AsciiStrToLower(*name);
    if (lower == "authorization") {
      return ErrorAt(file, kv.first,
                     "authorization header must be changed via the "
                     "basic_auth or authorization parameter");
    }
    for (std::string_view reserved : kReservedHeaders) {
      if (lower == reserved) {
        return ErrorAt(file, kv.first,
                       absl::StrCat("\"", *name,
                                    "\" is a reserved header. It must not be "
                                    "changed"));
      }
    }
    out.emplace_back(*name, *value);
  }
  return absl::OkStatus();
}

absl::StatusOr<RemoteWriteConfig> DecodeOne(std::string_view file,
                                            const YAML::Node& node,
                                            std::string_view base_dir) {
  if (!node || node.IsNull()) {
    return ErrorAt(file, node, "empty or null remote write config section");
  }
  if (auto s = yamlcfg::CheckStruct(
          file, node,
          {"url", "name", "remote_timeout", "headers", "basic_auth",
           "authorization", "tls_config", "write_relabel_configs",
           "queue_config", "metadata_config", "protobuf_message",
           "send_native_histograms",
           // Accepted and not acted on: they change nothing for a remote
           // write 1.0 sender over libcurl.
           "follow_redirects", "enable_http2", "send_exemplars",
           "round_robin_dns", "oauth2", "sigv4", "azuread", "google_iam",
           "proxy_url", "no_proxy", "proxy_from_environment",
           "proxy_connect_header", "bearer_token", "bearer_token_file"},
          "config.plain");
      !s.ok()) {
    return s;
  }
  for (std::string_view field : kUnsupportedFields) {
    const YAML::Node n = node[std::string(field)];
    if (n && !n.IsNull()) {
      return ErrorAt(file, n,
                     absl::StrCat(ToAbsl(field),
                                  " is not supported by vigil's remote_write"));
    }
  }
  RemoteWriteConfig c;
  yamlcfg::Fields f(file, node);
  f.String("url", c.url)
      .String("name", c.name)
      .DurationMs("remote_timeout", c.remote_timeout_ms)
      .Bool("send_native_histograms", c.send_native_histograms);
  if (!f.status().ok()) return f.status();
  if (c.url.empty()) {
    return ErrorAt(file, node, "url for remote_write is empty");
  }
  if (!c.url.starts_with("http://") && !c.url.starts_with("https://")) {
    return ErrorAt(file, node["url"],
                   absl::StrCat("unsupported scheme in remote_write url \"",
                                c.url, "\" (http or https)"));
  }
  if (const YAML::Node pm = node["protobuf_message"]; pm && !pm.IsNull()) {
    auto v = yamlcfg::DecodeString(file, pm);
    if (!v.ok()) return v.status();
    if (*v != "prometheus.WriteRequest") {
      return ErrorAt(file, pm,
                     absl::StrCat("invalid protobuf_message value: \"", *v,
                                  "\" (vigil sends remote write 1.0: "
                                  "prometheus.WriteRequest)"));
    }
  }
  if (auto s = DecodeHeaders(file, node["headers"], c.headers); !s.ok()) {
    return s;
  }
  if (const YAML::Node ba = node["basic_auth"]; ba && !ba.IsNull()) {
    auto b = scrape::DecodeBasicAuth(file, ba, base_dir);
    if (!b.ok()) return b.status();
    c.basic_auth = *std::move(b);
  }
  if (const YAML::Node au = node["authorization"]; au && !au.IsNull()) {
    auto a = scrape::DecodeAuthorization(file, au, base_dir);
    if (!a.ok()) return a.status();
    c.authorization = *std::move(a);
  }
  if (c.basic_auth && c.authorization) {
    return ErrorAt(file, node,
                   "at most one of basic_auth, oauth2 & authorization must be "
                   "configured");
  }
  if (const YAML::Node tls = node["tls_config"]; tls) {
    auto t = scrape::DecodeTls(file, tls, base_dir);
    if (!t.ok()) return t.status();
    c.tls_config = *std::move(t);
  }
  if (const YAML::Node wr = node["write_relabel_configs"]; wr) {
    if (wr.IsSequence()) {
      for (const YAML::Node& r : wr) {
        if (r.IsNull()) {
          return ErrorAt(file, r,
                         "empty or null relabeling rule in remote write "
                         "config");
        }
      }
    }
    auto relabel = relabel::DecodeConfigs(wr, file);
    if (!relabel.ok()) return relabel.status();
    c.write_relabel_configs = *std::move(relabel);
  }
  if (auto s = DecodeQueue(file, node["queue_config"], c.queue_config);
      !s.ok()) {
    return s;
  }
  if (auto s = DecodeMetadata(file, node["metadata_config"], c.metadata_config);
      !s.ok()) {
    return s;
  }
  return c;
}

}  // namespace

absl::StatusOr<std::vector<RemoteWriteConfig>> DecodeRemoteWriteConfigs(
    const YAML::Node& node, std::string_view filename,
    std::string_view base_dir) {
  std::vector<RemoteWriteConfig> out;
  if (!node || node.IsNull()) return out;
  if (!node.IsSequence()) {
    return yamlcfg::UnmarshalError(filename, node,
                                   "[]*config.RemoteWriteConfig");
  }
  std::set<std::string> names;
  for (const YAML::Node& entry : node) {
    auto c = DecodeOne(filename, entry, base_dir);
    if (!c.ok()) return c.status();
    if (!c->name.empty() && !names.insert(c->name).second) {
      return ErrorAt(filename, entry["name"],
                     absl::StrCat("found multiple remote write configs with "
                                  "job name \"",
                                  c->name, "\""));
    }
    out.push_back(*std::move(c));
  }
  return out;
}

std::string QueueName(const RemoteWriteConfig& config) {
  if (!config.name.empty()) return config.name;
  // Prometheus names an unnamed queue by a hash of its config; the URL
  // and the queue settings stand for it here.
  const std::string key =
      absl::StrCat(config.url, "|", config.queue_config.capacity, "|",
                   config.queue_config.max_shards, "|",
                   config.queue_config.max_samples_per_send);
  return absl::StrFormat("%06x", std::hash<std::string>()(key) & 0xffffff);
}

}  // namespace vigil::remote
