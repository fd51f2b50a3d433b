// Go's PEM key pairs and certificate pools over OpenSSL; see
// x509_key_pair.h.
#include "lib/api/x509_key_pair.h"

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <climits>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/model/absl_compat.h"

namespace vigil::api {

void X509Free::operator()(X509* x) const { X509_free(x); }
void EvpPkeyFree::operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

struct DecoderFree {
  void operator()(OSSL_DECODER_CTX* c) const { OSSL_DECODER_CTX_free(c); }
};

// Refuses every passphrase request: without it OpenSSL would prompt on
// the terminal (or read stdin) for an encrypted key, stalling a start, a
// `check web-config`, or a handshake in the client-hello callback.
int NoPassphrase(char*, int, int, void*) { return 0; }

X509Ptr ParseCertificate(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  // Trailing bytes after the certificate are an error in Go too.
  if (cert != nullptr &&
      p != reinterpret_cast<const unsigned char*>(der.data() + der.size())) {
    cert.reset();
  }
  return cert;
}

// Go's parsePrivateKey: PKCS #1, PKCS #8 or SEC 1 DER, whatever the block
// says it is.
EvpPkeyPtr ParsePrivateKey(const std::string& der) {
  EVP_PKEY* key = nullptr;
  std::unique_ptr<OSSL_DECODER_CTX, DecoderFree> ctx(
      OSSL_DECODER_CTX_new_for_pkey(&key, "DER", nullptr, nullptr,
                                    EVP_PKEY_KEYPAIR, nullptr, nullptr));
  if (ctx == nullptr || OSSL_DECODER_CTX_set_pem_password_cb(
                            ctx.get(), NoPassphrase, nullptr) != 1) {
    return nullptr;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  size_t len = der.size();
  if (OSSL_DECODER_from_data(ctx.get(), &p, &len) != 1) {
    EVP_PKEY_free(key);
    return nullptr;
  }
  return EvpPkeyPtr(key);
}

// The key types crypto/tls signs with.
bool IsTlsKeyType(int base_id) {
  return base_id == EVP_PKEY_RSA || base_id == EVP_PKEY_EC ||
         base_id == EVP_PKEY_ED25519;
}

// Go's %v of a []string: [A B].
std::string GoList(const std::vector<std::string>& items) {
  return absl::StrCat("[", absl::StrJoin(items, " "), "]");
}

absl::Status Error(std::string_view text) {
  ERR_clear_error();
  return absl::InvalidArgumentError(ToAbsl(text));
}

}  // namespace

std::vector<PemBlock> ReadPemBlocks(std::string_view pem) {
  std::vector<PemBlock> blocks;
  if (pem.size() > static_cast<size_t>(INT_MAX)) return blocks;
  std::unique_ptr<BIO, BioFree> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return blocks;
  for (;;) {
    const int before = BIO_pending(bio.get());
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    const int ok = PEM_read_bio(bio.get(), &name, &header, &data, &len);
    const unsigned long error = ERR_peek_last_error();
    ERR_clear_error();
    if (ok == 1) {
      blocks.push_back(PemBlock{name, header != nullptr && header[0] != '\0',
                                std::string(reinterpret_cast<const char*>(data),
                                            static_cast<size_t>(len))});
    }
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    // A malformed block was read past; only the end of input (no further
    // BEGIN line), or a read that consumed nothing, stops the loop.
    if (ok != 1 && (ERR_GET_REASON(error) == PEM_R_NO_START_LINE ||
                    BIO_pending(bio.get()) >= before)) {
      break;
    }
  }
  return blocks;
}

absl::StatusOr<KeyPair> ParseX509KeyPair(std::string_view cert_pem,
                                         std::string_view key_pem) {
  std::vector<std::string> cert_ders;
  std::vector<std::string> skipped;
  for (PemBlock& b : ReadPemBlocks(cert_pem)) {
    if (b.type == "CERTIFICATE") {
      cert_ders.push_back(std::move(b.der));
    } else {
      skipped.push_back(std::move(b.type));
    }
  }
  if (cert_ders.empty()) {
    if (skipped.empty()) {
      return Error("tls: failed to find any PEM data in certificate input");
    }
    if (skipped.size() == 1 && absl::EndsWith(skipped[0], "PRIVATE KEY")) {
      return Error(
          "tls: failed to find certificate PEM data in certificate input, "
          "but did find a private key; PEM inputs may have been switched");
    }
    return Error(absl::StrCat(
        "tls: failed to find \"CERTIFICATE\" PEM block in certificate input "
        "after skipping PEM blocks of the following types: ",
        GoList(skipped)));
  }

  skipped.clear();
  const PemBlock* key_block = nullptr;
  const std::vector<PemBlock> key_blocks = ReadPemBlocks(key_pem);
  for (const PemBlock& b : key_blocks) {
    if (b.type == "PRIVATE KEY" || absl::EndsWith(b.type, " PRIVATE KEY")) {
      key_block = &b;
      break;
    }
    skipped.push_back(b.type);
  }
  if (key_block == nullptr) {
    if (skipped.empty()) {
      return Error("tls: failed to find any PEM data in key input");
    }
    if (skipped.size() == 1 && skipped[0] == "CERTIFICATE") {
      return Error(
          "tls: found a certificate rather than a key in the PEM for the "
          "private key");
    }
    return Error(absl::StrCat(
        "tls: failed to find PEM block with type ending in \"PRIVATE KEY\" "
        "in key input after skipping PEM blocks of the following types: ",
        GoList(skipped)));
  }

  KeyPair pair;
  pair.leaf = ParseCertificate(cert_ders[0]);
  if (pair.leaf == nullptr) return Error("x509: malformed certificate");
  for (size_t i = 1; i < cert_ders.size(); ++i) {
    if (X509Ptr c = ParseCertificate(cert_ders[i])) {
      pair.chain.push_back(std::move(c));
    }
  }
  pair.key = ParsePrivateKey(key_block->der);
  if (pair.key == nullptr) return Error("tls: failed to parse private key");
  const int key_type = EVP_PKEY_get_base_id(pair.key.get());
  if (!IsTlsKeyType(key_type)) {
    return Error("tls: found unknown private key type in PKCS#8 wrapping");
  }
  const EVP_PKEY* pub = X509_get0_pubkey(pair.leaf.get());
  const int pub_type =
      pub == nullptr ? EVP_PKEY_NONE : EVP_PKEY_get_base_id(pub);
  if (!IsTlsKeyType(pub_type)) {
    return Error("tls: unknown public key algorithm");
  }
  if (pub_type != key_type) {
    return Error("tls: private key type does not match public key type");
  }
  if (X509_check_private_key(pair.leaf.get(), pair.key.get()) != 1) {
    return Error("tls: private key does not match public key");
  }
  ERR_clear_error();
  return pair;
}

std::vector<X509Ptr> CertificatesFromPem(std::string_view pem) {
  std::vector<X509Ptr> certs;
  for (const PemBlock& b : ReadPemBlocks(pem)) {
    if (b.type != "CERTIFICATE" || b.has_headers) continue;
    if (X509Ptr c = ParseCertificate(b.der)) certs.push_back(std::move(c));
  }
  ERR_clear_error();
  return certs;
}

}  // namespace vigil::api
