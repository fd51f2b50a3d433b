// Posting one remote write request; see http_sender.h.
#include "lib/remote/http_sender.h"

#include <algorithm>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "lib/model/utf8.h"
#include "vigil/http_client.h"

namespace vigil::remote {
namespace {

// A receiver's answer is only logged (its first 256 bytes); past this much
// the rest is read and discarded, as Prometheus does, so that a long body
// never turns an answer into a transport error.
constexpr int64_t kMaxResponseBytes = 4096;

// What of an error answer goes into the log: its first 256 bytes as text,
// or only that it is not text.
std::string LoggableBody(std::string_view body) {
  std::string_view text = body.substr(0, 256);
  // A cut may split a UTF-8 sequence: back off to its start.
  if (body.size() > text.size()) {
    size_t end = text.size();
    while (end > 0 && (static_cast<unsigned char>(body[end]) & 0xc0) == 0x80) {
      --end;
    }
    text = text.substr(0, end);
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  const bool binary =
      !IsValidUtf8(text) || std::any_of(text.begin(), text.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\r' &&
               c != '\t';
      });
  if (binary) return "(a body that is not text)";
  return std::string(text);
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
  req.truncate_body = true;
  req.headers = config.headers;
  req.headers.emplace_back("Content-Encoding", "snappy");
  req.headers.emplace_back("Content-Type", "application/x-protobuf");
  req.headers.emplace_back("User-Agent", kUserAgent);
  req.headers.emplace_back("X-Prometheus-Remote-Write-Version", "0.1.0");
  // No "Expect: 100-continue" (curl's for bodies past 1 MiB), as Go's
  // client sends none: a receiver that does not answer it costs a second
  // per request.
  req.headers.emplace_back("Expect", "");
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
    const std::string text = LoggableBody(resp->body);
    result.error = absl::StrCat("server returned HTTP status ", resp->status,
                                text.empty() ? "" : ": ", text);
  }
  return result;
}

}  // namespace vigil::remote
