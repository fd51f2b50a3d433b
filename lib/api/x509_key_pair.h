// Go's reading of PEM certificates and keys, over OpenSSL: tls.X509KeyPair
// (a certificate chain and its private key, with Go's error texts) and
// x509.CertPool.AppendCertsFromPEM (every certificate that parses; the
// rest skipped). PEM is read block by block as encoding/pem reads it, so a
// malformed block costs that block, not the ones after it. Nothing here
// decrypts: an encrypted key is "tls: failed to parse private key", as in
// Go, and never a passphrase prompt on the terminal.
#ifndef VIGIL_LIB_API_X509_KEY_PAIR_H_
#define VIGIL_LIB_API_X509_KEY_PAIR_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

typedef struct x509_st X509;
typedef struct evp_pkey_st EVP_PKEY;

namespace vigil::api {

struct X509Free {
  void operator()(X509* x) const;
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
struct EvpPkeyFree {
  void operator()(EVP_PKEY* k) const;
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;

// One PEM block as Go's pem.Decode returns it.
struct PemBlock {
  std::string type;  // "CERTIFICATE", "EC PRIVATE KEY", …
  bool has_headers = false;
  std::string der;
};

// Every well-formed block of `pem`, in order; text around them and
// malformed blocks (bad base64, an END line of another type) are skipped.
std::vector<PemBlock> ReadPemBlocks(std::string_view pem);

struct KeyPair {
  X509Ptr leaf;
  std::vector<X509Ptr> chain;  // the certificates after the leaf
  EvpPkeyPtr key;
};

// tls.X509KeyPair: the CERTIFICATE blocks of `cert_pem` (the first is the
// leaf; later ones that do not parse are left out, where Go would send
// their bytes as they are) and the first "… PRIVATE KEY" block of
// `key_pem`, which must be the leaf's key. Errors are Go's texts
// ("tls: failed to find any PEM data in key input", "tls: failed to parse
// private key", "tls: private key does not match public key", …).
absl::StatusOr<KeyPair> ParseX509KeyPair(std::string_view cert_pem,
                                         std::string_view key_pem);

// x509.CertPool.AppendCertsFromPEM: the CERTIFICATE blocks without
// headers that parse.
std::vector<X509Ptr> CertificatesFromPem(std::string_view pem);

}  // namespace vigil::api

#endif  // VIGIL_LIB_API_X509_KEY_PAIR_H_
