// The HTTP side of the query API client: form bodies, auth, limits.
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/model/absl_compat.h"
#include "lib/model/url_escape.h"
#include "vigil/datasource.h"

namespace vigil::datasource {
namespace {

// Prometheus's `timeout` parameter as a duration it and VictoriaMetrics
// both read.
std::string FormatTimeout(std::chrono::milliseconds timeout) {
  const int64_t ms = timeout.count();
  return ms % 1000 == 0 ? absl::StrCat(ms / 1000, "s") : absl::StrCat(ms, "ms");
}

// The "datasource <url>: " prefix keeps the status's code.
absl::Status Prefixed(const absl::Status& s, std::string_view url) {
  return absl::Status(
      s.code(), absl::StrCat("datasource ", ToAbsl(url), ": ", s.message()));
}

}  // namespace

std::string SelectorText(const Matchers& matchers) {
  std::string out = "{";
  for (size_t i = 0; i < matchers.size(); ++i) {
    if (i > 0) out += ",";
    out += matchers[i].ToString();
  }
  return out + "}";
}

std::string FormatTime(int64_t ms) {
  const char* sign = ms < 0 ? "-" : "";
  const uint64_t abs =
      ms < 0 ? 0 - static_cast<uint64_t>(ms) : static_cast<uint64_t>(ms);
  const uint64_t frac = abs % 1000;
  return absl::StrCat(sign, abs / 1000, ".", frac < 100 ? "0" : "",
                      frac < 10 ? "0" : "", frac);
}

absl::StatusOr<std::unique_ptr<Client>> Client::Create(ClientConfig config) {
  const std::string& url = config.url;
  const size_t scheme_end = url.find("://");
  const std::string scheme =
      scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if ((scheme != "http" && scheme != "https") || url.size() == scheme_end + 3 ||
      url[scheme_end + 3] == '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "datasource url \"", url, "\" must be http:// or https:// and a host"));
  }
  if (url.find_first_of("?# \t\r\n") != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("datasource url \"", url,
                     "\" must not hold a query, a fragment or white space"));
  }
  while (!config.url.empty() && config.url.back() == '/') config.url.pop_back();
  if (config.timeout.count() <= 0) {
    return absl::InvalidArgumentError("datasource timeout must be positive");
  }
  if (config.max_response_bytes <= 0) config.max_response_bytes = 1;
  return std::unique_ptr<Client>(new Client(std::move(config)));
}

absl::StatusOr<promql::QueryResult> Client::Query(std::string_view query,
                                                  int64_t time_ms) const {
  return Post(
      "/api/v1/query",
      absl::StrCat("query=", QueryEscape(query), "&time=", FormatTime(time_ms),
                   "&timeout=", FormatTimeout(config_.timeout)));
}

absl::StatusOr<promql::QueryResult> Client::QueryRange(std::string_view query,
                                                       int64_t start_ms,
                                                       int64_t end_ms,
                                                       int64_t step_ms) const {
  if (step_ms <= 0) {
    return absl::InvalidArgumentError("range query step must be positive");
  }
  return Post("/api/v1/query_range",
              absl::StrCat(
                  "query=", QueryEscape(query), "&start=", FormatTime(start_ms),
                  "&end=", FormatTime(end_ms), "&step=", FormatTime(step_ms),
                  "&timeout=", FormatTimeout(config_.timeout)));
}

absl::StatusOr<promql::Vector> Client::LastSamples(const Matchers& matchers,
                                                   int64_t mint_ms,
                                                   int64_t maxt_ms) const {
  if (matchers.empty() || maxt_ms <= mint_ms) {
    return absl::InvalidArgumentError(
        "last samples need matchers and a non-empty range");
  }
  std::string selector = SelectorText(matchers);
  absl::StrAppend(&selector, "[", maxt_ms - mint_ms, "ms]");
  auto result = Query(selector, maxt_ms);
  if (!result.ok()) return result.status();
  const auto* matrix = std::get_if<promql::Matrix>(&result->value);
  if (matrix == nullptr) {
    return absl::DataLossError(absl::StrCat("datasource ", config_.url, ": ",
                                            selector,
                                            " did not answer with a matrix"));
  }
  promql::Vector out;
  for (const promql::MatrixSeries& s : *matrix) {
    if (s.samples.empty()) continue;
    const Sample& last = s.samples.back();
    out.push_back({s.metric, last.t, last.v});
  }
  return out;
}

absl::StatusOr<promql::Matrix> Client::RawSamples(const Matchers& matchers,
                                                  int64_t mint_ms,
                                                  int64_t maxt_ms,
                                                  std::string* query) const {
  if (matchers.empty() || maxt_ms < mint_ms) {
    return absl::InvalidArgumentError(
        "raw samples need matchers and a non-empty range");
  }
  std::string selector = SelectorText(matchers);
  absl::StrAppend(&selector, "[", maxt_ms - mint_ms + 1, "ms]");
  if (query != nullptr) *query = selector;
  auto result = Query(selector, maxt_ms);
  if (!result.ok()) return result.status();
  auto* matrix = std::get_if<promql::Matrix>(&result->value);
  if (matrix == nullptr) {
    return absl::DataLossError(absl::StrCat("datasource ", config_.url, ": ",
                                            selector,
                                            " did not answer with a matrix"));
  }
  for (promql::MatrixSeries& s : *matrix) {
    std::erase_if(s.samples, [&](const Sample& p) {
      return p.t < mint_ms || p.t > maxt_ms;
    });
  }
  std::erase_if(
      *matrix, [](const promql::MatrixSeries& s) { return s.samples.empty(); });
  return std::move(*matrix);
}

absl::StatusOr<promql::QueryResult> Client::Post(std::string_view path,
                                                 std::string body) const {
  http::Request r;
  r.method = "POST";
  r.url = absl::StrCat(config_.url, ToAbsl(path));
  r.headers = config_.headers;
  r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  r.headers.emplace_back("Accept", "application/json");
  r.body = std::move(body);
  r.timeout = config_.timeout;
  r.basic_auth_user = config_.basic_auth_user;
  r.basic_auth_password = config_.basic_auth_password;
  r.bearer_token = config_.bearer_token;
  r.tls = {config_.ca_file, config_.cert_file, config_.key_file,
           config_.server_name, config_.insecure_skip_verify};
  r.accept_gzip = true;
  r.max_body_bytes = config_.max_response_bytes;
  absl::StatusOr<http::Response> response = http::Perform(r);
  if (!response.ok()) return Prefixed(response.status(), config_.url);
  auto result = DecodeQueryResponse(response->status, response->body);
  if (!result.ok()) return Prefixed(result.status(), config_.url);
  return result;
}

}  // namespace vigil::datasource
