// A blocking HTTP(S) client over libcurl for the layers that talk to other
// servers: scrapes (GET) and Alertmanager notifications (POST).
//
// Each Perform() call is independent and thread-safe; libcurl's global
// state is initialised once on first use. Responses are bounded by
// max_body_bytes: a larger body is an error, never an unbounded allocation.
// Internal to vigil; not installed.
#ifndef VIGIL_LIB_HTTPCLIENT_HTTP_CLIENT_H_
#define VIGIL_LIB_HTTPCLIENT_HTTP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace vigil::http {

struct TlsOptions {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;  // SNI and certificate name override
  bool insecure_skip_verify = false;
};

struct Request {
  std::string method = "GET";  // GET or POST
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{10000};
  std::string basic_auth_user;  // basic auth when non-empty
  std::string basic_auth_password;
  std::string bearer_token;  // Authorization: Bearer … when non-empty
  TlsOptions tls;
  // Ask for gzip and decode it transparently (scrapes).
  bool accept_gzip = false;
  int64_t max_body_bytes = 64 << 20;
};

struct Response {
  int status = 0;
  std::string content_type;
  std::string body;
};

// Transport failures (DNS, connect, TLS, timeout, body too large) are
// errors; any HTTP status is a Response — the caller judges it.
absl::StatusOr<Response> Perform(const Request& request);

}  // namespace vigil::http

#endif  // VIGIL_LIB_HTTPCLIENT_HTTP_CLIENT_H_
