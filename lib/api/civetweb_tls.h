// Makes civetweb's TLS work with Debian's OpenSSL 3.
//
// Debian's civetweb 1.15 is built to dlopen() "libssl.so" and
// "libcrypto.so" at run time and to look up OpenSSL 1.1's API in them by
// name. OpenSSL 3 no longer exports one of those names
// (SSL_get_peer_certificate became a macro), so civetweb's table gets a
// null pointer and every TLS connection crashes the process in the first
// handshake; and the unversioned names exist only where libssl-dev is
// installed. vigil builds two tiny shared objects whose SONAMEs are
// "libssl.so" and "libcrypto.so" (civetweb_openssl3_shim.cc), embeds them
// in the library, and loads them from memory before civetweb initializes
// OpenSSL: glibc's dlopen() matches an already loaded object by SONAME, so
// civetweb gets the shims, which depend on the real libssl.so.3 and
// libcrypto.so.3 and supply the missing function. Nothing is installed
// beside vigil, and nothing changes for a civetweb that does not need it.
#ifndef VIGIL_LIB_API_CIVETWEB_TLS_H_
#define VIGIL_LIB_API_CIVETWEB_TLS_H_

#include "absl/status/status.h"

namespace vigil::api {

// Loads the shims and initializes civetweb's TLS once per process; later
// calls return the first call's result.
absl::Status EnableCivetwebTls();

}  // namespace vigil::api

#endif  // VIGIL_LIB_API_CIVETWEB_TLS_H_
