// The per-request checks of the web config; see web_access.h.
#include "lib/api/web_access.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "lib/api/go_http_error.h"
#include "lib/model/absl_compat.h"

namespace vigil::api {

namespace {

// net/http's http.Error: the status text, plain text, no sniffing.

// The web config's headers on a response of WebAccess's own, as net/http
// would have them: Set before the error, whose own headers (the nosniff
// among them) replace a configured one of the same name.
void AddConfiguredHeaders(
    const std::vector<std::pair<std::string, std::string>>& configured,
    HttpResponse* resp) {
  for (const auto& [name, value] : configured) {
    bool present = false;
    for (const auto& h : resp->headers) {
      present =
          present || absl::EqualsIgnoreCase(ToAbsl(h.first), ToAbsl(name));
    }
    if (!present) resp->headers.emplace_back(name, value);
  }
}

std::chrono::nanoseconds SteadyNow() {
  return std::chrono::steady_clock::now().time_since_epoch();
}

}  // namespace

RateLimiter::RateLimiter(int64_t burst, std::chrono::nanoseconds interval,
                         std::function<std::chrono::nanoseconds()> now)
    : burst_(static_cast<double>(std::max<int64_t>(0, burst))),
      interval_ns_(static_cast<double>(interval.count())),
      now_(now ? std::move(now) : SteadyNow),
      tokens_(burst_),
      last_ns_(static_cast<double>(now_().count())) {}

bool RateLimiter::Allow() {
  std::lock_guard lock(mu_);
  const double now = static_cast<double>(now_().count());
  if (now > last_ns_) {
    tokens_ = std::min(burst_, tokens_ + (now - last_ns_) / interval_ns_);
    last_ns_ = now;
  }
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

WebAccess::WebAccess(WebConfigSource* source, BasicAuthOptions auth_options)
    : source_(source), authenticator_(std::move(auth_options)) {
  const std::shared_ptr<const WebConfigSnapshot> snap = source_->Current();
  // x/time/rate's Every makes a negative interval an infinite rate: no
  // limit at all, as no limiter.
  if (snap->config_status.ok() && snap->config.rate_limit_interval_ns > 0) {
    limiter_.emplace(
        snap->config.rate_limit_burst,
        std::chrono::nanoseconds(snap->config.rate_limit_interval_ns));
  }
}

std::optional<HttpResponse> WebAccess::Admit(
    const HttpRequest& request,
    std::vector<std::pair<std::string, std::string>>* headers) {
  const std::shared_ptr<const WebConfigSnapshot> snap = source_->Current();
  // A certificate that fails to load fails handshakes, not requests.
  if (!snap->config_status.ok()) {
    return GoHttpError(500, "Internal Server Error");
  }
  if (limiter_.has_value() && !limiter_->Allow()) {
    return GoHttpError(429, "Too Many Requests");
  }
  for (const auto& [name, value] : snap->config.headers) {
    headers->emplace_back(name, value);
  }
  const auto& users = snap->config.basic_auth_users;
  if (users.empty()) return std::nullopt;
  for (const auto& [name, value] : request.headers) {
    if (!absl::EqualsIgnoreCase(ToAbsl(name), "Authorization")) continue;
    std::optional<BasicCredentials> credentials =
        ParseBasicAuthorization(value);
    const AuthVerdict verdict = credentials.has_value()
                                    ? authenticator_.Check(users, *credentials)
                                    : AuthVerdict::kDenied;
    if (verdict == AuthVerdict::kAllowed) return std::nullopt;
    if (verdict == AuthVerdict::kBusy) {
      HttpResponse busy = GoHttpError(429, "Too Many Requests");
      AddConfiguredHeaders(*headers, &busy);
      return busy;
    }
    break;  // Go reads the first Authorization header only
  }
  HttpResponse denied = GoHttpError(401, "Unauthorized");
  denied.headers.emplace_back("WWW-Authenticate", "Basic");
  AddConfiguredHeaders(*headers, &denied);
  return denied;
}

}  // namespace vigil::api
