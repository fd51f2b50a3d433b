// Built twice as a tiny shared object that civetweb loads in place of
// OpenSSL; see civetweb_tls.h for why. As "libssl.so" (VIGIL_SHIM_LIBSSL)
// it depends on OpenSSL 3's libssl and adds the one function Debian's
// civetweb 1.15 resolves by name that OpenSSL 3 no longer exports; as
// "libcrypto.so" it only depends on libcrypto, so civetweb finds it
// without the -dev package's unversioned symlink.
#ifdef VIGIL_SHIM_LIBSSL
#include <openssl/ssl.h>

// OpenSSL 3 turned it into a macro for SSL_get1_peer_certificate, which
// returns a reference the caller frees, as 1.1's function did.
#undef SSL_get_peer_certificate
extern "C" __attribute__((visibility("default"))) X509*
SSL_get_peer_certificate(const SSL* ssl) {
  return SSL_get1_peer_certificate(ssl);
}
#endif
