#include "lib/kube/pod_lister.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/model/absl_compat.h"
#include "lib/model/strings.h"
#include "lib/model/url_escape.h"
#include "vigil/http_client.h"

namespace vigil::kube {
namespace {

// Service-account JWTs are 1-2 KiB; anything this large is not a token.
constexpr size_t kMaxTokenBytes = 64 << 10;
// How much of a non-Status error body goes into an error message.
constexpr size_t kMaxBodyInMessage = 256;

const char* ReasonPhrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 410:
      return "Gone";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

ErrorReason ReasonForStatus(int status) {
  switch (status) {
    case 401:
      return ErrorReason::kUnauthorized;
    case 403:
      return ErrorReason::kForbidden;
    case 410:
      return ErrorReason::kExpired;
    default:
      return ErrorReason::kHttpStatus;
  }
}

ErrorReason ReasonForTransport(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kDeadlineExceeded:
      return ErrorReason::kTimeout;
    case absl::StatusCode::kResourceExhausted:  // body over max_body_bytes
      return ErrorReason::kLimit;
    default:
      return ErrorReason::kTransport;
  }
}

// What the API said: a Status object's message, else the start of the body
// on one line.
std::string ErrorDetail(std::string_view body) {
  std::string message = StatusMessage(body);
  if (!message.empty()) return message;
  std::string text(body.substr(0, kMaxBodyInMessage));
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  if (body.size() > kMaxBodyInMessage) text.append("...");
  return text;
}

ListResult Fail(ListResult r, ErrorReason reason, absl::Status status) {
  r.reason = reason;
  r.status = std::move(status);
  r.pods.clear();
  return r;
}

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

}  // namespace

std::string PodListUrl(const std::string& api_url, int page_size,
                       const std::string& continue_token) {
  std::string_view base = api_url;
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  std::string url =
      absl::StrCat(ToAbsl(base), "/api/v1/pods?limit=", page_size);
  if (!continue_token.empty()) {
    absl::StrAppend(&url, "&continue=", QueryEscape(continue_token));
  }
  return url;
}

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  std::unique_ptr<FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    return absl::FailedPreconditionError(
        absl::StrCat("read token file ", path, ": ", std::strerror(errno)));
  }
  std::string data(kMaxTokenBytes + 1, '\0');
  const size_t n = std::fread(data.data(), 1, data.size(), f.get());
  if (std::ferror(f.get())) {
    return absl::FailedPreconditionError(
        absl::StrCat("read token file ", path, ": ", std::strerror(errno)));
  }
  if (n > kMaxTokenBytes) {
    return absl::FailedPreconditionError(absl::StrCat(
        "token file ", path, " is larger than ", kMaxTokenBytes, " bytes"));
  }
  data.resize(n);
  const size_t begin = data.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) {
    return absl::FailedPreconditionError(
        absl::StrCat("token file ", path, " is empty"));
  }
  const size_t end = data.find_last_not_of(" \t\r\n");
  return data.substr(begin, end - begin + 1);
}

ListResult ListPods(const CollectorOptions& options,
                    const std::function<bool()>& cancelled) {
  ListResult r;
  http::Request req;
  req.timeout = std::chrono::milliseconds(options.request_timeout_ms);
  req.max_body_bytes = options.max_body_bytes;
  req.tls.ca_file = options.api.ca_file;
  req.tls.insecure_skip_verify = options.api.insecure_skip_verify;
  req.headers = {{"Accept", "application/json"}, {"User-Agent", "vigil"}};
  if (!options.api.token_file.empty()) {
    // Re-read at every list: kubelet rotates projected tokens in place.
    auto token = ReadTokenFile(options.api.token_file);
    if (!token.ok()) {
      return Fail(std::move(r), ErrorReason::kToken, token.status());
    }
    req.bearer_token = *std::move(token);
  }

  std::string continue_token;
  int page = 0;  // within the current pass
  for (;;) {
    if (cancelled && cancelled()) {
      r.pods.clear();
      r.status = absl::CancelledError("list pods: the collector is stopping");
      return r;
    }
    ++page;
    const std::string where = absl::StrCat("list pods, page ", page);
    if (page > options.max_pages) {
      return Fail(
          std::move(r), ErrorReason::kLimit,
          absl::ResourceExhaustedError(absl::StrCat(
              "list pods: more than max_pages=", options.max_pages, " pages")));
    }
    req.url =
        PodListUrl(options.api.api_url, options.page_size, continue_token);
    auto resp = http::Perform(req);
    if (!resp.ok()) {
      return Fail(
          std::move(r), ReasonForTransport(resp.status()),
          absl::Status(resp.status().code(),
                       absl::StrCat(where, ": ", resp.status().message())));
    }
    if (resp->status == 410 && !continue_token.empty() &&
        r.restarts < kMaxListRestarts) {
      // Kubernetes: "the provided continue parameter is too old to display
      // a consistent list result"; start over from the first page.
      ++r.restarts;
      continue_token.clear();
      page = 0;
      r.pods.clear();
      continue;
    }
    if (resp->status != 200) {
      std::string message = absl::StrCat(
          where, ": HTTP ", resp->status,
          *ReasonPhrase(resp->status) == '\0' ? "" : " ",
          ReasonPhrase(resp->status), ": ", ErrorDetail(resp->body));
      if (resp->status == 410 && r.restarts > 0) {
        absl::StrAppend(&message, " (after restarting the list ", r.restarts,
                        r.restarts == 1 ? " time)" : " times)");
      }
      return Fail(std::move(r), ReasonForStatus(resp->status),
                  absl::UnavailableError(message));
    }
    auto parsed = ParsePodListPage(resp->body, options.pod_status_series);
    if (!parsed.ok()) {
      return Fail(std::move(r), ErrorReason::kMalformed,
                  absl::InvalidArgumentError(
                      absl::StrCat(where, ": ", parsed.status().message())));
    }
    if (r.pods.size() + parsed->pods.size() > options.max_pods) {
      return Fail(
          std::move(r), ErrorReason::kLimit,
          absl::ResourceExhaustedError(absl::StrCat(
              where, ": more than max_pods=", options.max_pods, " pods")));
    }
    for (PodSecurity& pod : parsed->pods) r.pods.push_back(std::move(pod));
    continue_token = std::move(parsed->continue_token);
    if (continue_token.empty()) {
      r.pages = page;
      r.status = absl::OkStatus();
      return r;
    }
  }
}

}  // namespace vigil::kube
