// Decoding and checking the web configuration file; see web_config.h.
#include "lib/api/web_config.h"

#include <yaml-cpp/yaml.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/model/absl_compat.h"
#include "lib/model/go_quote.h"
#include "lib/yaml/yaml_decode.h"

namespace vigil::api {

namespace {

constexpr size_t kMaxWebConfigBytes = 1 << 20;

// The toolkit's extraHTTPHeaders: the only headers it lets a file set,
// and for some the only values.
struct AllowedHeader {
  std::string_view name;
  std::vector<std::string_view> values;  // empty: any value
};
const std::array<AllowedHeader, 5>& AllowedHeaders() {
  static const std::array<AllowedHeader, 5> headers = {{
      {"Strict-Transport-Security", {}},
      {"X-Content-Type-Options", {"nosniff"}},
      {"X-Frame-Options", {"deny", "sameorigin"}},
      {"X-XSS-Protection", {}},
      {"Content-Security-Policy", {}},
  }};
  return headers;
}

// Go's %q of a []string: ["a" "b"].
std::string QuoteList(const std::vector<std::string_view>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ' ';
    out += QuoteString(values[i]);
  }
  return out + "]";
}

absl::Status CheckHeaders(const std::map<std::string, std::string>& headers) {
  for (const auto& [name, value] : headers) {
    const AllowedHeader* allowed = nullptr;
    for (const AllowedHeader& h : AllowedHeaders()) {
      if (h.name == name) allowed = &h;
    }
    if (allowed == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "HTTP header ", QuoteString(name), " can not be configured"));
    }
    if (allowed->values.empty()) {
      // Go would write a NUL byte as it is, and civetweb would cut the
      // value there: neither is a header anyone means, so it is refused.
      // CR and LF become spaces as in Go (GoHeaderValue).
      if (value.find('\0') != std::string::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid value for ", name, ": ", QuoteString(value),
                         " contains a NUL byte"));
      }
      continue;
    }
    bool ok = false;
    for (std::string_view v : allowed->values) ok = ok || v == value;
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid value for ", name, ". Expected one of: ",
          QuoteList(allowed->values), ", but got: ", QuoteString(value)));
    }
  }
  return absl::OkStatus();
}

// config_util.JoinDir: relative paths are relative to the file naming
// them; filepath.Join cleans the result.
std::string JoinDir(const std::string& dir, const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  std::string joined =
      (std::filesystem::path(dir) / path).lexically_normal().string();
  if (joined.size() > 1 && joined.back() == '/') joined.pop_back();
  return joined;
}

std::string DirOf(std::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

absl::StatusOr<std::map<std::string, std::string>> DecodeStringMap(
    std::string_view file, const YAML::Node& node) {
  std::map<std::string, std::string> out;
  if (node.IsNull()) return out;
  if (!node.IsMap()) {
    return yamlcfg::UnmarshalError(file, node, "map[string]string");
  }
  for (const auto& kv : node) {
    absl::StatusOr<std::string> key = yamlcfg::DecodeString(file, kv.first);
    if (!key.ok()) return key.status();
    absl::StatusOr<std::string> value = yamlcfg::DecodeString(file, kv.second);
    if (!value.ok()) return value.status();
    out[*key] = *value;
  }
  return out;
}

absl::StatusOr<int> DecodeTlsVersion(std::string_view file,
                                     const YAML::Node& node) {
  absl::StatusOr<std::string> name = yamlcfg::DecodeString(file, node);
  if (!name.ok()) return name.status();
  if (*name == "TLS13") return kTls13;
  if (*name == "TLS12") return kTls12;
  if (*name == "TLS11") return kTls11;
  if (*name == "TLS10") return kTls10;
  return yamlcfg::ErrorAt(file, node,
                          absl::StrCat("unknown TLS version: ", *name));
}

// Go's tls.CipherSuites(): the suites its Cipher type accepts by name.
bool IsGoCipherSuite(std::string_view name) {
  static constexpr std::string_view kSuites[] = {
      "TLS_AES_128_GCM_SHA256",
      "TLS_AES_256_GCM_SHA384",
      "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
      "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
      "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
      "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_RSA_WITH_AES_128_CBC_SHA",
      "TLS_RSA_WITH_AES_256_CBC_SHA",
      "TLS_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_RSA_WITH_AES_256_GCM_SHA384",
  };
  for (std::string_view s : kSuites) {
    if (s == name) return true;
  }
  return false;
}

absl::StatusOr<std::vector<std::string>> DecodeNames(
    std::string_view file, const YAML::Node& node, std::string_view go_type,
    std::string_view unknown, bool (*known)(std::string_view)) {
  absl::StatusOr<std::vector<std::string>> names =
      yamlcfg::DecodeStringList(file, node, go_type);
  if (!names.ok()) return names.status();
  for (size_t i = 0; i < names->size(); ++i) {
    if (!known((*names)[i])) {
      return yamlcfg::ErrorAt(file, node[i],
                              absl::StrCat(ToAbsl(unknown), (*names)[i]));
    }
  }
  return names;
}

// A []string that remembers being set: yaml.v2 leaves a slice nil for a
// null value and makes it non-nil, even empty, for any sequence.
absl::StatusOr<std::optional<std::vector<std::string>>> DecodeOptionalList(
    std::string_view file, const YAML::Node& node) {
  if (node.IsNull()) return std::nullopt;
  absl::StatusOr<std::vector<std::string>> list =
      yamlcfg::DecodeStringList(file, node, "[]string");
  if (!list.ok()) return list.status();
  return std::optional<std::vector<std::string>>(*std::move(list));
}

bool IsGoCurve(std::string_view name) {
  return name == "CurveP256" || name == "CurveP384" || name == "CurveP521" ||
         name == "X25519";
}

absl::Status DecodeTls(std::string_view file, const YAML::Node& node,
                       TlsServerConfig& tls) {
  if (node.IsNull()) return absl::OkStatus();
  if (absl::Status s = yamlcfg::CheckStruct(
          file, node,
          {"cert", "key", "client_ca", "cert_file", "key_file",
           "client_auth_type", "client_ca_file", "cipher_suites",
           "curve_preferences", "min_version", "max_version",
           "prefer_server_cipher_suites", "client_allowed_sans"},
          "web.TLSConfig");
      !s.ok()) {
    return s;
  }
  yamlcfg::Fields fields(file, node);
  fields.String("cert", tls.cert)
      .String("key", tls.key)
      .String("client_ca", tls.client_ca)
      .String("cert_file", tls.cert_file)
      .String("key_file", tls.key_file)
      .String("client_auth_type", tls.client_auth_type)
      .String("client_ca_file", tls.client_ca_file)
      .Custom(
          "cipher_suites",
          [](std::string_view f, const YAML::Node& n) {
            return DecodeNames(f, n, "[]web.Cipher",
                               "unknown cipher: ", IsGoCipherSuite);
          },
          tls.cipher_suites)
      .Custom(
          "curve_preferences",
          [](std::string_view f, const YAML::Node& n) {
            return DecodeNames(f, n, "[]web.Curve",
                               "unknown curve: ", IsGoCurve);
          },
          tls.curve_preferences)
      .Custom("min_version", DecodeTlsVersion, tls.min_version)
      .Custom("max_version", DecodeTlsVersion, tls.max_version)
      .Bool("prefer_server_cipher_suites", tls.prefer_server_cipher_suites)
      .Custom("client_allowed_sans", DecodeOptionalList,
              tls.client_allowed_sans);
  return fields.status();
}

absl::Status DecodeHttp(std::string_view file, const YAML::Node& node,
                        WebConfig& config) {
  if (node.IsNull()) return absl::OkStatus();
  if (absl::Status s = yamlcfg::CheckStruct(file, node, {"http2", "headers"},
                                            "web.HTTPConfig");
      !s.ok()) {
    return s;
  }
  yamlcfg::Fields fields(file, node);
  fields.Bool("http2", config.http2)
      .Custom("headers", DecodeStringMap, config.headers);
  return fields.status();
}

absl::Status DecodeRateLimit(std::string_view file, const YAML::Node& node,
                             WebConfig& config) {
  if (node.IsNull()) return absl::OkStatus();
  if (absl::Status s = yamlcfg::CheckStruct(file, node, {"burst", "interval"},
                                            "web.RateLimiterConfig");
      !s.ok()) {
    return s;
  }
  yamlcfg::Fields fields(file, node);
  fields
      .Custom(
          "burst",
          [](std::string_view f, const YAML::Node& n) {
            return yamlcfg::DecodeInt64(f, n, "int");
          },
          config.rate_limit_burst)
      .Custom("interval", yamlcfg::DecodeGoDurationNs,
              config.rate_limit_interval_ns);
  return fields.status();
}

}  // namespace

absl::Status OpenError(std::string_view path, int error) {
  // Go's *PathError: "open PATH: no such file or directory".
  std::string text = std::strerror(error);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(text[0]));
  return absl::NotFoundError(absl::StrCat("open ", ToAbsl(path), ": ", text));
}

absl::StatusOr<ClientAuth> ParseClientAuth(std::string_view t) {
  if (t.empty() || t == "NoClientCert") return ClientAuth::kNoClientCert;
  if (t == "RequestClientCert") return ClientAuth::kRequestClientCert;
  // "RequireClientCert": the toolkit keeps its old name working.
  if (t == "RequireAnyClientCert" || t == "RequireClientCert") {
    return ClientAuth::kRequireAnyClientCert;
  }
  if (t == "VerifyClientCertIfGiven")
    return ClientAuth::kVerifyClientCertIfGiven;
  if (t == "RequireAndVerifyClientCert") {
    return ClientAuth::kRequireAndVerifyClientCert;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("invalid ClientAuth: ", ToAbsl(t)));
}

bool TlsServerConfig::enabled() const {
  return !cert_file.empty() || !cert.empty() || !key_file.empty() ||
         !key.empty() || !client_ca_file.empty() || !client_ca.empty() ||
         !client_auth_type.empty();
}

absl::Status CheckBcryptHash(std::string_view hash) {
  // Go's minHashSize: "$2a$" + cost "10$" + 22 salt + 31 hash characters,
  // less one for the optional minor version.
  constexpr size_t kMinHashSize = 59;
  if (hash.size() < kMinHashSize) {
    return absl::InvalidArgumentError(
        "crypto/bcrypt: hashedSecret too short to be a bcrypted password");
  }
  if (hash[0] != '$') {
    return absl::InvalidArgumentError(
        absl::StrCat("crypto/bcrypt: bcrypt hashes must start with '$', but "
                     "hashedSecret started with '",
                     ToAbsl(hash.substr(0, 1)), "'"));
  }
  if (hash[1] > '2') {
    return absl::InvalidArgumentError(absl::StrCat(
        "crypto/bcrypt: bcrypt algorithm version '", ToAbsl(hash.substr(1, 1)),
        "' requested is newer than current version '2'"));
  }
  const size_t cost_at = hash[2] == '$' ? 3 : 4;
  std::string_view digits = hash.substr(cost_at, 2);
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  int cost = 0;
  const auto res =
      std::from_chars(digits.data(), digits.data() + digits.size(), cost);
  if (digits.empty() || res.ec != std::errc() ||
      res.ptr != digits.data() + digits.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("strconv.Atoi: parsing ",
                     QuoteString(hash.substr(cost_at, 2)), ": invalid syntax"));
  }
  if (cost < 4 || cost > 31) {
    return absl::InvalidArgumentError(
        absl::StrCat("crypto/bcrypt: cost ", cost,
                     " is outside allowed inclusive range 4..31"));
  }
  return absl::OkStatus();
}

absl::StatusOr<WebConfig> ParseWebConfig(std::string_view yaml,
                                         std::string_view path) {
  absl::StatusOr<YAML::Node> doc = yamlcfg::LoadDocument(yaml, path);
  if (!doc.ok()) return doc.status();
  if (absl::Status s = yamlcfg::CheckAliasing(path, *doc); !s.ok()) return s;
  WebConfig config;
  if (!doc->IsNull()) {
    if (absl::Status s =
            yamlcfg::CheckStruct(path, *doc,
                                 {"tls_server_config", "http_server_config",
                                  "rate_limit", "basic_auth_users"},
                                 "web.Config");
        !s.ok()) {
      return s;
    }
    if (YAML::Node n = (*doc)["tls_server_config"]) {
      if (absl::Status s = DecodeTls(path, n, config.tls); !s.ok()) return s;
    }
    if (YAML::Node n = (*doc)["http_server_config"]) {
      if (absl::Status s = DecodeHttp(path, n, config); !s.ok()) return s;
    }
    if (YAML::Node n = (*doc)["rate_limit"]) {
      if (absl::Status s = DecodeRateLimit(path, n, config); !s.ok()) return s;
    }
    if (YAML::Node n = (*doc)["basic_auth_users"]) {
      absl::StatusOr<std::map<std::string, std::string>> users =
          DecodeStringMap(path, n);
      if (!users.ok()) return users.status();
      config.basic_auth_users = *std::move(users);
    }
  }
  if (absl::Status s = CheckHeaders(config.headers); !s.ok()) return s;
  const std::string dir = DirOf(path);
  config.tls.cert_file = JoinDir(dir, config.tls.cert_file);
  config.tls.key_file = JoinDir(dir, config.tls.key_file);
  config.tls.client_ca_file = JoinDir(dir, config.tls.client_ca_file);
  return config;
}

absl::Status CheckUsers(const WebConfig& config) {
  for (const auto& [user, hash] : config.basic_auth_users) {
    if (absl::Status s = CheckBcryptHash(hash); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<WebConfig> ReadWebConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return OpenError(path, errno);
  std::string text(kMaxWebConfigBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxWebConfigBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": web config file larger than ", kMaxWebConfigBytes, " bytes"));
  }
  return ParseWebConfig(text, path);
}

}  // namespace vigil::api
