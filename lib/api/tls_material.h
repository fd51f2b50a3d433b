// The TLS side of a web config loaded into OpenSSL objects, and applied to
// one connection at a time. HttpServer applies the newest TlsMaterial in
// OpenSSL's client-hello callback, so a rotated certificate (cert-manager
// replaces the files) or an edited policy takes effect on the next
// handshake, as exporter-toolkit's GetConfigForClient does, while
// connections already open keep theirs.
//
// Loading checks what the toolkit's ConfigToTLSConfig checks, in its order
// and with its messages: a certificate and a key are both given, readable
// and match; the client CA file is readable; the client auth type is known
// and set when client CAs are; client_allowed_sans only with a policy that
// requires a certificate.
#ifndef VIGIL_LIB_API_TLS_MATERIAL_H_
#define VIGIL_LIB_API_TLS_MATERIAL_H_

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/api/web_config.h"

typedef struct ssl_st SSL;
typedef struct x509_store_ctx_st X509_STORE_CTX;

namespace vigil::api {

// Go's net.IP.String() of a 4- or 16-byte address, as client_allowed_sans
// compares IP SANs: an IPv4-mapped IPv6 address as a.b.c.d. "" for other
// lengths.
std::string GoIpString(const unsigned char* ip, size_t len);

class TlsMaterial {
 public:
  // The files of `config` as they are now. FailedPrecondition "TLS config
  // is not present" when `config` sets no TLS field.
  static absl::StatusOr<std::shared_ptr<const TlsMaterial>> Load(
      const TlsServerConfig& config);

  ~TlsMaterial();
  TlsMaterial(const TlsMaterial&) = delete;
  TlsMaterial& operator=(const TlsMaterial&) = delete;

  // Sets certificate, versions, ciphers, curves and the client-certificate
  // policy on `ssl`, and keeps a reference to this material on it for the
  // verify callback. False when OpenSSL refuses one of them.
  static bool ApplyTo(std::shared_ptr<const TlsMaterial> material, SSL* ssl);

  // Whether ApplyTo already ran on `ssl`.
  static bool AppliedTo(SSL* ssl);

  // The OpenSSL name of a Go cipher suite name; "" for TLS 1.3 suites,
  // which are not configurable.
  static std::string OpenSslCipherName(std::string_view go_name);

 private:
  struct Handles;
  TlsMaterial();
  static int VerifyClientCert(int preverify_ok, X509_STORE_CTX* store);

  std::unique_ptr<Handles> handles_;
  ClientAuth client_auth_ = ClientAuth::kNoClientCert;
  int min_version_ = kTls12;
  int max_version_ = kTls13;
  bool prefer_server_ciphers_ = true;
  std::string cipher_list_;  // OpenSSL's spelling; empty: defaults
  std::string groups_;       // "P-256:X25519"; empty: defaults
  std::optional<std::vector<std::string>> allowed_sans_;  // see web_config.h
  // OpenSSL refuses to resume a session under SSL_VERIFY_PEER without a
  // session id context, and resumes only within the same context: a
  // random one per TlsMaterial keeps a session from outliving the
  // certificates and policy it was verified under.
  std::array<unsigned char, 32> session_id_context_{};
};

}  // namespace vigil::api

#endif  // VIGIL_LIB_API_TLS_MATERIAL_H_
