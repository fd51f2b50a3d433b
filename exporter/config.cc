#include "exporter/config.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/model/absl_compat.h"
#include "lib/model/duration.h"
#include "lib/model/strings.h"
#include "lib/model/utf8.h"
#include "lib/yaml/yaml_decode.h"
#include "vigil/discovery.h"

namespace vigil::exporter {
namespace {

// A stranger's config must not make vigil allocate without bound.
constexpr size_t kMaxConfigBytes = 16 << 20;

class ConfigParser {
 public:
  ConfigParser(std::string_view filename, std::string_view base_dir)
      : filename_(filename), base_dir_(base_dir) {}

  absl::StatusOr<Config> Parse(std::string_view text) {
    Config config;
    config.source = std::string(text);
    if (text.size() > kMaxConfigBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          filename_, ": config file larger than ", kMaxConfigBytes, " bytes"));
    }
    absl::StatusOr<YAML::Node> loaded = yamlcfg::LoadDocument(text, filename_);
    if (!loaded.ok()) return loaded.status();
    const YAML::Node root = *std::move(loaded);
    if (!root || root.IsNull()) return config;  // an empty file is valid
    if (!root.IsMap()) return Error(root.Mark(), "config must be a mapping");
    try {
      if (auto s = Known(root,
                         {"global", "scrape_configs", "rule_files", "alerting",
                          "remote_write", "datasource"},
                         "config.Config");
          !s.ok()) {
        return s;
      }
      if (auto s = Global(root["global"], config.global); !s.ok()) return s;
      scrape::GlobalDefaults defaults = config.global.scrape;
      defaults.scrape_interval_ms = config.global.scrape_interval_ms;
      defaults.scrape_timeout_ms = config.global.scrape_timeout_ms;
      if (root["scrape_configs"] && !root["scrape_configs"].IsNull()) {
        auto scrapes = scrape::DecodeScrapeConfigs(
            root["scrape_configs"], filename_, defaults, base_dir_);
        if (!scrapes.ok()) return scrapes.status();
        config.scrape_configs = std::move(*scrapes);
      }
      if (auto s = RuleFiles(root["rule_files"], config.rule_files); !s.ok()) {
        return s;
      }
      if (auto s = Alerting(root["alerting"], config); !s.ok()) return s;
      auto remote_write = remote::DecodeRemoteWriteConfigs(
          root["remote_write"], filename_, base_dir_);
      if (!remote_write.ok()) return remote_write.status();
      config.remote_write = *std::move(remote_write);
      if (auto s = Datasource(root["datasource"], config.datasource); !s.ok()) {
        return s;
      }
    } catch (const YAML::Exception& e) {
      return Error(e.mark, absl::StrCat("yaml: ", e.msg));
    }
    return config;
  }

 private:
  absl::Status Error(const YAML::Mark& m, std::string_view msg) {
    return absl::InvalidArgumentError(absl::StrCat(
        filename_, ":", m.line + 1, ":", m.column + 1, ": ", ToAbsl(msg)));
  }

  // yaml.v2's UnmarshalStrict wording.
  absl::Status Known(const YAML::Node& map,
                     std::initializer_list<std::string_view> fields,
                     std::string_view type) {
    if (!map.IsMap()) return Error(map.Mark(), "expected a mapping");
    return yamlcfg::CheckKnownFields(filename_, map, fields, type);
  }

  absl::Status Duration(const YAML::Node& node, int64_t& out) {
    if (!node || node.IsNull()) return absl::OkStatus();
    auto ms = node.IsScalar()
                  ? ParseDurationMs(node.Scalar())
                  : absl::InvalidArgumentError("duration must be a string");
    if (!ms.ok()) return Error(node.Mark(), FromAbsl(ms.status().message()));
    out = *ms;
    return absl::OkStatus();
  }

  absl::Status Global(const YAML::Node& g, GlobalConfig& out) {
    if (!g || g.IsNull()) return absl::OkStatus();
    if (auto s =
            Known(g,
                  {"scrape_interval", "scrape_timeout", "evaluation_interval",
                   "external_labels", "rule_query_offset", "query_log_file",
                   "scrape_protocols", "scrape_native_histograms",
                   "always_scrape_classic_histograms",
                   "convert_classic_histograms_to_nhcb"},
                  "config.GlobalConfig");
        !s.ok()) {
      return s;
    }
    if (auto s = scrape::DecodeGlobalScrapeFields(filename_, g, &out.scrape);
        !s.ok()) {
      return s;
    }
    bool timeout_set = g["scrape_timeout"] && !g["scrape_timeout"].IsNull();
    for (auto [name, field] :
         {std::pair{"scrape_interval", &out.scrape_interval_ms},
          std::pair{"scrape_timeout", &out.scrape_timeout_ms},
          std::pair{"evaluation_interval", &out.evaluation_interval_ms},
          std::pair{"rule_query_offset", &out.rule_query_offset_ms}}) {
      if (auto s = Duration(g[name], *field); !s.ok()) return s;
    }
    // Prometheus: an unset global timeout is the default, capped by the
    // interval; a set one must not exceed it.
    if (!timeout_set && out.scrape_timeout_ms > out.scrape_interval_ms) {
      out.scrape_timeout_ms = out.scrape_interval_ms;
    }
    if (out.scrape_timeout_ms > out.scrape_interval_ms) {
      return Error(g["scrape_timeout"].Mark(),
                   "global scrape timeout greater than scrape interval");
    }
    if (const YAML::Node el = g["external_labels"]; el && !el.IsNull()) {
      if (!el.IsMap())
        return Error(el.Mark(), "external_labels must be a mapping");
      std::vector<Label> labels;
      for (const auto& kv : el) {
        std::string name = kv.first.Scalar();
        if (name.empty() || !IsValidUtf8(name) || name == kMetricName) {
          return Error(
              kv.first.Mark(),
              absl::StrCat("\"", name, "\" is not a valid label name"));
        }
        labels.push_back({name, kv.second.Scalar()});
      }
      out.external_labels = Labels::FromVector(std::move(labels));
    }
    return absl::OkStatus();
  }

  std::string Resolve(const std::string& path) const {
    if (path.empty() || path[0] == '/' || base_dir_.empty()) return path;
    return (std::filesystem::path(base_dir_) / path).string();
  }

  absl::Status RuleFiles(const YAML::Node& node,
                         std::vector<std::string>& out) {
    if (!node || node.IsNull()) return absl::OkStatus();
    if (!node.IsSequence())
      return Error(node.Mark(), "rule_files must be a list");
    for (const YAML::Node& f : node) {
      if (!f.IsScalar() || f.Scalar().empty()) {
        return Error(f.Mark(), "rule_files entries must be file paths");
      }
      out.push_back(Resolve(f.Scalar()));
    }
    return absl::OkStatus();
  }

  absl::Status Alerting(const YAML::Node& node, Config& config) {
    if (!node || node.IsNull()) return absl::OkStatus();
    if (auto s = Known(node, {"alert_relabel_configs", "alertmanagers"},
                       "config.AlertingConfig");
        !s.ok()) {
      return s;
    }
    if (node["alert_relabel_configs"]) {
      auto relabel =
          relabel::DecodeConfigs(node["alert_relabel_configs"], filename_);
      if (!relabel.ok()) return relabel.status();
      config.alert_relabel_configs = std::move(*relabel);
    }
    const YAML::Node ams = node["alertmanagers"];
    if (!ams || ams.IsNull()) return absl::OkStatus();
    if (!ams.IsSequence())
      return Error(ams.Mark(), "alertmanagers must be a list");
    for (const YAML::Node& am : ams) {
      if (auto s = Known(am,
                         {"scheme", "path_prefix", "timeout", "api_version",
                          "static_configs", "file_sd_configs",
                          "relabel_configs", "basic_auth", "authorization",
                          "bearer_token", "bearer_token_file", "tls_config"},
                         "config.AlertmanagerConfig");
          !s.ok()) {
        return s;
      }
      notify::AlertmanagerConfig set;
      if (am["scheme"]) set.scheme = am["scheme"].Scalar();
      if (set.scheme != "http" && set.scheme != "https") {
        return Error(am["scheme"].Mark(),
                     absl::StrCat("unsupported scheme \"", set.scheme,
                                  "\" for Alertmanager"));
      }
      if (am["path_prefix"]) set.path_prefix = am["path_prefix"].Scalar();
      int64_t timeout_ms = set.timeout.count();
      if (auto s = Duration(am["timeout"], timeout_ms); !s.ok()) return s;
      set.timeout = std::chrono::milliseconds(timeout_ms);
      if (am["api_version"] && am["api_version"].Scalar() != "v2") {
        // Prometheus 3 removed API v1.
        return Error(am["api_version"].Mark(),
                     "expected Alertmanager api version to be one of [v2] but "
                     "got " +
                         am["api_version"].Scalar());
      }
      if (auto s = Credentials(am, set.client); !s.ok()) return s;
      auto groups =
          discovery::DecodeTargetGroups(filename_, am["static_configs"], "");
      if (!groups.ok()) return groups.status();
      set.static_configs = *std::move(groups);
      for (const YAML::Node& group : am["static_configs"]) {
        for (const YAML::Node& t : group["targets"]) {
          // Prometheus checks static addresses when it loads the config.
          if (t.Scalar().find('/') != std::string::npos) {
            return Error(t.Mark(), absl::StrCat("\"", t.Scalar(),
                                                "\" is not a valid hostname"));
          }
        }
      }
      auto file_sd = discovery::DecodeFileSdConfigs(
          filename_, am["file_sd_configs"], base_dir_);
      if (!file_sd.ok()) return file_sd.status();
      set.file_sd_configs = *std::move(file_sd);
      if (am["relabel_configs"]) {
        auto relabel = relabel::DecodeConfigs(am["relabel_configs"], filename_);
        if (!relabel.ok()) return relabel.status();
        set.relabel_configs = std::move(*relabel);
      }
      config.alertmanagers.push_back(std::move(set));
    }
    return absl::OkStatus();
  }

  // vigil's `datasource` block: where rules query, with a scrape target's
  // HTTP settings.
  absl::Status Datasource(const YAML::Node& node,
                          datasource::ClientConfig& out) {
    if (!node || node.IsNull()) return absl::OkStatus();
    if (auto s =
            Known(node,
                  {"url", "timeout", "headers", "basic_auth", "authorization",
                   "bearer_token", "bearer_token_file", "tls_config"},
                  "config.DatasourceConfig");
        !s.ok()) {
      return s;
    }
    if (const YAML::Node url = node["url"]; url && !url.IsNull()) {
      if (!url.IsScalar()) return Error(url.Mark(), "url must be a string");
      out.url = url.Scalar();
      datasource::ClientConfig probe;
      probe.url = out.url;
      if (auto c = datasource::Client::Create(probe); !c.ok()) {
        return Error(url.Mark(), FromAbsl(c.status().message()));
      }
    }
    int64_t timeout_ms = out.timeout.count();
    if (auto s = Duration(node["timeout"], timeout_ms); !s.ok()) return s;
    if (timeout_ms <= 0) {
      return Error(node["timeout"].Mark(), "timeout must be positive");
    }
    out.timeout = std::chrono::milliseconds(timeout_ms);
    if (const YAML::Node h = node["headers"]; h && !h.IsNull()) {
      if (!h.IsMap()) return Error(h.Mark(), "headers must be a mapping");
      for (const auto& kv : h) {
        const std::string name = kv.first.Scalar();
        // Prometheus's reserved headers: set by the client itself.
        for (const char* reserved :
             {"Authorization", "Content-Type", "Content-Length",
              "Accept-Encoding", "User-Agent", "Host"}) {
          if (absl::EqualsIgnoreCase(name, reserved)) {
            return Error(kv.first.Mark(),
                         absl::StrCat(name,
                                      " is a reserved header. It must "
                                      "not be changed"));
          }
        }
        if (!kv.second.IsScalar()) {
          return Error(kv.second.Mark(), "header values must be strings");
        }
        out.headers.emplace_back(name, kv.second.Scalar());
      }
    }
    return Credentials(node, out);
  }

  // The HTTP client settings shared by Alertmanagers and the datasource;
  // `T` has their fields by the same names.
  template <typename T>
  absl::Status Credentials(const YAML::Node& am, T& t) {
    if (const YAML::Node ba = am["basic_auth"]; ba && !ba.IsNull()) {
      if (auto s = Known(ba, {"username", "password", "password_file"},
                         "config.BasicAuth");
          !s.ok()) {
        return s;
      }
      if (ba["username"]) t.basic_auth_user = ba["username"].Scalar();
      if (ba["password"]) t.basic_auth_password = ba["password"].Scalar();
      if (ba["password_file"]) {
        auto secret = ReadSecret(ba["password_file"]);
        if (!secret.ok()) return secret.status();
        t.basic_auth_password = *secret;
      }
    }
    if (const YAML::Node au = am["authorization"]; au && !au.IsNull()) {
      if (auto s = Known(au, {"type", "credentials", "credentials_file"},
                         "config.Authorization");
          !s.ok()) {
        return s;
      }
      if (au["type"] && au["type"].Scalar() != "Bearer") {
        return Error(au["type"].Mark(),
                     "vigil supports only the Bearer authorization type");
      }
      if (au["credentials"]) t.bearer_token = au["credentials"].Scalar();
      if (au["credentials_file"]) {
        auto secret = ReadSecret(au["credentials_file"]);
        if (!secret.ok()) return secret.status();
        t.bearer_token = *secret;
      }
    }
    if (am["bearer_token"]) t.bearer_token = am["bearer_token"].Scalar();
    if (am["bearer_token_file"]) {
      auto secret = ReadSecret(am["bearer_token_file"]);
      if (!secret.ok()) return secret.status();
      t.bearer_token = *secret;
    }
    if (const YAML::Node tls = am["tls_config"]; tls && !tls.IsNull()) {
      if (auto s = Known(tls,
                         {"ca_file", "cert_file", "key_file", "server_name",
                          "insecure_skip_verify", "min_version"},
                         "config.TLSConfig");
          !s.ok()) {
        return s;
      }
      if (tls["ca_file"]) t.ca_file = Resolve(tls["ca_file"].Scalar());
      if (tls["cert_file"]) t.cert_file = Resolve(tls["cert_file"].Scalar());
      if (tls["key_file"]) t.key_file = Resolve(tls["key_file"].Scalar());
      if (tls["server_name"]) t.server_name = tls["server_name"].Scalar();
      if (const YAML::Node v = tls["insecure_skip_verify"]; v && !v.IsNull()) {
        // Go's YAML 1.1 booleans; anything else keeps yaml-cpp's wording.
        const std::optional<bool> b = yamlcfg::GoBool(v);
        if (!b) throw YAML::TypedBadConversion<bool>(v.Mark());
        t.insecure_skip_verify = *b;
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> ReadSecret(const YAML::Node& node) {
    const std::string path = Resolve(node.Scalar());
    std::ifstream in(path);
    if (!in) return Error(node.Mark(), "unable to read file " + path);
    std::ostringstream buf;
    buf << in.rdbuf();
    std::string s = buf.str();
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }

  std::string filename_;
  std::string base_dir_;
};

}  // namespace

absl::StatusOr<Config> ParseConfig(std::string_view text,
                                   std::string_view filename,
                                   std::string_view base_dir) {
  return ConfigParser(filename, base_dir).Parse(text);
}

absl::StatusOr<Config> LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("couldn't load configuration (--config.file=\"", path,
                     "\"): open ", path, ": no such file or directory"));
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return ParseConfig(buf.str(), path,
                     std::filesystem::path(path).parent_path().string());
}

}  // namespace vigil::exporter
