// The web config file: strict decoding with the toolkit's errors, bcrypt
// checks, the verdict cache, the rate limiter and the per-request gate.
// TLS handshakes are tests/web_config_test.sh's (curl and openssl).
#include <crypt.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "lib/api/basic_auth.h"
#include "lib/api/http_server.h"
#include "lib/api/tls_material.h"
#include "lib/api/web_access.h"
#include "lib/api/web_config.h"
#include "lib/api/web_config_source.h"
#include "lib/api/x509_key_pair.h"
#include "vigil/api.h"

namespace vigil::api {
namespace {

// A fresh bcrypt hash of `password` at the lowest cost, by libxcrypt.
std::string Bcrypt(const std::string& password, const char* prefix = "$2y$") {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  EXPECT_NE(crypt_gensalt_rn(prefix, 4, nullptr, 0, salt, sizeof(salt)),
            nullptr);
  crypt_data data{};
  const char* hash = crypt_r(password.c_str(), salt, &data);
  EXPECT_NE(hash, nullptr);
  return hash;
}

std::string Basic(const std::string& user, const std::string& password) {
  return "Basic " + absl::Base64Escape(user + ":" + password);
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/vigil-webcfg-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string Write(const std::string& name, const std::string& text) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

absl::Status ParseError(const std::string& yaml) {
  return ParseWebConfig(yaml, "web.yml").status();
}

TEST(WebConfigTest, DefaultsAreTheToolkits) {
  auto c = ParseWebConfig("", "web.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->tls.enabled());
  EXPECT_EQ(c->tls.min_version, kTls12);
  EXPECT_EQ(c->tls.max_version, kTls13);
  EXPECT_TRUE(c->tls.prefer_server_cipher_suites);
  EXPECT_TRUE(c->http2);
}

TEST(WebConfigTest, DecodesEveryField) {
  auto c = ParseWebConfig(R"(
tls_server_config:
  cert_file: certs/server.crt
  key_file: /abs/server.key
  client_ca_file: ../ca.pem
  client_auth_type: RequireAndVerifyClientCert
  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]
  curve_preferences: [X25519, CurveP256]
  min_version: TLS13
  max_version: TLS13
  prefer_server_cipher_suites: no
  client_allowed_sans: [client.example]
http_server_config:
  http2: false
  headers:
    Strict-Transport-Security: max-age=31536000
    X-Frame-Options: sameorigin
rate_limit: {burst: 5, interval: 1s}
basic_auth_users:
  alice: $2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi
)",
                          "/etc/vigil/web.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  // Relative paths are relative to the file, cleaned as filepath.Join.
  EXPECT_EQ(c->tls.cert_file, "/etc/vigil/certs/server.crt");
  EXPECT_EQ(c->tls.key_file, "/abs/server.key");
  EXPECT_EQ(c->tls.client_ca_file, "/etc/ca.pem");
  EXPECT_EQ(c->tls.cipher_suites.size(), 2u);
  EXPECT_EQ(c->tls.curve_preferences.size(), 2u);
  EXPECT_EQ(c->tls.min_version, kTls13);
  EXPECT_FALSE(c->tls.prefer_server_cipher_suites);  // yaml.v2's "no"
  EXPECT_FALSE(c->http2);
  EXPECT_EQ(c->headers.at("X-Frame-Options"), "sameorigin");
  EXPECT_EQ(c->rate_limit_burst, 5);
  EXPECT_EQ(c->rate_limit_interval_ns, 1'000'000'000);
  EXPECT_EQ(c->basic_auth_users.size(), 1u);
  EXPECT_TRUE(CheckUsers(*c).ok());
}

TEST(WebConfigTest, StrictDecodingNamesTheField) {
  EXPECT_EQ(
      ParseError("tls_server_config:\n  cert_file: a\n  foo: 1\n").message(),
      "web.yml:3:3: field foo not found in type web.TLSConfig");
  EXPECT_EQ(ParseError("basic_auth: {}\n").message(),
            "web.yml:1:1: field basic_auth not found in type web.Config");
  EXPECT_EQ(ParseError("http_server_config: {http3: true}\n").message(),
            "web.yml:1:22: field http3 not found in type web.HTTPConfig");
}

TEST(WebConfigTest, UnknownNamesAreTheToolkitsErrors) {
  EXPECT_EQ(ParseError("tls_server_config: {min_version: TLS14}\n").message(),
            "web.yml:1:34: unknown TLS version: TLS14");
  EXPECT_EQ(
      ParseError(
          "tls_server_config:\n  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n")
          .message(),
      "web.yml:2:19: unknown cipher: TLS_RSA_WITH_RC4_128_SHA");
  EXPECT_EQ(
      ParseError("tls_server_config: {curve_preferences: [P256]}\n").message(),
      "web.yml:1:41: unknown curve: P256");
}

int64_t IntervalNs(const std::string& value) {
  auto c = ParseWebConfig("rate_limit: {burst: 1, interval: " + value + "}\n",
                          "web.yml");
  EXPECT_TRUE(c.ok()) << value << ": " << c.status();
  return c.ok() ? c->rate_limit_interval_ns : -1;
}

// The toolkit's interval is a time.Duration decoded by yaml.v2, not
// Prometheus's model.Duration.
TEST(WebConfigTest, RateLimitIntervalIsAGoDuration) {
  EXPECT_EQ(IntervalNs("1.5s"), 1'500'000'000);
  EXPECT_EQ(IntervalNs("500us"), 500'000);
  EXPECT_EQ(IntervalNs("1h2m"), 3'720'000'000'000);
  EXPECT_EQ(IntervalNs("250"), 250);  // an integer is nanoseconds
  EXPECT_EQ(IntervalNs("2.9"), 2);    // a float truncates to them
  EXPECT_EQ(IntervalNs("-1s"), -1'000'000'000);
  EXPECT_EQ(IntervalNs("~"), 0);
  // yaml.v2 reports ParseDuration's refusals as a type mismatch.
  EXPECT_EQ(ParseError("rate_limit: {interval: 1d}\n").message(),
            "web.yml:1:24: cannot unmarshal !!str `1d` into time.Duration");
  EXPECT_EQ(ParseError("rate_limit: {interval: x}\n").message(),
            "web.yml:1:24: cannot unmarshal !!str `x` into time.Duration");
  EXPECT_EQ(ParseError("rate_limit: {interval: true}\n").message(),
            "web.yml:1:24: cannot unmarshal !!bool `true` into time.Duration");
  EXPECT_EQ(ParseError("rate_limit:\n  interval: [1s]\n").message(),
            "web.yml:2:13: cannot unmarshal !!seq into time.Duration");
}

TEST(WebConfigTest, HeadersAreTheToolkitsAllowList) {
  EXPECT_EQ(
      ParseError("http_server_config: {headers: {Server: vigil}}\n").message(),
      "HTTP header \"Server\" can not be configured");
  EXPECT_EQ(ParseError("http_server_config:\n  headers:\n    "
                       "X-Content-Type-Options: sniff\n")
                .message(),
            "invalid value for X-Content-Type-Options. Expected one of: "
            "[\"nosniff\"], but got: \"sniff\"");
  EXPECT_TRUE(ParseError("http_server_config:\n  headers:\n    "
                         "Content-Security-Policy: default-src 'self'\n")
                  .ok());
  // Enumerated values are compared as they are, line breaks included.
  EXPECT_EQ(ParseError("http_server_config:\n  headers:\n    "
                       "X-Frame-Options: \"deny\\r\\nX-Evil: 1\"\n")
                .message(),
            "invalid value for X-Frame-Options. Expected one of: "
            "[\"deny\" \"sameorigin\"], but got: \"deny\\r\\nX-Evil: 1\"");
  EXPECT_EQ(ParseError("http_server_config:\n  headers:\n    "
                       "X-XSS-Protection: \"1\\0\"\n")
                .message(),
            "invalid value for X-XSS-Protection: \"1\\x00\" contains a NUL "
            "byte");
}

// What net/http does to a value before writing it: no value can end its
// header line.
TEST(WebConfigTest, HeaderValuesAreWrittenAsGoWritesThem) {
  EXPECT_EQ(GoHeaderValue("default-src 'self'\r\nX-Injected: yes"),
            "default-src 'self'  X-Injected: yes");
  EXPECT_EQ(GoHeaderValue("\tmax-age=1\n"), "max-age=1");
  EXPECT_EQ(GoHeaderValue("a\rb"), "a b");
  EXPECT_EQ(GoHeaderValue(""), "");
}

TEST(WebConfigTest, BcryptHashShapesAsGoChecksThem) {
  EXPECT_TRUE(CheckBcryptHash(Bcrypt("x", "$2a$")).ok());
  EXPECT_TRUE(CheckBcryptHash(Bcrypt("x", "$2b$")).ok());
  EXPECT_TRUE(CheckBcryptHash(Bcrypt("x", "$2y$")).ok());
  EXPECT_EQ(CheckBcryptHash("secret").message(),
            "crypto/bcrypt: hashedSecret too short to be a bcrypted password");
  std::string h = Bcrypt("x");
  EXPECT_EQ(CheckBcryptHash("x" + h.substr(1)).message(),
            "crypto/bcrypt: bcrypt hashes must start with '$', but "
            "hashedSecret started with 'x'");
  EXPECT_EQ(CheckBcryptHash("$3" + h.substr(2)).message(),
            "crypto/bcrypt: bcrypt algorithm version '3' requested is newer "
            "than current version '2'");
  EXPECT_EQ(CheckBcryptHash(h.substr(0, 4) + "03" + h.substr(6)).message(),
            "crypto/bcrypt: cost 3 is outside allowed inclusive range 4..31");
  EXPECT_EQ(CheckBcryptHash(h.substr(0, 4) + "1x" + h.substr(6)).message(),
            "strconv.Atoi: parsing \"1x\": invalid syntax");
}

TEST(WebConfigTest, ValidateNamesTheMissingPiece) {
  TempDir dir;
  const std::string path =
      dir.Write("web.yml", "tls_server_config: {cert_file: server.crt}\n");
  EXPECT_EQ(ValidateWebConfig(path).message(),
            "missing one of key or key_file");
  dir.Write("web.yml",
            "tls_server_config: {cert_file: server.crt, key_file: k}\n");
  EXPECT_EQ(ValidateWebConfig(path).message(),
            "failed to read cert_file (" + dir.path() + "/server.crt): open " +
                dir.path() + "/server.crt: no such file or directory");
  dir.Write("server.crt", "not a certificate\n");
  dir.Write("k", "not a key\n");
  EXPECT_EQ(ValidateWebConfig(path).message(),
            "failed to load X509KeyPair: tls: failed to find any PEM data in "
            "certificate input");
  dir.Write("web.yml", "basic_auth_users: {bob: plain}\n");
  EXPECT_EQ(ValidateWebConfig(path).message(),
            "crypto/bcrypt: hashedSecret too short to be a bcrypted password");
  dir.Write("web.yml", "tls_server_config: {client_auth_type: Sometimes}\n");
  EXPECT_EQ(ValidateWebConfig(path).message(),
            "missing one of cert or cert_file");
  EXPECT_EQ(ValidateWebConfig(dir.path() + "/absent.yml").message(),
            "open " + dir.path() + "/absent.yml: no such file or directory");
  dir.Write("web.yml", "http_server_config: {http2: false}\n");
  EXPECT_TRUE(ValidateWebConfig(path).ok());
}

// A self-signed P-256 certificate and its key, made by openssl at run
// time (the tests must not carry a private key that could be reused).
struct SelfSigned {
  std::string cert;
  std::string key;
};
SelfSigned MakeSelfSigned(const TempDir& dir, const std::string& name,
                          const std::string& key_args = "-nodes") {
  const std::string base = dir.path() + "/" + name;
  const std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 " +
      key_args + " -keyout " + base + ".key -out " + base +
      ".crt -days 2 -subj /CN=" + name + " 2>/dev/null </dev/null";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto read = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  return {read(base + ".crt"), read(base + ".key")};
}

absl::Status KeyPairStatus(const std::string& cert, const std::string& key) {
  return ParseX509KeyPair(cert, key).status();
}

TEST(X509KeyPairTest, GoErrorsForWhatIsMissing) {
  TempDir dir;
  const SelfSigned a = MakeSelfSigned(dir, "a");
  const SelfSigned b = MakeSelfSigned(dir, "b");
  EXPECT_TRUE(KeyPairStatus(a.cert, a.key).ok());
  EXPECT_EQ(KeyPairStatus("no pem here", a.key).message(),
            "tls: failed to find any PEM data in certificate input");
  EXPECT_EQ(KeyPairStatus(a.key, a.key).message(),
            "tls: failed to find certificate PEM data in certificate input, "
            "but did find a private key; PEM inputs may have been switched");
  EXPECT_EQ(KeyPairStatus(a.cert, "").message(),
            "tls: failed to find any PEM data in key input");
  EXPECT_EQ(KeyPairStatus(a.cert, a.cert).message(),
            "tls: found a certificate rather than a key in the PEM for the "
            "private key");
  EXPECT_EQ(KeyPairStatus(a.cert, b.key).message(),
            "tls: private key does not match public key");
  EXPECT_EQ(KeyPairStatus("-----BEGIN CERTIFICATE-----\nAAAA\n"
                          "-----END CERTIFICATE-----\n",
                          a.key)
                .message(),
            "x509: malformed certificate");
}

TEST(X509KeyPairTest, EncryptedKeyFailsWithoutAPrompt) {
  TempDir dir;
  const SelfSigned enc = MakeSelfSigned(dir, "enc", "-passout pass:x");
  ASSERT_NE(enc.key.find("ENCRYPTED"), std::string::npos);
  // Go's error, from a key it cannot read; that OpenSSL does not ask for
  // the passphrase on the terminal or stdin instead is web_config_test.sh's.
  EXPECT_EQ(KeyPairStatus(enc.cert, enc.key).message(),
            "tls: failed to parse private key");
}

TEST(X509KeyPairTest, MalformedBlocksAreSkippedNotTheEnd) {
  TempDir dir;
  const SelfSigned a = MakeSelfSigned(dir, "a");
  const SelfSigned b = MakeSelfSigned(dir, "b");
  const std::string bad_base64 =
      "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
  const std::string not_a_cert =
      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  const std::string with_headers =
      "-----BEGIN CERTIFICATE-----\nX-Note: hi\n\n" +
      b.cert.substr(b.cert.find('\n') + 1);
  std::vector<PemBlock> blocks =
      ReadPemBlocks(a.cert + bad_base64 + "text\n" + not_a_cert + b.cert);
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[1].der.size(), 3u);
  // As AppendCertsFromPEM: the bad blocks and a block with headers are
  // skipped; the CAs around them are kept.
  EXPECT_EQ(CertificatesFromPem(a.cert + bad_base64 + not_a_cert +
                                with_headers + b.cert)
                .size(),
            2u);
  // A chain keeps going past a block that does not parse.
  absl::StatusOr<KeyPair> pair =
      ParseX509KeyPair(a.cert + not_a_cert + b.cert, a.key);
  ASSERT_TRUE(pair.ok()) << pair.status();
  EXPECT_EQ(pair->chain.size(), 1u);
}

TEST(WebConfigTest, EmptyAllowedSansIsSetNotAbsent) {
  auto absent = ParseWebConfig("tls_server_config: {}\n", "web.yml");
  auto null = ParseWebConfig("tls_server_config: {client_allowed_sans: ~}\n",
                             "web.yml");
  auto empty = ParseWebConfig("tls_server_config: {client_allowed_sans: []}\n",
                              "web.yml");
  ASSERT_TRUE(absent.ok() && null.ok() && empty.ok());
  EXPECT_FALSE(absent->tls.client_allowed_sans.has_value());
  EXPECT_FALSE(null->tls.client_allowed_sans.has_value());
  ASSERT_TRUE(empty->tls.client_allowed_sans.has_value());
  EXPECT_TRUE(empty->tls.client_allowed_sans->empty());

  // Set, it needs a policy that requires a certificate, as the toolkit's
  // non-nil ClientAllowedSans does.
  TempDir dir;
  MakeSelfSigned(dir, "server");
  const std::string path = dir.Write(
      "web.yml",
      "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
      "  client_allowed_sans: []\n");
  EXPECT_EQ(ValidateWebConfig(path).message(),
            "client_allowed_sans requires client_auth_type to be one of "
            "RequireAnyClientCert or RequireAndVerifyClientCert");
  dir.Write("web.yml",
            "tls_server_config:\n  cert_file: server.crt\n  key_file: "
            "server.key\n  client_auth_type: RequireAnyClientCert\n"
            "  client_allowed_sans: []\n");
  EXPECT_TRUE(ValidateWebConfig(path).ok());
}

TEST(WebConfigTest, EveryGoCipherSuiteHasAnOpenSslName) {
  for (const char* go : {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
                         "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                         "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
                         "TLS_RSA_WITH_AES_128_GCM_SHA256"}) {
    EXPECT_FALSE(TlsMaterial::OpenSslCipherName(go).empty()) << go;
  }
  EXPECT_EQ(TlsMaterial::OpenSslCipherName("TLS_AES_128_GCM_SHA256"), "");
}

TEST(BasicAuthTest, ParsesAuthorizationAsGo) {
  auto c = ParseBasicAuthorization(Basic("alice", "pa:ss"));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->user, "alice");
  EXPECT_EQ(c->password, "pa:ss");  // split at the first colon
  EXPECT_TRUE(ParseBasicAuthorization("bAsIc " + absl::Base64Escape("a:b"))
                  .has_value());
  EXPECT_FALSE(ParseBasicAuthorization("Bearer abc").has_value());
  EXPECT_FALSE(ParseBasicAuthorization("Basic " + absl::Base64Escape("nocolon"))
                   .has_value());
  EXPECT_FALSE(
      ParseBasicAuthorization("Basic YTpiYw").has_value());  // unpadded
  EXPECT_FALSE(ParseBasicAuthorization("Basic !!!!").has_value());
}

TEST(BasicAuthTest, BcryptMatchesEveryPrefix) {
  for (const char* prefix : {"$2a$", "$2b$", "$2y$"}) {
    const std::string hash = Bcrypt("s3cret", prefix);
    EXPECT_TRUE(BcryptMatches(hash, "s3cret")) << prefix;
    EXPECT_FALSE(BcryptMatches(hash, "s3cre")) << prefix;
    EXPECT_FALSE(BcryptMatches(hash, std::string("s3cret\0x", 8))) << prefix;
  }
  EXPECT_FALSE(BcryptMatches("garbage", "s3cret"));
}

// crypt(3) runs any scheme a hash names; a file edited after the start
// (whose users are checked only then) must not get one of them accepted.
TEST(BasicAuthTest, OtherCryptSchemesNeverMatch) {
  for (const char* prefix : {"$6$", "$5$", "$1$", "$2x$"}) {
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    if (crypt_gensalt_rn(prefix, 0, nullptr, 0, salt, sizeof(salt)) ==
        nullptr) {
      continue;  // a scheme this libxcrypt leaves out
    }
    crypt_data data{};
    const char* hash = crypt_r("s3cret", salt, &data);
    ASSERT_NE(hash, nullptr);
    ASSERT_EQ(std::string(crypt_r("s3cret", hash, &data)), hash) << prefix;
    EXPECT_FALSE(BcryptMatches(hash, "s3cret")) << prefix;
  }
  // DES: two salt characters, then the hash.
  crypt_data data{};
  const char* des = crypt_r("s3cret", "ab", &data);
  if (des != nullptr && des[0] != '*') {
    EXPECT_FALSE(BcryptMatches(des, "s3cret"));
  }
}

TEST(BasicAuthTest, VerdictsAreCachedSoRepeatsCostNoBcrypt) {
  BasicAuthenticator auth;
  const std::map<std::string, std::string> users = {{"alice", Bcrypt("right")}};
  EXPECT_EQ(auth.Check(users, {"alice", "right"}), AuthVerdict::kAllowed);
  EXPECT_EQ(auth.Check(users, {"alice", "wrong"}), AuthVerdict::kDenied);
  EXPECT_EQ(auth.Check(users, {"mallory", "right"}), AuthVerdict::kDenied);
  EXPECT_EQ(auth.bcrypt_runs(), 3);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(auth.Check(users, {"alice", "wrong"}), AuthVerdict::kDenied);
    EXPECT_EQ(auth.Check(users, {"mallory", "right"}), AuthVerdict::kDenied);
    EXPECT_EQ(auth.Check(users, {"alice", "right"}), AuthVerdict::kAllowed);
  }
  EXPECT_EQ(auth.bcrypt_runs(), 3);
  // A changed hash (an edited file) is a new key, never a stale verdict.
  const std::map<std::string, std::string> rotated = {
      {"alice", Bcrypt("other")}};
  EXPECT_EQ(auth.Check(rotated, {"alice", "right"}), AuthVerdict::kDenied);
  EXPECT_EQ(auth.bcrypt_runs(), 4);
}

TEST(BasicAuthTest, CacheStaysBounded) {
  BasicAuthenticator auth;
  const std::map<std::string, std::string> users = {{"alice", Bcrypt("x")}};
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(auth.Check(users, {"alice", "guess" + std::to_string(i)}),
              AuthVerdict::kDenied);
  }
  EXPECT_EQ(auth.bcrypt_runs(), 300);
  // Recent entries survive the random eviction often enough that some of
  // the last few guesses hit; the size bound is the point here.
  EXPECT_EQ(auth.Check(users, {"alice", "guess299"}), AuthVerdict::kDenied);
  EXPECT_LE(auth.bcrypt_runs(), 301);
}

// A password check the test holds shut until it opens it, and that says
// when a request is inside (holding the bcrypt lock).
class BcryptGate {
 public:
  BasicAuthOptions Options(int max_waiting) {
    BasicAuthOptions o;
    o.max_waiting = max_waiting;
    o.compare = [this](std::string_view hash, std::string_view password) {
      std::unique_lock lock(mu_);
      ++inside_;
      cv_.notify_all();
      cv_.wait(lock, [this] { return open_; });
      return BcryptMatches(hash, password);
    };
    return o;
  }
  void Close() {
    std::lock_guard lock(mu_);
    open_ = false;
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  // Blocks until `n` checks have entered in all.
  void AwaitInside(int n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return inside_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  int inside_ = 0;
};

TEST(BasicAuthTest, FewWaitForBcryptTheRestAreBusyAtOnce) {
  BcryptGate gate;
  BasicAuthenticator auth(gate.Options(/*max_waiting=*/2));
  const std::map<std::string, std::string> users = {{"alice", Bcrypt("right")}};
  ASSERT_EQ(auth.Check(users, {"alice", "right"}), AuthVerdict::kAllowed);
  gate.Close();
  std::vector<std::thread> threads;
  std::vector<AuthVerdict> verdicts(3, AuthVerdict::kBusy);
  threads.emplace_back([&] {
    verdicts[0] = auth.Check(users, {"alice", "guess0"});
  });
  gate.AwaitInside(2);  // the first check, and this one holding the lock
  for (int i = 1; i < 3; ++i) {
    threads.emplace_back([&, i] {
      verdicts[i] = auth.Check(users, {"alice", "guess" + std::to_string(i)});
    });
  }
  // Waiting for the lock shows only in the count: wait for both to be in
  // it (an event, with a deadline only so that a bug fails, not hangs).
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (auth.bcrypt_queued() < 3 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_EQ(auth.bcrypt_queued(), 3);
  // One running, two waiting: a new password is turned away at once, a
  // new user too; a cached verdict is still answered.
  EXPECT_EQ(auth.Check(users, {"alice", "guess3"}), AuthVerdict::kBusy);
  EXPECT_EQ(auth.Check(users, {"mallory", "x"}), AuthVerdict::kBusy);
  EXPECT_EQ(auth.Check(users, {"alice", "right"}), AuthVerdict::kAllowed);
  gate.Open();
  for (std::thread& t : threads) t.join();
  for (AuthVerdict v : verdicts) EXPECT_EQ(v, AuthVerdict::kDenied);
  EXPECT_EQ(auth.bcrypt_queued(), 0);
  // Busy was no verdict: the password is checked once there is room.
  EXPECT_EQ(auth.Check(users, {"alice", "guess3"}), AuthVerdict::kDenied);
  EXPECT_EQ(auth.bcrypt_runs(), 5);
}

TEST(RateLimiterTest, TokenBucketOnAnInjectedClock) {
  std::chrono::nanoseconds now{0};
  RateLimiter limiter(2, std::chrono::seconds(1), [&] { return now; });
  EXPECT_TRUE(limiter.Allow());
  EXPECT_TRUE(limiter.Allow());
  EXPECT_FALSE(limiter.Allow());
  now += std::chrono::milliseconds(500);
  EXPECT_FALSE(limiter.Allow());
  now += std::chrono::milliseconds(500);
  EXPECT_TRUE(limiter.Allow());
  EXPECT_FALSE(limiter.Allow());
  now += std::chrono::seconds(10);  // refills to the burst, no further
  EXPECT_TRUE(limiter.Allow());
  EXPECT_TRUE(limiter.Allow());
  EXPECT_FALSE(limiter.Allow());
  RateLimiter none(0, std::chrono::seconds(1), [&] { return now; });
  EXPECT_FALSE(none.Allow());  // x/time/rate: burst 0 admits nothing
}

HttpRequest WithAuthorization(const std::string& value) {
  HttpRequest r;
  r.method = "GET";
  r.path = "/-/healthy";
  r.headers.emplace_back("authorization", value);
  return r;
}

TEST(WebAccessTest, AuthHeadersAndReload) {
  TempDir dir;
  const std::string path =
      dir.Write("web.yml",
                "http_server_config:\n  headers:\n    "
                "X-Frame-Options: deny\nbasic_auth_users:\n  "
                "alice: " +
                    Bcrypt("right") + "\n");
  WebConfigSource source(path);
  WebAccess access(&source);
  std::vector<std::pair<std::string, std::string>> headers;
  auto denied =
      access.Admit(WithAuthorization(Basic("alice", "wrong")), &headers);
  ASSERT_TRUE(denied.has_value());
  EXPECT_EQ(denied->status, 401);
  EXPECT_EQ(denied->body, "Unauthorized\n");
  bool challenge = false, frame = false;
  for (const auto& [k, v] : denied->headers) {
    challenge = challenge || (k == "WWW-Authenticate" && v == "Basic");
    frame = frame || (k == "X-Frame-Options" && v == "deny");
  }
  EXPECT_TRUE(challenge);
  EXPECT_TRUE(frame);
  headers.clear();
  EXPECT_FALSE(
      access.Admit(WithAuthorization(Basic("alice", "right")), &headers)
          .has_value());
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers[0].first, "X-Frame-Options");
  HttpRequest anonymous;
  EXPECT_EQ(access.Admit(anonymous, &headers)->status, 401);

  // Bob is added to the file: no restart needed.
  dir.Write("web.yml", "basic_auth_users:\n  alice: " + Bcrypt("right") +
                           "\n  bob: " + Bcrypt("bobs") + "\n");
  headers.clear();
  EXPECT_FALSE(access.Admit(WithAuthorization(Basic("bob", "bobs")), &headers)
                   .has_value());
  EXPECT_TRUE(headers.empty());
  // A file broken later fails requests with 500, as the toolkit does.
  dir.Write("web.yml", "basic_auth_users: [\n");
  EXPECT_EQ(
      access.Admit(WithAuthorization(Basic("bob", "bobs")), &headers)->status,
      500);
}

// One token every 1.5 ms, as "1.5ms" says: nanosecond precision end to end
// (a millisecond interval would have refilled after 1 ms).
TEST(RateLimiterTest, SubMillisecondInterval) {
  std::chrono::nanoseconds now{0};
  RateLimiter limiter(1, std::chrono::nanoseconds(IntervalNs("1.5ms")),
                      [&] { return now; });
  EXPECT_TRUE(limiter.Allow());
  now += std::chrono::microseconds(1000);
  EXPECT_FALSE(limiter.Allow());
  now += std::chrono::microseconds(499);
  EXPECT_FALSE(limiter.Allow());
  now += std::chrono::microseconds(1);
  EXPECT_TRUE(limiter.Allow());
}

// net/http's Header().Set: a header configured and also set by http.Error
// is sent once.
TEST(WebAccessTest, ConfiguredNosniffIsSentOnce) {
  TempDir dir;
  const std::string path = dir.Write(
      "web.yml",
      "http_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n"
      "    X-Frame-Options: deny\nbasic_auth_users:\n  alice: " +
          Bcrypt("right") + "\n");
  WebConfigSource source(path);
  WebAccess access(&source);
  std::vector<std::pair<std::string, std::string>> headers;
  auto denied = access.Admit(HttpRequest{}, &headers);
  ASSERT_TRUE(denied.has_value());
  int nosniff = 0, frame = 0;
  for (const auto& [k, v] : denied->headers) {
    nosniff += k == "X-Content-Type-Options";
    frame += k == "X-Frame-Options";
  }
  EXPECT_EQ(nosniff, 1);
  EXPECT_EQ(frame, 1);
}

TEST(TlsMaterialTest, IpSansPrintAsGoPrintsThem) {
  const unsigned char v4[4] = {10, 1, 2, 3};
  const unsigned char mapped[16] = {0, 0, 0,    0,    0,  0, 0, 0,
                                    0, 0, 0xff, 0xff, 10, 1, 2, 3};
  const unsigned char compat[16] = {0, 0, 0, 0, 0,  0, 0, 0,
                                    0, 0, 0, 0, 10, 1, 2, 3};
  const unsigned char doc[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1,
                                 0,    0,    0,    0,    0, 0, 0, 1};
  const unsigned char one_zero[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1,
                                      0,    1,    0,    1,    0, 1, 0, 1};
  const unsigned char loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                      0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ(GoIpString(v4, 4), "10.1.2.3");
  EXPECT_EQ(GoIpString(mapped, 16), "10.1.2.3");
  EXPECT_EQ(GoIpString(compat, 16), "::a01:203");  // glibc: ::10.1.2.3
  EXPECT_EQ(GoIpString(doc, 16), "2001:db8:0:1::1");
  EXPECT_EQ(GoIpString(one_zero, 16), "2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(GoIpString(loopback, 16), "::1");
  EXPECT_EQ(GoIpString(v4, 3), "");
}

TEST(WebAccessTest, RateLimitIsReadOnceAndAnswers429) {
  TempDir dir;
  const std::string path =
      dir.Write("web.yml", "rate_limit: {burst: 2, interval: 1h}\n");
  WebConfigSource source(path);
  WebAccess access(&source);
  std::vector<std::pair<std::string, std::string>> headers;
  HttpRequest r;
  EXPECT_FALSE(access.Admit(r, &headers).has_value());
  EXPECT_FALSE(access.Admit(r, &headers).has_value());
  auto limited = access.Admit(r, &headers);
  ASSERT_TRUE(limited.has_value());
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(limited->body, "Too Many Requests\n");
}

TEST(WebAccessTest, BusyBcryptAnswers429) {
  TempDir dir;
  const std::string path =
      dir.Write("web.yml",
                "http_server_config:\n  headers:\n    X-Frame-Options: deny\n"
                "basic_auth_users:\n  alice: " +
                    Bcrypt("right") + "\n");
  WebConfigSource source(path);
  BcryptGate gate;
  WebAccess access(&source, gate.Options(/*max_waiting=*/0));
  std::vector<std::pair<std::string, std::string>> headers;
  ASSERT_FALSE(
      access.Admit(WithAuthorization(Basic("alice", "right")), &headers)
          .has_value());
  gate.Close();
  std::thread running([&] {
    std::vector<std::pair<std::string, std::string>> h;
    EXPECT_EQ(
        access.Admit(WithAuthorization(Basic("alice", "guess")), &h)->status,
        401);
  });
  gate.AwaitInside(2);
  headers.clear();
  auto busy =
      access.Admit(WithAuthorization(Basic("alice", "other")), &headers);
  ASSERT_TRUE(busy.has_value());
  EXPECT_EQ(busy->status, 429);
  EXPECT_EQ(busy->body, "Too Many Requests\n");
  headers.clear();
  EXPECT_FALSE(
      access.Admit(WithAuthorization(Basic("alice", "right")), &headers)
          .has_value());
  gate.Open();
  running.join();
}

TEST(WebConfigSourceTest, SameSnapshotUntilAFileChanges) {
  TempDir dir;
  const std::string path =
      dir.Write("web.yml", "http_server_config: {http2: false}\n");
  WebConfigSource source(path);
  auto first = source.Current();
  EXPECT_EQ(source.Current().get(), first.get());
  // Same size, new inode: a Kubernetes secret volume's symlink swap.
  dir.Write("web.new", "http_server_config: {http2: true }\n");
  std::filesystem::rename(dir.path() + "/web.new", path);
  auto second = source.Current();
  EXPECT_NE(second.get(), first.get());
  EXPECT_TRUE(second->config.http2);
}

}  // namespace
}  // namespace vigil::api
