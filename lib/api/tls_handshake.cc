// Per-handshake TLS configuration from the web config; see tls_handshake.h.
#include "lib/api/tls_handshake.h"

#include <openssl/ssl.h>

#include "absl/strings/str_cat.h"

namespace vigil::api {

int TlsHandshake::Install(void* ssl_ctx) {
  SSL_CTX_set_client_hello_cb(static_cast<SSL_CTX*>(ssl_ctx),
                              &TlsHandshake::OnClientHello, this);
  return 1;
}

void TlsHandshake::Report(std::string_view error) {
  {
    std::lock_guard lock(mu_);
    if (error == last_error_) return;
    last_error_ = std::string(error);
  }
  if (log_error_ && !error.empty()) log_error_(error);
}

int TlsHandshake::OnClientHello(SSL* ssl, int* alert, void* arg) {
  auto* self = static_cast<TlsHandshake*>(arg);
  // A TLS 1.3 HelloRetryRequest brings a second ClientHello: the
  // connection keeps what its first one chose.
  if (TlsMaterial::AppliedTo(ssl)) return SSL_CLIENT_HELLO_SUCCESS;
  const std::shared_ptr<const WebConfigSnapshot> snap =
      self->source_->Current();
  absl::Status status = snap->config_status;
  if (status.ok()) status = snap->tls_status;
  if (status.ok() && snap->tls == nullptr) {
    status = absl::FailedPreconditionError("TLS config is not present");
  }
  if (status.ok() && !TlsMaterial::ApplyTo(snap->tls, ssl)) {
    status = absl::InternalError("OpenSSL refused the TLS settings");
  }
  if (!status.ok()) {
    self->Report(absl::StrCat("TLS handshake refused: ", status.message()));
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  self->Report("");
  return SSL_CLIENT_HELLO_SUCCESS;
}

}  // namespace vigil::api
