// Shared by the api_*_test.cc files: a tsdb::Head with a few series, a real
// Engine, an ApiServer on 127.0.0.1:0, and HTTP helpers (vigil::http for
// GET/POST, a raw socket for the other methods).
#ifndef VIGIL_TESTS_API_TEST_SUPPORT_H_
#define VIGIL_TESTS_API_TEST_SUPPORT_H_

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "lib/model/strings.h"
#include "lib/model/url_escape.h"
#include "vigil/api.h"
#include "vigil/http_client.h"
#include "vigil/promql/engine.h"
#include "vigil/tsdb.h"

namespace vigil::api::testing {

// The fixture's data: 41 samples, one every 15s, from kT0 to kT0 + 600s.
inline constexpr int64_t kT0 = 1700000000000;  // ms
inline constexpr int64_t kStepMs = 15000;
inline constexpr int kSamples = 41;

struct RawResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::string Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() == name.size() &&
          std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          })) {
        return v;
      }
    }
    return "";
  }
};

// One HTTP/1.1 exchange over a fresh connection (Connection: close).
inline RawResponse RawRequest(int port, const std::string& method,
                              const std::string& target,
                              const std::string& body = "",
                              const std::vector<std::string>& headers = {}) {
  RawResponse out;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return out;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return out;
  }
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n" +
                    "Connection: close\r\n";
  for (const std::string& h : headers) req += h + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") {
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  size_t sent = 0;
  while (sent < req.size()) {
    ssize_t n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string raw;
  char buf[8192];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  const size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) return out;
  std::string head = raw.substr(0, head_end);
  out.body = raw.substr(head_end + 4);
  size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  if (status_line.size() >= 12)
    out.status = std::stoi(status_line.substr(9, 3));
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t e = head.find("\r\n", pos);
    if (e == std::string::npos) e = head.size();
    std::string line = head.substr(pos, e - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      out.headers.emplace_back(line.substr(0, colon), value);
    }
    pos = e + 2;
  }
  return out;
}

// Fills `head` with the fixture's series.
inline void FillHead(tsdb::Head& head) {
  auto app = head.NewAppender();
  for (int i = 0; i < kSamples; ++i) {
    const int64_t t = kT0 + i * kStepMs;
    ASSERT_TRUE(app->Append(Labels::FromStrings({"__name__", "up", "job", "api",
                                                 "instance", "a:9090"}),
                            t, 1)
                    .ok());
    ASSERT_TRUE(app->Append(Labels::FromStrings({"__name__", "up", "job", "api",
                                                 "instance", "b:9090"}),
                            t, 0)
                    .ok());
    ASSERT_TRUE(
        app->Append(Labels::FromStrings({"__name__", "http_requests_total",
                                         "job", "api", "code", "200"}),
                    t, 10.0 * i)
            .ok());
    ASSERT_TRUE(
        app->Append(Labels::FromStrings({"__name__", "http_requests_total",
                                         "job", "api", "code", "500"}),
                    t, i)
            .ok());
    ASSERT_TRUE(app->Append(Labels::FromStrings(
                                {"__name__", "temperature", "room", "kitchen"}),
                            t, 21.5)
                    .ok());
  }
  ASSERT_TRUE(app->Commit().ok());
}

struct Reply {
  int status = 0;
  std::string content_type;
  std::string body;
  nlohmann::json json;  // null unless the body is JSON
};

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override { FillHead(head_); }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  // Starts a server with `options` (listen address forced to port 0).
  void StartServer(ApiServerOptions options = {}) {
    options.listen_address = "127.0.0.1:0";
    deps_.engine = &engine_;
    deps_.storage = &head_;
    deps_.now_ms = [] { return kT0 + 300000; };
    server_ = std::make_unique<ApiServer>(std::move(options), deps_);
    absl::Status st = server_->Start();
    ASSERT_TRUE(st.ok()) << st;
    ASSERT_GT(server_->port(), 0);
  }

  std::string Url(const std::string& target) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + target;
  }

  static Reply ToReply(const http::Response& r) {
    Reply out;
    out.status = r.status;
    out.content_type = r.content_type;
    out.body = r.body;
    out.json =
        nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    if (out.json.is_discarded()) out.json = nullptr;
    return out;
  }

  Reply Get(const std::string& target) {
    http::Request req;
    req.url = Url(target);
    auto r = http::Perform(req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? ToReply(*r) : Reply{};
  }

  Reply PostForm(const std::string& target, const std::string& body) {
    http::Request req;
    req.method = "POST";
    req.url = Url(target);
    req.body = body;
    req.headers.emplace_back("Content-Type",
                             "application/x-www-form-urlencoded");
    auto r = http::Perform(req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? ToReply(*r) : Reply{};
  }

  RawResponse Raw(const std::string& method, const std::string& target,
                  const std::string& body = "",
                  const std::vector<std::string>& headers = {}) {
    return RawRequest(server_->port(), method, target, body, headers);
  }

  tsdb::Head head_;
  promql::Engine engine_;
  ApiDependencies deps_;
  std::unique_ptr<ApiServer> server_;
};

// "?query=<escaped>&…" helpers.
inline std::string Q(std::string_view s) { return QueryEscape(s); }

// Asserts Prometheus's error envelope.
inline void ExpectError(const Reply& r, int status, std::string_view type,
                        std::string_view message) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  ASSERT_TRUE(r.json.is_object()) << r.body;
  EXPECT_EQ(r.json["status"], "error");
  EXPECT_EQ(r.json["errorType"], type);
  EXPECT_EQ(r.json["error"], message);
  EXPECT_FALSE(r.json.contains("data"));
}

inline void ExpectSuccess(const Reply& r) {
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  ASSERT_TRUE(r.json.is_object()) << r.body;
  EXPECT_EQ(r.json["status"], "success") << r.body;
}

}  // namespace vigil::api::testing

#endif  // VIGIL_TESTS_API_TEST_SUPPORT_H_
