#include "lib/scrape/scrape_loop.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/model/absl_compat.h"
#include "lib/model/go_quote.h"
#include "lib/model/strings.h"
#include "lib/model/wall_clock.h"
#include "lib/scrape/target.h"
#include "vigil/http_client.h"

namespace vigil::scrape {
namespace {

struct StatusText {
  int code;
  std::string_view text;
};
// Go's http.StatusText for the statuses a target plausibly returns.
constexpr StatusText kStatusTexts[] = {
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {408, "Request Timeout"},
    {429, "Too Many Requests"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
};

std::string StatusLine(int code) {
  for (const StatusText& s : kStatusTexts) {
    if (s.code == code) return absl::StrCat(code, " ", ToAbsl(s.text));
  }
  return absl::StrCat(code);
}

// Go's strconv.FormatFloat(seconds, 'f', -1, 64) for whole milliseconds.
std::string FormatSeconds(int64_t ms) {
  std::string s = absl::StrFormat("%d.%03d", ms / 1000, ms % 1000);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

ScrapeLoop::ScrapeLoop(LoopTarget target, Appendable* storage,
                       uint64_t offset_seed, int64_t (*now_ms)(),
                       ScrapeFailureHandler on_failure)
    : target_(std::move(target)),
      storage_(storage),
      offset_seed_(offset_seed),
      now_ms_(now_ms ? now_ms : &WallClockMs),
      on_failure_(std::move(on_failure)),
      accept_header_(AcceptHeader(target_.config->scrape_protocols)),
      cache_(PublicTargetLabels(target_.full_labels), target_.config.get()) {}

ScrapeLoop::~ScrapeLoop() { Stop(false); }

void ScrapeLoop::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || stop_) return;
  thread_ = std::thread([this] { Run(); });
}

void ScrapeLoop::Stop(bool mark_stale) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (mark_stale && last_ts_ms_ > 0) {
    // Prometheus's endOfRunStaleness: the target is gone, so its series end
    // now rather than fading out after the lookback delta.
    const int64_t ts = std::max(now_ms_(), last_ts_ms_ + 1);
    auto app = storage_->NewAppender();
    cache_.AppendStaleAll(*app, ts);
    cache_.AppendReport(*app, ts, false, 0, {}, /*stale=*/true);
    (void)app->Commit();
  }
}

LoopStatus ScrapeLoop::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

void ScrapeLoop::Run() {
  const uint64_t hash =
      TargetHash(target_.full_labels, target_.url, offset_seed_);
  int64_t next =
      now_ms_() + ScrapeOffsetMs(hash, target_.interval_ms, now_ms_());
  // Prometheus's --scrape.adjust-timestamps (on by default): a scrape that
  // starts within the tolerance of its tick gets the tick's timestamp, so
  // timestamps stay exactly one interval apart and cost one bit each in a
  // chunk rather than a jittery delta-of-delta.
  const int64_t tolerance_ms =
      std::min(target_.interval_ms / 100, kScrapeTimestampToleranceMs);
  int64_t aligned_ms = 0;  // the first scrape's time, then its ticks
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      const auto deadline = std::chrono::system_clock::time_point(
          std::chrono::milliseconds(next));
      if (cv_.wait_until(lock, deadline, [this] { return stop_; })) return;
    }
    int64_t scrape_ms = now_ms_();
    if (aligned_ms == 0) {
      aligned_ms = scrape_ms;
    } else {
      while (scrape_ms - aligned_ms >= target_.interval_ms) {
        aligned_ms += target_.interval_ms;
      }
      if (scrape_ms - aligned_ms <= tolerance_ms) scrape_ms = aligned_ms;
    }
    ScrapeOnce(scrape_ms);
    next += target_.interval_ms;
    // A scrape that overran skips the missed ticks but keeps the phase.
    const int64_t now = now_ms_();
    if (next < now) {
      next += ((now - next) / target_.interval_ms + 1) * target_.interval_ms;
    }
  }
}

absl::Status ScrapeLoop::Fetch(std::string* body, textparse::Format* format) {
  const ScrapeConfig& cfg = *target_.config;
  http::Request req;
  req.url = target_.url;
  req.timeout = std::chrono::milliseconds(target_.timeout_ms);
  req.accept_gzip = cfg.enable_compression;
  req.max_body_bytes = cfg.body_size_limit_bytes > 0 ? cfg.body_size_limit_bytes
                                                     : kMaxScrapeBodyBytes;
  req.headers.emplace_back("Accept", accept_header_);
  req.headers.emplace_back("User-Agent", "vigil/0.1.0");
  req.headers.emplace_back("X-Prometheus-Scrape-Timeout-Seconds",
                           FormatSeconds(target_.timeout_ms));
  if (absl::Status s = ApplyHttpClientConfig(cfg.basic_auth, cfg.authorization,
                                             cfg.tls_config, &req);
      !s.ok()) {
    return s;
  }

  auto resp = http::Perform(req);
  if (!resp.ok()) {
    if (resp.status().code() == absl::StatusCode::kResourceExhausted &&
        cfg.body_size_limit_bytes > 0) {
      return absl::ResourceExhaustedError("body size limit exceeded");
    }
    if (resp.status().code() == absl::StatusCode::kDeadlineExceeded) {
      return absl::DeadlineExceededError(
          absl::StrCat("Get \"", target_.url, "\": context deadline exceeded"));
    }
    return resp.status();
  }
  if (resp->status != 200) {
    return absl::UnavailableError(
        absl::StrCat("server returned HTTP status ", StatusLine(resp->status)));
  }
  const textparse::FormatChoice choice =
      textparse::ChooseFormat(resp->content_type);
  if (!choice.warning.empty()) {
    // Prometheus 3 no longer guesses: an unusable Content-Type fails the
    // scrape unless fallback_scrape_protocol says what to parse.
    switch (cfg.fallback_scrape_protocol) {
      case FallbackProtocol::kPrometheusText:
        *format = textparse::Format::kPrometheusText;
        break;
      case FallbackProtocol::kOpenMetrics:
        *format = textparse::Format::kOpenMetrics;
        break;
      case FallbackProtocol::kPrometheusProto:
        *format = textparse::Format::kProtobuf;
        break;
      case FallbackProtocol::kNone:
        if (resp->content_type.empty()) {
          return absl::InvalidArgumentError(
              "non-compliant scrape target sending blank Content-Type and no "
              "fallback_scrape_protocol specified for target");
        }
        return absl::InvalidArgumentError(absl::StrCat(
            "received unsupported Content-Type ",
            QuoteString(resp->content_type),
            " and no fallback_scrape_protocol specified for target"));
    }
  } else {
    *format = choice.format;
  }
  *body = std::move(resp->body);
  return absl::OkStatus();
}

std::shared_ptr<const std::vector<MetricMetadata>> ScrapeLoop::metadata()
    const {
  std::lock_guard<std::mutex> lock(mu_);
  return metadata_;
}

void ScrapeLoop::ScrapeOnce(int64_t ts_ms) {
  const auto start = std::chrono::steady_clock::now();
  std::string body;
  textparse::Format format = textparse::Format::kPrometheusText;
  absl::Status err = Fetch(&body, &format);
  AppendCounts counts;
  auto app = storage_->NewAppender();
  if (err.ok()) {
    err = cache_.AppendBody(*app, body, format, ts_ms, &counts);
    if (!err.ok()) {
      app->Rollback();
      app = storage_->NewAppender();
    }
  }
  if (!err.ok()) cache_.AppendStaleAll(*app, ts_ms);
  const double duration =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  cache_.AppendReport(*app, ts_ms, err.ok(), duration, counts, false);
  if (absl::Status st = app->Commit(); !st.ok() && err.ok()) err = st;
  std::shared_ptr<const std::vector<MetricMetadata>> metadata;
  if (cache_.TakeMetadataChanged()) {
    metadata =
        std::make_shared<const std::vector<MetricMetadata>>(cache_.Metadata());
  }

  {
    std::lock_guard<std::mutex> lock(mu_);
    if (metadata != nullptr) metadata_ = std::move(metadata);
    last_ts_ms_ = ts_ms;
    status_.health = err.ok() ? TargetHealth::kUp : TargetHealth::kDown;
    status_.last_error = err.ok() ? "" : std::string(err.message());
    status_.last_scrape_ms = ts_ms;
    status_.last_duration_seconds = duration;
  }
  if (!err.ok() && on_failure_) {
    on_failure_(ScrapeFailure{target_.config->job_name, target_.url,
                              std::string(err.message()), ts_ms});
  }
}

}  // namespace vigil::scrape
