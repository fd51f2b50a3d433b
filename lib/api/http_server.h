// A small HTTP server over civetweb's C API: every request, whatever its
// path, goes to one handler as an HttpRequest; the handler's HttpResponse
// is written back with a Content-Length. Bodies larger than the limit are
// refused with 413 before (or while) reading them. With a web config file
// the server speaks TLS and checks basic auth as it says (web_access.h,
// tls_handshake.h). Internal to vigil_api.
#ifndef VIGIL_LIB_API_HTTP_SERVER_H_
#define VIGIL_LIB_API_HTTP_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "vigil/api.h"

struct mg_context;
struct mg_connection;

namespace vigil::api {
class TlsHandshake;
class WebAccess;
class WebConfigSource;
}  // namespace vigil::api

namespace vigil::api {

struct HttpServerOptions {
  std::string listen_address;  // "host:port", ":port", "[v6]:port"
  // Each open connection holds one worker thread, so this is also the
  // most connections served at once; more wait in the listen queue.
  int num_threads = kDefaultNumThreads;
  int64_t max_body_bytes = kDefaultMaxRequestBodyBytes;
  int64_t max_header_bytes = kDefaultMaxRequestHeaderBytes;
  // A client that does not send its request within this is disconnected.
  int64_t read_timeout_ms = kDefaultReadTimeoutMs;
  // --web.config.file; empty: plain HTTP, no authentication.
  std::string web_config_file;
  // Errors found while serving (a certificate that stopped loading).
  std::function<void(std::string_view)> log_error;
};

// civetweb's listening_ports spelling of a Go-style listen address, e.g.
// ":9090" → "9090", "localhost:0" → "127.0.0.1:0".
absl::StatusOr<std::string> CivetListeningPorts(std::string_view address);

// A header value as Go's net/http writes it (Header.writeSubset): CR and
// LF become spaces, so no value can end its line and start another header,
// and surrounding blanks are trimmed.
std::string GoHeaderValue(std::string_view value);

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  HttpServer();
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  absl::Status Start(const HttpServerOptions& options, Handler handler);
  void Stop();
  int port() const { return port_; }
  bool tls() const { return tls_handshake_ != nullptr; }

 private:
  static int OnRequest(mg_connection* conn, void* self);
  int Serve(mg_connection* conn);

  mg_context* ctx_ = nullptr;
  Handler handler_;
  int64_t max_body_bytes_ = 0;
  int port_ = 0;
  std::string poke_address_;  // see Stop()
  std::unique_ptr<WebConfigSource> web_config_;
  std::unique_ptr<WebAccess> web_access_;
  std::unique_ptr<TlsHandshake> tls_handshake_;
};

}  // namespace vigil::api

#endif  // VIGIL_LIB_API_HTTP_SERVER_H_
