// Loading a web config's certificates into OpenSSL and applying them to a
// connection; see tls_material.h.
#include "lib/api/tls_material.h"

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/api/x509_key_pair.h"
#include "lib/model/absl_compat.h"

namespace vigil::api {

namespace {

// A certificate bundle with every public CA is about 200 KiB.
constexpr size_t kMaxPemBytes = 4 << 20;

absl::StatusOr<std::string> ReadPem(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return OpenError(path, errno);
  std::string text(kMaxPemBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxPemBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": larger than ", kMaxPemBytes, " bytes"));
  }
  return text;
}

// Go's names (tls.CipherSuites()) for OpenSSL's.
struct CipherName {
  std::string_view go;
  std::string_view openssl;  // "" for TLS 1.3 suites
};
constexpr CipherName kCipherNames[] = {
    {"TLS_AES_128_GCM_SHA256", ""},
    {"TLS_AES_256_GCM_SHA384", ""},
    {"TLS_CHACHA20_POLY1305_SHA256", ""},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
     "ECDHE-ECDSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
     "ECDHE-ECDSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
     "ECDHE-ECDSA-CHACHA20-POLY1305"},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
     "ECDHE-RSA-CHACHA20-POLY1305"},
    {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"},
    {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"},
    {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"},
    {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"},
};

std::string_view OpenSslGroup(std::string_view go_curve) {
  if (go_curve == "CurveP256") return "P-256";
  if (go_curve == "CurveP384") return "P-384";
  if (go_curve == "CurveP521") return "P-521";
  return "X25519";
}

// The SSL ex_data slot holding a heap-allocated shared_ptr to the
// connection's TlsMaterial, released with the SSL.
int MaterialIndex() {
  static const int index = CRYPTO_get_ex_new_index(
      CRYPTO_EX_INDEX_SSL, 0, nullptr, nullptr, nullptr,
      [](void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
        delete static_cast<std::shared_ptr<const TlsMaterial>*>(ptr);
      });
  return index;
}

// Go's x509 SAN strings: DNS names, e-mail addresses, IPs as net.IP's
// String(), URIs.
std::vector<std::string> SubjectAltNames(X509* cert) {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS || name->type == GEN_EMAIL ||
        name->type == GEN_URI) {
      const ASN1_IA5STRING* s = name->d.ia5;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<size_t>(ASN1_STRING_length(s)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      std::string text =
          GoIpString(ASN1_STRING_get0_data(ip),
                     static_cast<size_t>(ASN1_STRING_length(ip)));
      if (!text.empty()) out.push_back(std::move(text));
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

}  // namespace

std::string GoIpString(const unsigned char* ip, size_t len) {
  constexpr unsigned char kV4InV6Prefix[12] = {0, 0, 0, 0, 0,    0,
                                               0, 0, 0, 0, 0xff, 0xff};
  if (len == 16 && std::memcmp(ip, kV4InV6Prefix, 12) == 0) {
    ip += 12;
    len = 4;
  }
  if (len == 4) {
    return absl::StrCat(int{ip[0]}, ".", int{ip[1]}, ".", int{ip[2]}, ".",
                        int{ip[3]});
  }
  if (len != 16) return "";
  uint16_t groups[8];
  for (int i = 0; i < 8; ++i) {
    groups[i] = static_cast<uint16_t>((ip[2 * i] << 8) | ip[2 * i + 1]);
  }
  // netip: the first longest run of two or more zero groups becomes "::"
  // (glibc's inet_ntop would also print "::a.b.c.d" for ::/96).
  int zero_start = -1;
  int zero_end = -1;
  for (int i = 0; i < 8; ++i) {
    int j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i >= 2 && j - i > zero_end - zero_start) {
      zero_start = i;
      zero_end = j;
    }
  }
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == zero_start) {
      out += "::";
      i = zero_end;
      if (i >= 8) break;
    } else if (i > 0) {
      out += ':';
    }
    absl::StrAppend(&out, absl::Hex(groups[i]));
  }
  return out;
}

struct TlsMaterial::Handles {
  X509* leaf = nullptr;
  STACK_OF(X509) * chain = nullptr;
  EVP_PKEY* key = nullptr;
  X509_STORE* client_cas = nullptr;  // null: system roots or none
  STACK_OF(X509_NAME) * client_ca_names = nullptr;

  ~Handles() {
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    EVP_PKEY_free(key);
    X509_STORE_free(client_cas);
    sk_X509_NAME_pop_free(client_ca_names, X509_NAME_free);
  }
};

TlsMaterial::TlsMaterial() : handles_(std::make_unique<Handles>()) {}
TlsMaterial::~TlsMaterial() = default;

std::string TlsMaterial::OpenSslCipherName(std::string_view go_name) {
  for (const CipherName& c : kCipherNames) {
    if (c.go == go_name) return std::string(c.openssl);
  }
  return "";
}

absl::StatusOr<std::shared_ptr<const TlsMaterial>> TlsMaterial::Load(
    const TlsServerConfig& config) {
  if (!config.enabled()) {
    return absl::FailedPreconditionError("TLS config is not present");
  }
  if (config.cert_file.empty() && config.cert.empty()) {
    return absl::InvalidArgumentError("missing one of cert or cert_file");
  }
  if (config.key_file.empty() && config.key.empty()) {
    return absl::InvalidArgumentError("missing one of key or key_file");
  }
  std::string cert_pem = config.cert;
  if (!config.cert_file.empty()) {
    absl::StatusOr<std::string> text = ReadPem(config.cert_file);
    if (!text.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("failed to read cert_file (", config.cert_file,
                       "): ", text.status().message()));
    }
    cert_pem = *std::move(text);
  }
  std::string key_pem = config.key;
  if (!config.key_file.empty()) {
    absl::StatusOr<std::string> text = ReadPem(config.key_file);
    if (!text.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("failed to read key_file (", config.key_file,
                       "): ", text.status().message()));
    }
    key_pem = *std::move(text);
  }

  std::shared_ptr<TlsMaterial> m(new TlsMaterial());
  Handles& h = *m->handles_;
  static_assert(sizeof(m->session_id_context_) == SSL_MAX_SID_CTX_LENGTH);
  if (RAND_bytes(m->session_id_context_.data(),
                 static_cast<int>(m->session_id_context_.size())) != 1) {
    ERR_clear_error();
    return absl::InternalError("no random bytes for a TLS session context");
  }
  absl::StatusOr<KeyPair> pair = ParseX509KeyPair(cert_pem, key_pem);
  if (!pair.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("failed to load X509KeyPair: ", pair.status().message()));
  }
  h.leaf = pair->leaf.release();
  h.key = pair->key.release();
  h.chain = sk_X509_new_null();
  for (X509Ptr& c : pair->chain) sk_X509_push(h.chain, c.release());

  std::string ca_pem = config.client_ca;
  if (!config.client_ca_file.empty()) {
    absl::StatusOr<std::string> text = ReadPem(config.client_ca_file);
    if (!text.ok()) return text.status();
    ca_pem = *std::move(text);
  }
  if (!config.client_ca_file.empty() || !config.client_ca.empty()) {
    h.client_cas = X509_STORE_new();
    h.client_ca_names = sk_X509_NAME_new_null();
    for (const X509Ptr& ca : CertificatesFromPem(ca_pem)) {
      X509_STORE_add_cert(h.client_cas, ca.get());
      sk_X509_NAME_push(h.client_ca_names,
                        X509_NAME_dup(X509_get_subject_name(ca.get())));
    }
  }

  absl::StatusOr<ClientAuth> client_auth =
      ParseClientAuth(config.client_auth_type);
  if (!client_auth.ok()) return client_auth.status();
  m->client_auth_ = *client_auth;
  if (h.client_cas != nullptr && m->client_auth_ == ClientAuth::kNoClientCert) {
    return absl::InvalidArgumentError(
        "client CA's have been configured without a Client Auth Policy");
  }
  if (config.client_allowed_sans.has_value()) {
    if (m->client_auth_ != ClientAuth::kRequireAnyClientCert &&
        m->client_auth_ != ClientAuth::kRequireAndVerifyClientCert) {
      return absl::InvalidArgumentError(
          "client_allowed_sans requires client_auth_type to be one of "
          "RequireAnyClientCert or RequireAndVerifyClientCert");
    }
    m->allowed_sans_ = config.client_allowed_sans;
  }
  if (h.client_cas == nullptr &&
      (m->client_auth_ == ClientAuth::kVerifyClientCertIfGiven ||
       m->client_auth_ == ClientAuth::kRequireAndVerifyClientCert)) {
    // Go verifies against the system roots when no client CA is given.
    h.client_cas = X509_STORE_new();
    X509_STORE_set_default_paths(h.client_cas);
  }

  m->min_version_ = config.min_version;
  m->max_version_ = config.max_version;
  m->prefer_server_ciphers_ = config.prefer_server_cipher_suites;
  std::vector<std::string> ciphers;
  for (const std::string& go : config.cipher_suites) {
    std::string name = OpenSslCipherName(go);
    if (!name.empty()) ciphers.push_back(std::move(name));
  }
  m->cipher_list_ = absl::StrJoin(ciphers, ":");
  std::vector<std::string> groups;
  for (const std::string& go : config.curve_preferences) {
    groups.emplace_back(OpenSslGroup(go));
  }
  m->groups_ = absl::StrJoin(groups, ":");
  return std::shared_ptr<const TlsMaterial>(std::move(m));
}

bool TlsMaterial::ApplyTo(std::shared_ptr<const TlsMaterial> material,
                          SSL* ssl) {
  const TlsMaterial& m = *material;
  const Handles& h = *m.handles_;
  if (SSL_use_cert_and_key(ssl, h.leaf, h.key, h.chain, 1) != 1) return false;
  if (SSL_set_session_id_context(ssl, m.session_id_context_.data(),
                                 m.session_id_context_.size()) != 1) {
    return false;
  }
  if (SSL_set_min_proto_version(ssl, m.min_version_) != 1 ||
      SSL_set_max_proto_version(ssl, m.max_version_) != 1) {
    return false;
  }
  if (!m.cipher_list_.empty() &&
      SSL_set_cipher_list(ssl, m.cipher_list_.c_str()) != 1) {
    return false;
  }
  if (!m.groups_.empty() && SSL_set1_groups_list(ssl, m.groups_.c_str()) != 1) {
    return false;
  }
  if (m.prefer_server_ciphers_) {
    SSL_set_options(ssl, SSL_OP_CIPHER_SERVER_PREFERENCE);
  } else {
    SSL_clear_options(ssl, SSL_OP_CIPHER_SERVER_PREFERENCE);
  }
  int mode = SSL_VERIFY_NONE;
  switch (m.client_auth_) {
    case ClientAuth::kNoClientCert:
      break;
    case ClientAuth::kRequestClientCert:
    case ClientAuth::kVerifyClientCertIfGiven:
      mode = SSL_VERIFY_PEER;
      break;
    case ClientAuth::kRequireAnyClientCert:
    case ClientAuth::kRequireAndVerifyClientCert:
      mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
      break;
  }
  SSL_set_verify(ssl, mode,
                 mode == SSL_VERIFY_NONE ? nullptr : VerifyClientCert);
  if (h.client_cas != nullptr &&
      SSL_set1_verify_cert_store(ssl, h.client_cas) != 1) {
    return false;
  }
  if (h.client_ca_names != nullptr) {
    SSL_set_client_CA_list(ssl, SSL_dup_CA_list(h.client_ca_names));
  }
  auto* held = new std::shared_ptr<const TlsMaterial>(std::move(material));
  if (SSL_set_ex_data(ssl, MaterialIndex(), held) != 1) {
    delete held;
    return false;
  }
  return true;
}

bool TlsMaterial::AppliedTo(SSL* ssl) {
  return SSL_get_ex_data(ssl, MaterialIndex()) != nullptr;
}

int TlsMaterial::VerifyClientCert(int preverify_ok, X509_STORE_CTX* store) {
  SSL* ssl = static_cast<SSL*>(
      X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  const auto* held = static_cast<const std::shared_ptr<const TlsMaterial>*>(
      ssl == nullptr ? nullptr : SSL_get_ex_data(ssl, MaterialIndex()));
  if (held == nullptr) return 0;
  const TlsMaterial& m = **held;
  const bool verify = m.client_auth_ == ClientAuth::kVerifyClientCertIfGiven ||
                      m.client_auth_ == ClientAuth::kRequireAndVerifyClientCert;
  if (verify && preverify_ok != 1) return 0;
  if (X509_STORE_CTX_get_error_depth(store) == 0 &&
      m.allowed_sans_.has_value()) {
    for (const std::string& san :
         SubjectAltNames(X509_STORE_CTX_get_current_cert(store))) {
      for (const std::string& allowed : *m.allowed_sans_) {
        if (san == allowed) return 1;
      }
    }
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  return 1;
}

}  // namespace vigil::api
