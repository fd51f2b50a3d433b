// The web configuration file (--web.config.file) in Prometheus's
// exporter-toolkit format: TLS for the listener, bcrypt basic-auth users,
// extra response headers and a request rate limit. Decoded as the toolkit
// decodes it (yaml.v2, strict: an unknown key is an error) and checked as
// its Validate does, with the same error texts, so `vigil check
// web-config` and `promtool check web-config` agree on every file but one
// with a NUL byte in a header value, which vigil refuses (see
// web_config.cc). Loading the certificates is tls_material.h's job; this is
// data only.
#ifndef VIGIL_LIB_API_WEB_CONFIG_H_
#define VIGIL_LIB_API_WEB_CONFIG_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace vigil::api {

// crypto/tls's ClientAuthType, by the toolkit's names.
enum class ClientAuth {
  kNoClientCert,
  kRequestClientCert,
  kRequireAnyClientCert,
  kVerifyClientCertIfGiven,
  kRequireAndVerifyClientCert,
};

// TLS protocol versions as the wire numbers (0x0301 … 0x0304).
inline constexpr int kTls10 = 0x0301;
inline constexpr int kTls11 = 0x0302;
inline constexpr int kTls12 = 0x0303;
inline constexpr int kTls13 = 0x0304;

struct TlsServerConfig {
  // Inline PEM (cert, key, client_ca) or files; relative file paths are
  // already joined with the web config file's directory.
  std::string cert;
  std::string key;
  std::string client_ca;
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
  std::string client_auth_type;  // see ParseClientAuth
  // IANA names as Go's tls.CipherSuites() lists them; empty: the TLS
  // library's defaults. Only TLS 1.0–1.2 suites are configurable (Go
  // ignores TLS 1.3 suites here, and so does vigil).
  std::vector<std::string> cipher_suites;
  std::vector<std::string> curve_preferences;  // CurveP256 … X25519
  int min_version = kTls12;
  int max_version = kTls13;
  bool prefer_server_cipher_suites = true;
  // nullopt: the key is absent or null. Present, even empty, it is a
  // requirement, as the toolkit's non-nil slice: `[]` admits no client.
  std::optional<std::vector<std::string>> client_allowed_sans;

  // The toolkit's IsEnabled: any TLS field set means "serve TLS".
  bool enabled() const;
};

struct WebConfig {
  TlsServerConfig tls;
  bool http2 = true;  // accepted; vigil speaks HTTP/1.1 (see README)
  std::map<std::string, std::string> headers;
  // rate_limit: a token bucket of `burst` tokens refilled one per
  // `interval`; an interval of 0 or less disables it. The interval is a Go
  // time.Duration ("1.5s", "500us", or an integer of nanoseconds), not
  // Prometheus's model.Duration.
  int64_t rate_limit_burst = 0;
  int64_t rate_limit_interval_ns = 0;
  std::map<std::string, std::string> basic_auth_users;  // user → bcrypt hash
};

// Decodes `yaml` (the contents of the file at `path`) and checks the
// header names and values, as the toolkit's getConfig does on every
// request. The users' hashes are CheckUsers's, TLS is TlsMaterial::Load's
// (it needs the files); ValidateWebConfig (vigil/api.h) runs all three.
absl::StatusOr<WebConfig> ParseWebConfig(std::string_view yaml,
                                         std::string_view path);

// Reads and parses the file at `path`; the file is limited to 1 MiB.
absl::StatusOr<WebConfig> ReadWebConfig(const std::string& path);

// crypto/tls's policy for a client_auth_type; "" is NoClientCert.
absl::StatusOr<ClientAuth> ParseClientAuth(std::string_view type);

// Go's error for a file that cannot be opened: "open PATH: <strerror>".
absl::Status OpenError(std::string_view path, int error);

// Every user's hash passes CheckBcryptHash (the toolkit's validateUsers,
// run once at start: a bad hash later only never matches).
absl::Status CheckUsers(const WebConfig& config);

// Go's bcrypt.Cost(hash) == nil: the shape bcrypt accepts, with Go's
// messages ("crypto/bcrypt: hashedSecret too short to be a bcrypted
// password", …).
absl::Status CheckBcryptHash(std::string_view hash);

}  // namespace vigil::api

#endif  // VIGIL_LIB_API_WEB_CONFIG_H_
