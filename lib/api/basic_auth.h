// HTTP basic authentication against the web config's bcrypt users, as
// exporter-toolkit checks it. bcrypt is slow on purpose (cost 10 is tens of
// milliseconds), so a flood of requests must not become a flood of bcrypt
// runs: at most one runs at a time, and every verdict — a failure too — is
// cached for its (user, hash, password), so a client repeating a wrong
// password costs a hash lookup. Passwords never tried before still need
// bcrypt; each waiting request holds a server thread, so only a few may
// wait (kMaxBcryptWaiting) and the rest are told kBusy at once, where the
// toolkit would queue them all. Unknown users are checked against a fixed
// hash, so response times do not tell which users exist; the final
// comparison is constant-time. The cache keeps SHA-256 digests, never
// passwords.
#ifndef VIGIL_LIB_API_BASIC_AUTH_H_
#define VIGIL_LIB_API_BASIC_AUTH_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"

namespace vigil::api {

struct BasicCredentials {
  std::string user;
  std::string password;
};

// Go's Request.BasicAuth: "Basic " (any case) and standard base64 of
// "user:password"; nullopt when the header is anything else.
std::optional<BasicCredentials> ParseBasicAuthorization(
    std::string_view header);

// Whether `password` matches the bcrypt `hash` ($2a$, $2b$, $2y$), by
// libxcrypt's crypt_r. Any other hash (crypt's other schemes included)
// never matches, nor does a password with a NUL byte: crypt would stop
// reading at it.
bool BcryptMatches(std::string_view hash, std::string_view password);

// Requests that may wait while another runs bcrypt.
inline constexpr int kMaxBcryptWaiting = 4;

enum class AuthVerdict {
  kAllowed,  // a user of the file, with its password
  kDenied,
  kBusy,  // not checked: too many requests already wait for bcrypt
};

struct BasicAuthOptions {
  int max_waiting = kMaxBcryptWaiting;
  // The password check; null is BcryptMatches. Tests put a gate in it.
  std::function<bool(std::string_view hash, std::string_view password)> compare;
};

class BasicAuthenticator {
 public:
  explicit BasicAuthenticator(BasicAuthOptions options = {});

  // kAllowed when `credentials` names a user of `users` and its password.
  // A cached verdict is returned at once, whatever the queue.
  AuthVerdict Check(const std::map<std::string, std::string>& users,
                    const BasicCredentials& credentials);

  // bcrypt comparisons run so far (not cache hits), for tests.
  int64_t bcrypt_runs() const;
  // Requests running or waiting for bcrypt now, for tests.
  int bcrypt_queued() const { return queued_.load(); }

 private:
  const BasicAuthOptions options_;
  std::atomic<int> queued_{0};
  std::mutex bcrypt_mu_;  // one bcrypt at a time, as the toolkit
  mutable std::mutex cache_mu_;
  absl::flat_hash_map<std::string, bool> cache_;  // digest bytes → verdict
  std::minstd_rand evict_rng_;
  int64_t bcrypt_runs_ = 0;
};

}  // namespace vigil::api

#endif  // VIGIL_LIB_API_BASIC_AUTH_H_
