// What the web config asks of every request before its handler runs, in
// exporter-toolkit's order: the file must still read (else 500), the rate
// limit must have a token (else 429), the configured headers go on the
// response, and with basic_auth_users the request must carry a user's
// password (else 401 with "WWW-Authenticate: Basic"; 429 when too many
// requests already wait for bcrypt, see basic_auth.h). The same for every
// path and method, /-/healthy, /-/ready and CORS preflights included, as
// in Prometheus.
#ifndef VIGIL_LIB_API_WEB_ACCESS_H_
#define VIGIL_LIB_API_WEB_ACCESS_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lib/api/basic_auth.h"
#include "lib/api/web_config_source.h"
#include "vigil/api.h"

namespace vigil::api {

// golang.org/x/time/rate's Limiter as the toolkit uses it: `burst` tokens,
// one more every `interval`, starting full; burst 0 admits nothing.
class RateLimiter {
 public:
  RateLimiter(int64_t burst, std::chrono::nanoseconds interval,
              std::function<std::chrono::nanoseconds()> now = nullptr);
  bool Allow();

 private:
  const double burst_;
  const double interval_ns_;
  std::function<std::chrono::nanoseconds()> now_;
  std::mutex mu_;
  double tokens_;
  double last_ns_;
};

class WebAccess {
 public:
  // `source` is borrowed. The rate limit is the file's at construction, as
  // the toolkit reads it once.
  explicit WebAccess(WebConfigSource* source,
                     BasicAuthOptions auth_options = {});

  // nullopt: serve the request, then add `headers` to its response.
  // Otherwise the response to send instead.
  std::optional<HttpResponse> Admit(
      const HttpRequest& request,
      std::vector<std::pair<std::string, std::string>>* headers);

  BasicAuthenticator& authenticator() { return authenticator_; }

 private:
  WebConfigSource* source_;
  std::optional<RateLimiter> limiter_;
  BasicAuthenticator authenticator_;
};

}  // namespace vigil::api

#endif  // VIGIL_LIB_API_WEB_ACCESS_H_
