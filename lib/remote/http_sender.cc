// Posting one remote write request; see http_sender.h.
#include "lib/remote/http_sender.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "vigil/http_client.h"

namespace vigil::remote {
namespace {

// A receiver's answer is only logged (its first 256 bytes), but a longer
// one must not turn a success into a transport error.
constexpr int64_t kMaxResponseBytes = 1 << 20;

// Secret files are read at every request, as Prometheus does, so a rotated
// token takes effect without a reload.
absl::StatusOr<std::string> ReadSecret(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::UnavailableError("unable to read file " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string s = buf.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

SendResult HttpSend(const RemoteWriteConfig& config, const std::string& body) {
  SendResult result;
  http::Request req;
  req.method = "POST";
  req.url = config.url;
  req.body = body;
  req.timeout = std::chrono::milliseconds(config.remote_timeout_ms);
  req.max_body_bytes = kMaxResponseBytes;
  req.headers = config.headers;
  req.headers.emplace_back("Content-Encoding", "snappy");
  req.headers.emplace_back("Content-Type", "application/x-protobuf");
  req.headers.emplace_back("User-Agent", kUserAgent);
  req.headers.emplace_back("X-Prometheus-Remote-Write-Version", "0.1.0");
  if (config.basic_auth) {
    req.basic_auth_user = config.basic_auth->username;
    req.basic_auth_password = config.basic_auth->password;
    if (!config.basic_auth->password_file.empty()) {
      auto pw = ReadSecret(config.basic_auth->password_file);
      if (!pw.ok()) {
        result.error = std::string(pw.status().message());
        return result;
      }
      req.basic_auth_password = *std::move(pw);
    }
  }
  if (config.authorization) {
    std::string credentials = config.authorization->credentials;
    if (!config.authorization->credentials_file.empty()) {
      auto c = ReadSecret(config.authorization->credentials_file);
      if (!c.ok()) {
        result.error = std::string(c.status().message());
        return result;
      }
      credentials = *std::move(c);
    }
    req.headers.emplace_back(
        "Authorization",
        absl::StrCat(config.authorization->type, " ", credentials));
  }
  req.tls.ca_file = config.tls_config.ca_file;
  req.tls.cert_file = config.tls_config.cert_file;
  req.tls.key_file = config.tls_config.key_file;
  req.tls.server_name = config.tls_config.server_name;
  req.tls.insecure_skip_verify = config.tls_config.insecure_skip_verify;
  absl::StatusOr<http::Response> resp = http::Perform(req);
  if (!resp.ok()) {
    result.error = std::string(resp.status().message());
    return result;
  }
  result.status = resp->status;
  result.retry_after_ms = resp->retry_after_seconds * 1000;
  if (resp->status / 100 != 2) {
    std::string text = resp->body.substr(0, 256);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
      text.pop_back();
    }
    result.error = absl::StrCat("server returned HTTP status ", resp->status,
                                text.empty() ? "" : ": ", text);
  }
  return result;
}

}  // namespace vigil::remote
