// datasource: a client for a Prometheus-compatible query API (Prometheus,
// Thanos, Mimir, VictoriaMetrics), for rules evaluated over data another
// server holds (vmalert's and Thanos Ruler's job) and for anything else
// that wants another server's answer as vigil's own types (replays).
//
// Protocol: POST <url>/api/v1/query (and /api/v1/query_range) with a form
// body — `query`, `time` (or `start`, `end`, `step`) and `timeout` — as
// Prometheus's own clients send it; the JSON answer is decoded into
// promql::QueryResult: "vector", "scalar", "matrix" and "string" results,
// sample values as Go prints floats ("NaN", "+Inf", "-Inf", "1e+21"), and
// the answer's "warnings" and "infos".
//
// Errors (what the caller logs and counts):
//   DeadlineExceeded    the remote did not answer within `timeout`
//   Unavailable         connection, DNS or TLS failures; HTTP 5xx
//   InvalidArgument     HTTP 4xx and errors the remote reported about the
//                       query ("bad_data: 1:5: parse error: …")
//   ResourceExhausted   the answer is larger than max_response_bytes
//   DataLoss            an answer that is not the API's JSON (garbage, a
//                       proxy's HTML page, a value that is not a number)
// Each message starts with "datasource <url>: " and, for a remote error,
// carries the HTTP status and the remote's errorType and error.
//
// Limits: the response body (max_response_bytes), the JSON nesting depth,
// each request's time (timeout); a remote's text quoted in errors is cut
// to kMaxQuotedErrorBytes.
//
// Thread safety: a Client is immutable after Create(); any number of
// threads may query through one Client at once.
#ifndef VIGIL_DATASOURCE_H_
#define VIGIL_DATASOURCE_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "vigil/http_client.h"
#include "vigil/matcher.h"
#include "vigil/promql/engine.h"

namespace vigil::datasource {

inline constexpr int64_t kDefaultMaxResponseBytes = 32 << 20;
inline constexpr std::chrono::milliseconds kDefaultTimeout{30000};
inline constexpr size_t kMaxQuotedErrorBytes = 512;

// The `datasource:` block of the config, shaped like a scrape target's HTTP
// settings.
struct ClientConfig {
  // Base URL, e.g. "http://prometheus:9090" or "https://thanos/prefix";
  // "/api/v1/query" is appended.
  std::string url;
  std::chrono::milliseconds timeout = kDefaultTimeout;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string basic_auth_user;
  std::string basic_auth_password;
  std::string bearer_token;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;
  bool insecure_skip_verify = false;
  int64_t max_response_bytes = kDefaultMaxResponseBytes;
};

class Client {
 public:
  // Fails with InvalidArgument when the URL is not http(s)://host[...].
  static absl::StatusOr<std::unique_ptr<Client>> Create(ClientConfig config);

  // An instant query at `time_ms`. Any result type is returned; the caller
  // decides which it accepts.
  absl::StatusOr<promql::QueryResult> Query(std::string_view query,
                                            int64_t time_ms) const;
  // A range query; the result is a Matrix.
  absl::StatusOr<promql::QueryResult> QueryRange(std::string_view query,
                                                 int64_t start_ms,
                                                 int64_t end_ms,
                                                 int64_t step_ms) const;

  // The last sample in [mint_ms, maxt_ms] of every series matching
  // `matchers` (at least one), as a remote read would give it: an instant
  // query of the range selector `{matchers}[maxt-mint]` at maxt, its last
  // point per series. `metric` holds the series' labels, `t`/`v` the
  // sample. Series without a sample in range are left out.
  absl::StatusOr<promql::Vector> LastSamples(const Matchers& matchers,
                                             int64_t mint_ms,
                                             int64_t maxt_ms) const;

  // Every raw sample in [mint_ms, maxt_ms] (both included) of every series
  // matching `matchers` (at least one), with its own timestamp: an instant
  // query of the range selector `{matchers}[maxt-mint+1ms]` at maxt, which
  // neither resamples nor shifts (unlike a range query at a step). The
  // range is one millisecond wider than asked so that Prometheus 3's
  // left-open ranges include mint; a 2.x server's left-closed one returns
  // mint-1 too, which is dropped. Staleness markers are not in the answer
  // (range selectors leave them out). `query`, when given, is set to the
  // query sent, for messages.
  absl::StatusOr<promql::Matrix> RawSamples(const Matchers& matchers,
                                            int64_t mint_ms, int64_t maxt_ms,
                                            std::string* query = nullptr) const;

  const ClientConfig& config() const { return config_; }

 private:
  explicit Client(ClientConfig config) : config_(std::move(config)) {}
  absl::StatusOr<promql::QueryResult> Post(std::string_view path,
                                           std::string body) const;
  ClientConfig config_;
};

// Decodes one answer of /api/v1/query or /api/v1/query_range (the HTTP
// status and body as received); errors as listed at the top, without the
// "datasource <url>: " prefix.
absl::StatusOr<promql::QueryResult> DecodeQueryResponse(int http_status,
                                                        std::string_view body);

// `{a="x",b=~"y"}`: a selector for the query API; every matcher inside the
// braces, so any label name and value can be written.
std::string SelectorText(const Matchers& matchers);

// Prometheus's `time` parameter: seconds with millisecond decimals
// ("1700000000.123").
std::string FormatTime(int64_t ms);

}  // namespace vigil::datasource

#endif  // VIGIL_DATASOURCE_H_
