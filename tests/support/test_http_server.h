// A tiny HTTP/1.1 server on 127.0.0.1 for integration tests: serves fixed
// replies by path (optionally gzip-encoded when the client accepts it) and
// records the requests it received. One connection at a time, "Connection:
// close" on every reply. Loopback only; the port is chosen by the kernel.
#ifndef VIGIL_TESTS_SUPPORT_TEST_HTTP_SERVER_H_
#define VIGIL_TESTS_SUPPORT_TEST_HTTP_SERVER_H_

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"

namespace vigil::testing {

class TestHttpServer {
 public:
  struct Reply {
    int status = 200;
    std::string content_type;
    std::string body;
    bool gzip = false;  // encode when the request accepts gzip
    int delay_ms = 0;   // wait this long before answering (a slow target)
  };
  struct Request {
    std::string method;
    std::string target;                          // path and query
    std::map<std::string, std::string> headers;  // names lower-cased
  };

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
  // The last request to `path` (empty method when none) and the count.
  Request LastRequest(const std::string& path) const;
  int RequestCount(const std::string& path) const;

 private:
  void Serve();
  void Handle(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::string, Reply> replies_;
  std::map<std::string, Request> last_;
  std::map<std::string, int> counts_;
};

// gzip-encodes `data` (zlib, gzip wrapper).
std::string Gzip(const std::string& data);

}  // namespace vigil::testing

#endif  // VIGIL_TESTS_SUPPORT_TEST_HTTP_SERVER_H_
