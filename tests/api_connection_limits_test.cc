// Request hygiene on the listener: idle connections do not starve the
// probes, --web.max-connections is a real ceiling, and a client that stops
// sending mid-request is disconnected after --web.read-timeout. No sleeps
// stand for synchronization: each wait is for an event (a reply, a close)
// with a generous deadline, and "not served yet" is checked where serving
// is impossible until the test itself frees a connection. CORS preflights
// reach vigil's own handling, behind the web config's basic auth.
#include <poll.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/api_test_support.h"

namespace vigil::api::testing {
namespace {

constexpr auto kGenerous = std::chrono::seconds(20);

int Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n =
        ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Waits up to `timeout` for `fd` to become readable; then reads what is
// there. nullopt: nothing arrived in time. "" : the peer closed.
std::optional<std::string> ReadWithin(int fd,
                                      std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
    return std::nullopt;
  }
  char buf[4096];
  const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
  if (n <= 0) return std::string();
  return std::string(buf, static_cast<size_t>(n));
}

const std::string kHealthy =
    "GET /-/healthy HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

class ConnectionLimitsTest : public ApiServerTest {
 protected:
  void TearDown() override {
    for (int fd : idle_) ::close(fd);
    ApiServerTest::TearDown();
  }
  // Connections that say nothing, each holding a worker.
  void OpenIdle(int n) {
    for (int i = 0; i < n; ++i) {
      const int fd = Connect(server_->port());
      ASSERT_GE(fd, 0);
      idle_.push_back(fd);
    }
  }
  std::vector<int> idle_;
};

TEST_F(ConnectionLimitsTest, IdleConnectionsDoNotStarveHealthy) {
  ApiServerOptions opts;
  opts.num_threads = 16;
  StartServer(opts);  // read timeout: Prometheus's 5m default
  OpenIdle(12);
  for (int i = 0; i < 3; ++i) {
    const int fd = Connect(server_->port());
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(SendAll(fd, kHealthy));
    const auto reply = ReadWithin(
        fd, std::chrono::duration_cast<std::chrono::milliseconds>(kGenerous));
    ::close(fd);
    ASSERT_TRUE(reply.has_value()) << "no answer with 12 idle connections";
    EXPECT_EQ(reply->substr(0, 12), "HTTP/1.1 200");
  }
}

TEST_F(ConnectionLimitsTest, MaxConnectionsIsACeiling) {
  ApiServerOptions opts;
  opts.num_threads = 4;  // --web.max-connections=4
  StartServer(opts);
  OpenIdle(4);
  const int waiting = Connect(server_->port());
  ASSERT_GE(waiting, 0);  // the kernel's listen queue takes it
  ASSERT_TRUE(SendAll(waiting, kHealthy));
  // Every worker is held by an idle connection that will not time out for
  // minutes: no answer can come while they stay.
  EXPECT_FALSE(ReadWithin(waiting, std::chrono::milliseconds(300)).has_value());
  ::close(idle_.back());
  idle_.pop_back();
  const auto reply = ReadWithin(
      waiting,
      std::chrono::duration_cast<std::chrono::milliseconds>(kGenerous));
  ::close(waiting);
  ASSERT_TRUE(reply.has_value()) << "not served after a connection closed";
  EXPECT_EQ(reply->substr(0, 12), "HTTP/1.1 200");
}

TEST_F(ConnectionLimitsTest, SlowClientIsDisconnectedAfterTheReadTimeout) {
  ApiServerOptions opts;
  opts.num_threads = 2;
  opts.read_timeout_ms = 200;
  StartServer(opts);
  const int slow = Connect(server_->port());
  ASSERT_GE(slow, 0);
  ASSERT_TRUE(SendAll(slow, "GET /-/healthy HTTP/1.1\r\nHost: loc"));
  // Whatever the server says (a 408, or nothing), it must then close.
  bool closed = false;
  const auto deadline = std::chrono::steady_clock::now() + kGenerous;
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    const auto got = ReadWithin(slow, std::chrono::milliseconds(1000));
    closed = got.has_value() && got->empty();
  }
  ::close(slow);
  EXPECT_TRUE(closed) << "a client silent mid-request was kept";
  // Both workers are free again.
  EXPECT_EQ(RawRequest(server_->port(), "GET", "/-/healthy").status, 200);
}

const std::vector<std::string> kPreflight = {
    "Origin: http://grafana.example", "Access-Control-Request-Method: POST"};

// civetweb would answer a preflight itself (200, "Allow-Methods: GET")
// before any handler: the API's own CORS answer must come instead.
TEST_F(ConnectionLimitsTest, PreflightIsTheApisNotCivetwebs) {
  StartServer();
  const RawResponse r = Raw("OPTIONS", "/api/v1/query", "", kPreflight);
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.Header("Access-Control-Allow-Methods"), "GET, POST, OPTIONS");
}

// With basic auth, a preflight is a request like any other: 401 without
// the password, as exporter-toolkit's handler answers it.
TEST_F(ConnectionLimitsTest, PreflightNeedsThePassword) {
  char dir_template[] = "/tmp/vigil-cors-XXXXXX";
  const std::string dir = ::mkdtemp(dir_template);
  const std::string web_config = dir + "/web.yml";
  // bcrypt of "fakepassword" (the toolkit's decoy hash).
  std::ofstream(web_config) << "basic_auth_users:\n  alice: "
                               "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/"
                               "VcEd00UAV/LDeSi\n";
  ApiServerOptions opts;
  opts.web_config_file = web_config;
  StartServer(opts);
  const RawResponse anonymous = Raw("OPTIONS", "/api/v1/query", "", kPreflight);
  std::vector<std::string> with_password = kPreflight;
  with_password.push_back("Authorization: Basic YWxpY2U6ZmFrZXBhc3N3b3Jk");
  const RawResponse alice = Raw("OPTIONS", "/api/v1/query", "", with_password);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.Header("Access-Control-Allow-Origin"), "");
  EXPECT_EQ(alice.status, 204);
  EXPECT_EQ(alice.Header("Access-Control-Allow-Methods"), "GET, POST, OPTIONS");
}

}  // namespace
}  // namespace vigil::api::testing
