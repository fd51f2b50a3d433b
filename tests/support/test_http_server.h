// An HTTP server on 127.0.0.1 for integration tests, on civetweb (through
// lib/api's HttpServer, the one vigil serves its API with): fixed replies by
// path, optionally gzip-encoded when the client accepts it, or computed by a
// handler; records the requests it received. Several connections at once,
// so a slow reply does not hold up the next request. Loopback only; the
// port is chosen by the kernel.
#ifndef VIGIL_TESTS_SUPPORT_TEST_HTTP_SERVER_H_
#define VIGIL_TESTS_SUPPORT_TEST_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "lib/api/http_server.h"

namespace vigil::testing {

class TestHttpServer {
 public:
  struct Reply {
    int status = 200;
    std::string content_type;
    std::string body;
    bool gzip = false;  // encode when the request accepts gzip
    int delay_ms = 0;   // wait this long before answering (a slow target)
    std::vector<std::pair<std::string, std::string>> headers = {};  // extra
  };
  struct Request {
    std::string method;
    std::string target;                          // path and query
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body = {};
  };

  // Computes the reply for a request (on the server's thread).
  using Handler = std::function<Reply(const Request&)>;

  TestHttpServer() = default;
  ~TestHttpServer();  // Stop()s
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  // Binds 127.0.0.1 on a free port and starts serving.
  absl::Status Start();
  void Stop();

  int port() const { return port_; }
  std::string address() const;  // "127.0.0.1:<port>"

  // Replaces the reply for `path` (the request target without its query).
  // Unknown paths get 404.
  void SetReply(const std::string& path, Reply reply);
  // Replies to `path` with whatever `handler` says (wins over SetReply).
  void SetHandler(const std::string& path, Handler handler);
  // The last request to `path` (empty method when none) and the count.
  Request LastRequest(const std::string& path) const;
  int RequestCount(const std::string& path) const;

 private:
  api::HttpResponse Handle(const api::HttpRequest& request);

  api::HttpServer server_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::map<std::string, Reply> replies_;
  std::map<std::string, Handler> handlers_;
  std::map<std::string, Request> last_;
  std::map<std::string, int> counts_;
};

// gzip-encodes `data` (zlib, gzip wrapper).
std::string Gzip(const std::string& data);

}  // namespace vigil::testing

#endif  // VIGIL_TESTS_SUPPORT_TEST_HTTP_SERVER_H_
