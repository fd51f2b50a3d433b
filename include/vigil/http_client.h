// http_client: a blocking HTTP(S) client over libcurl, for everything that
// talks to other servers: scrapes (GET), Alertmanager notifications and
// Kuberhealthy reports (POST), the Kubernetes API, `vigil query` against a
// remote server.
//
// Errors: any HTTP status, 4xx and 5xx included, is a Response for the
// caller to judge. Failures to get one are errors:
//   InvalidArgument    "unsupported HTTP method X"; "invalid URL <url>"
//                      (checked here only when tls.server_name rewrites
//                      the URL; otherwise libcurl judges it: Unavailable)
//   DeadlineExceeded   "<METHOD> <url>: <libcurl's reason>" (the timeout)
//   ResourceExhausted  "response body exceeds the limit of N bytes"
//   Unavailable        "<METHOD> <url>: <libcurl's reason>" (a malformed
//                      URL or scheme, DNS, connect, TLS, a broken transfer)
//   Internal           "curl_easy_init failed"
//
// Limits: a response body is bounded by max_body_bytes (an error past it,
// never an unbounded allocation); the whole request by `timeout`.
//
// Thread safety: each Perform() call is independent and may run on any
// thread; libcurl's global state is initialised once on first use.
#ifndef VIGIL_HTTP_CLIENT_H_
#define VIGIL_HTTP_CLIENT_H_

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
  // Past max_body_bytes, keep the first max_body_bytes and read the rest
  // to the end instead of failing (answers that are only logged: their
  // status must not be lost to their size).
  bool truncate_body = false;
};

struct Response {
  int status = 0;
  std::string content_type;
  std::string body;
  // A Retry-After header's delay in seconds (a date is turned into the
  // seconds until it); 0 when absent.
  int64_t retry_after_seconds = 0;
};

// Transport failures (DNS, connect, TLS, timeout, body too large) are
// errors; any HTTP status is a Response — the caller judges it.
absl::StatusOr<Response> Perform(const Request& request);

}  // namespace vigil::http

#endif  // VIGIL_HTTP_CLIENT_H_
