// Hooks the web config's TLS into the SSL_CTX civetweb creates: each
// handshake takes the newest TlsMaterial of a WebConfigSource in OpenSSL's
// client-hello callback (see tls_material.h), or fails when the file or
// its certificates do not load, as exporter-toolkit's GetConfigForClient
// fails it. Failures are reported once per distinct error, not once per
// connection, so a broken certificate cannot flood the log.
#ifndef VIGIL_LIB_API_TLS_HANDSHAKE_H_
#define VIGIL_LIB_API_TLS_HANDSHAKE_H_

#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "lib/api/web_config_source.h"

namespace vigil::api {

class TlsHandshake {
 public:
  // Both borrowed; `log_error` may be null.
  TlsHandshake(WebConfigSource* source,
               std::function<void(std::string_view)> log_error)
      : source_(source), log_error_(std::move(log_error)) {}

  // civetweb's init_ssl callback body for `ssl_ctx` (an SSL_CTX*); returns
  // 1, civetweb's "the callback configured it".
  int Install(void* ssl_ctx);

 private:
  static int OnClientHello(struct ssl_st* ssl, int* alert, void* self);
  void Report(std::string_view error);

  WebConfigSource* source_;
  std::function<void(std::string_view)> log_error_;
  std::mutex mu_;
  std::string last_error_;
};

}  // namespace vigil::api

#endif  // VIGIL_LIB_API_TLS_HANDSHAKE_H_
