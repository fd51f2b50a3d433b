// bcrypt basic authentication with a verdict cache; see basic_auth.h.
#include "lib/api/basic_auth.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "lib/api/web_config.h"
#include "lib/model/absl_compat.h"

namespace vigil::api {

namespace {

// The toolkit's cache size; a tenth is evicted, at random, when full.
constexpr size_t kCacheEntries = 100;

// bcrypt of "fakepassword" (the toolkit's), for users that do not exist.
constexpr std::string_view kDecoyHash =
    "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

std::string CacheKey(std::string_view user, std::string_view hash,
                     std::string_view password) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
  for (std::string_view part : {user, hash, password}) {
    const uint64_t n = part.size();
    EVP_DigestUpdate(ctx, &n, sizeof(n));
    EVP_DigestUpdate(ctx, part.data(), part.size());
  }
  EVP_DigestFinal_ex(ctx, digest, &len);
  EVP_MD_CTX_free(ctx);
  return std::string(reinterpret_cast<const char*>(digest), len);
}

}  // namespace

std::optional<BasicCredentials> ParseBasicAuthorization(
    std::string_view header) {
  constexpr std::string_view kPrefix = "Basic ";
  if (header.size() < kPrefix.size() ||
      !absl::EqualsIgnoreCase(ToAbsl(header.substr(0, kPrefix.size())),
                              ToAbsl(kPrefix))) {
    return std::nullopt;
  }
  std::string_view encoded = header.substr(kPrefix.size());
  // Go's StdEncoding is strict: padding required, no whitespace.
  if (encoded.size() % 4 != 0) return std::nullopt;
  for (char c : encoded) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
    if (!ok) return std::nullopt;
  }
  std::string decoded;
  if (!absl::Base64Unescape(ToAbsl(encoded), &decoded)) return std::nullopt;
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return BasicCredentials{decoded.substr(0, colon), decoded.substr(colon + 1)};
}

bool BcryptMatches(std::string_view hash, std::string_view password) {
  if (password.find('\0') != std::string_view::npos ||
      hash.find('\0') != std::string_view::npos) {
    return false;
  }
  // crypt_r runs whatever scheme the hash names ($6$ SHA-512, $1$ MD5,
  // DES for two salt characters); users are checked for bcrypt only at
  // start, so a hash edited in later must be bcrypt's shape here too.
  const bool bcrypt_prefix = absl::StartsWith(ToAbsl(hash), "$2a$") ||
                             absl::StartsWith(ToAbsl(hash), "$2b$") ||
                             absl::StartsWith(ToAbsl(hash), "$2y$");
  if (!bcrypt_prefix || !CheckBcryptHash(hash).ok()) return false;
  const std::string phrase(password);
  const std::string setting(hash);
  // crypt_data is about 32 KiB: too large for a worker's small stack.
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_r(phrase.c_str(), setting.c_str(), data.get());
  if (out == nullptr || out[0] == '*') return false;
  const std::string_view computed(out);
  return computed.size() == hash.size() &&
         CRYPTO_memcmp(computed.data(), hash.data(), hash.size()) == 0;
}

BasicAuthenticator::BasicAuthenticator(BasicAuthOptions options)
    : options_(std::move(options)), evict_rng_(std::random_device{}()) {}

AuthVerdict BasicAuthenticator::Check(
    const std::map<std::string, std::string>& users,
    const BasicCredentials& credentials) {
  const auto it = users.find(credentials.user);
  const bool known_user = it != users.end();
  const std::string_view hash = known_user ? it->second : kDecoyHash;
  const std::string key =
      CacheKey(credentials.user, hash, credentials.password);
  {
    std::lock_guard lock(cache_mu_);
    if (auto hit = cache_.find(key); hit != cache_.end()) {
      return known_user && hit->second ? AuthVerdict::kAllowed
                                       : AuthVerdict::kDenied;
    }
  }
  // One running plus max_waiting waiting; the rest are turned away before
  // they hold a thread for the length of the queue.
  if (queued_.fetch_add(1) >= 1 + std::max(0, options_.max_waiting)) {
    queued_.fetch_sub(1);
    return AuthVerdict::kBusy;
  }
  bool matches;
  {
    std::lock_guard lock(bcrypt_mu_);
    matches = options_.compare ? options_.compare(hash, credentials.password)
                               : BcryptMatches(hash, credentials.password);
  }
  queued_.fetch_sub(1);
  const bool ok = known_user && matches;
  std::lock_guard lock(cache_mu_);
  ++bcrypt_runs_;
  if (cache_.size() >= kCacheEntries) {
    std::vector<std::string> keys;
    keys.reserve(cache_.size());
    for (const auto& [k, v] : cache_) keys.push_back(k);
    std::shuffle(keys.begin(), keys.end(), evict_rng_);
    const size_t drop = std::max<size_t>(1, cache_.size() / 10);
    for (size_t i = 0; i < drop; ++i) cache_.erase(keys[i]);
  }
  cache_[key] = ok;
  return ok ? AuthVerdict::kAllowed : AuthVerdict::kDenied;
}

int64_t BasicAuthenticator::bcrypt_runs() const {
  std::lock_guard lock(cache_mu_);
  return bcrypt_runs_;
}

}  // namespace vigil::api
