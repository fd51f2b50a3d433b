// Posting one remote write request; see http_sender.h.
#include "lib/remote/http_sender.h"

#include "absl/strings/str_cat.h"
#include "vigil/http_client.h"

namespace vigil::remote {
namespace {

// A receiver's answer is only logged (its first 256 bytes), but a longer
// one must not turn a success into a transport error.
constexpr int64_t kMaxResponseBytes = 1 << 20;

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
  if (absl::Status s = scrape::ApplyHttpClientConfig(
          config.basic_auth, config.authorization, config.tls_config, &req);
      !s.ok()) {
    result.error = std::string(s.message());
    return result;
  }
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
