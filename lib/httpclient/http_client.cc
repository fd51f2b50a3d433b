#include "vigil/http_client.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

#include "absl/strings/str_cat.h"

namespace vigil::http {
namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct BodySink {
  std::string* body;
  int64_t limit;
  bool truncate;
  bool overflow = false;
};

size_t WriteBody(char* data, size_t size, size_t nmemb, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  const size_t n = size * nmemb;
  if (static_cast<int64_t>(sink->body->size() + n) > sink->limit) {
    if (sink->truncate) {
      // Keep what fits; the rest is read and discarded.
      sink->body->append(
          data, static_cast<size_t>(sink->limit -
                                    static_cast<int64_t>(sink->body->size())));
      return n;
    }
    sink->overflow = true;
    return 0;  // makes curl abort the transfer
  }
  sink->body->append(data, n);
  return n;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct CurlStringDeleter {
  void operator()(char* p) const { curl_free(p); }
};

// The URL with its host replaced by `server_name`, and the CONNECT_TO entry
// that routes that name back to the original host and port.
absl::StatusOr<std::pair<std::string, std::string>> WithServerName(
    const std::string& url, const std::string& server_name) {
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return absl::InvalidArgumentError("invalid URL " + url);
  }
  char* host_raw = nullptr;
  char* port_raw = nullptr;
  curl_url_get(u.get(), CURLUPART_HOST, &host_raw, 0);
  curl_url_get(u.get(), CURLUPART_PORT, &port_raw, CURLU_DEFAULT_PORT);
  std::unique_ptr<char, CurlStringDeleter> host(host_raw), port(port_raw);
  if (!host || !port) return absl::InvalidArgumentError("invalid URL " + url);
  curl_url_set(u.get(), CURLUPART_HOST, server_name.c_str(), 0);
  char* rewritten_raw = nullptr;
  curl_url_get(u.get(), CURLUPART_URL, &rewritten_raw, 0);
  std::unique_ptr<char, CurlStringDeleter> rewritten(rewritten_raw);
  if (!rewritten) return absl::InvalidArgumentError("invalid URL " + url);
  return std::make_pair(std::string(rewritten.get()),
                        absl::StrCat(server_name, ":", port.get(), ":",
                                     host.get(), ":", port.get()));
}

}  // namespace

absl::StatusOr<Response> Perform(const Request& request) {
  GlobalInitOnce();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return absl::InternalError("curl_easy_init failed");
  CURL* c = curl.get();
  Response response;
  BodySink sink{&response.body, request.max_body_bytes, request.truncate_body};
  char error[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // safe in threads
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(request.timeout.count()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  // Only http and https: a target URL from a config must not read files.
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  if (request.accept_gzip) curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
  if (request.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  } else if (request.method != "GET") {
    return absl::InvalidArgumentError("unsupported HTTP method " +
                                      request.method);
  }
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add_header = [&](const std::string& h) {
    headers.reset(curl_slist_append(headers.release(), h.c_str()));
  };
  for (const auto& [name, value] : request.headers) {
    add_header(name + ": " + value);
  }
  if (!request.bearer_token.empty()) {
    add_header("Authorization: Bearer " + request.bearer_token);
  }
  if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (!request.basic_auth_user.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, request.basic_auth_user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, request.basic_auth_password.c_str());
  }
  const TlsOptions& tls = request.tls;
  if (!tls.ca_file.empty())
    curl_easy_setopt(c, CURLOPT_CAINFO, tls.ca_file.c_str());
  if (!tls.cert_file.empty()) {
    curl_easy_setopt(c, CURLOPT_SSLCERT, tls.cert_file.c_str());
  }
  if (!tls.key_file.empty())
    curl_easy_setopt(c, CURLOPT_SSLKEY, tls.key_file.c_str());
  if (tls.insecure_skip_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  std::string url_with_server_name;
  std::unique_ptr<curl_slist, SlistDeleter> connect_to;
  if (!tls.server_name.empty()) {
    // TLS server_name: SNI and certificate checks use server_name while the
    // connection still goes to the URL's host, as Go's tls.Config does.
    auto rewritten = WithServerName(request.url, tls.server_name);
    if (!rewritten.ok()) return rewritten.status();
    url_with_server_name = rewritten->first;
    connect_to.reset(curl_slist_append(nullptr, rewritten->second.c_str()));
    curl_easy_setopt(c, CURLOPT_URL, url_with_server_name.c_str());
    curl_easy_setopt(c, CURLOPT_CONNECT_TO, connect_to.get());
  }

  CURLcode rc = curl_easy_perform(c);
  if (sink.overflow) {
    return absl::ResourceExhaustedError(
        absl::StrCat("response body exceeds the limit of ",
                     request.max_body_bytes, " bytes"));
  }
  if (rc != CURLE_OK) {
    std::string detail = error[0] ? error : curl_easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      return absl::DeadlineExceededError(
          absl::StrCat(request.method, " ", request.url, ": ", detail));
    }
    return absl::UnavailableError(
        absl::StrCat(request.method, " ", request.url, ": ", detail));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  char* content_type = nullptr;
  curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &content_type);
  if (content_type) response.content_type = content_type;
  curl_off_t retry_after = 0;
  if (curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK &&
      retry_after > 0) {
    response.retry_after_seconds = static_cast<int64_t>(retry_after);
  }
  return response;
}

}  // namespace vigil::http
