// The head of an answer as vigil writes it itself (response_writer.cc):
// civetweb's lines (status, Date, its Connection suggestion), and a small
// answer leaving in one segment.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>
#include <string>

#include "tests/api_test_support.h"

namespace vigil::api::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// One kept-alive client connection that reads exactly one answer per
// request (by its Content-Length), so that the connection can be reused.
class Connection {
 public:
  explicit Connection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr),
                                       sizeof(addr)) == 0;
  }
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }

  // The head (up to the blank line) and the body of the answer to `req`;
  // an empty head when the server closed the connection instead.
  std::pair<std::string, std::string> Exchange(const std::string& req,
                                               bool head_request = false) {
    ::send(fd_, req.data(), req.size(), MSG_NOSIGNAL);
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return {};
    }
    std::string head = buf_.substr(0, end + 2);
    buf_.erase(0, end + 4);
    std::smatch m;
    size_t length = 0;
    if (std::regex_search(head, m, std::regex("Content-Length: (\\d+)\r\n"))) {
      length = std::stoul(m[1]);
    }
    if (head_request) length = 0;
    while (buf_.size() < length) {
      if (!Fill()) break;
    }
    std::string body = buf_.substr(0, length);
    buf_.erase(0, body.size());
    return {head, body};
  }

  // Data segments received on this connection so far.
  uint32_t DataSegmentsIn() const {
    tcp_info info{};
    socklen_t len = sizeof(info);
    getsockopt(fd_, IPPROTO_TCP, TCP_INFO, &info, &len);
    return info.tcpi_data_segs_in;
  }

  // Whether the server closed its end (reads EOF).
  bool ClosedByServer() {
    char c;
    return ::recv(fd_, &c, 1, 0) == 0;
  }

 private:
  bool Fill() {
    char b[8192];
    const ssize_t n = ::recv(fd_, b, sizeof(b), 0);
    if (n <= 0) return false;
    buf_.append(b, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

std::string GetRequest(std::string_view version, std::string_view extra = "") {
  return "GET /api/v1/query?query=1&time=1 HTTP/" + std::string(version) +
         "\r\nHost: x\r\n" + std::string(extra) + "\r\n";
}

class ResponseHeadTest : public ApiServerTest {};

TEST_F(ResponseHeadTest, HeadLinesAsCivetwebWroteThem) {
  StartServer();
  Connection c(server_->port());
  ASSERT_TRUE(c.connected());
  auto [head, body] = c.Exchange(GetRequest("1.1"));
  EXPECT_THAT(head, ::testing::StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(head, HasSubstr("Content-Type: application/json\r\n"));
  EXPECT_THAT(head, HasSubstr("Content-Length: " + std::to_string(body.size()) +
                              "\r\n"));
  EXPECT_THAT(head, HasSubstr("Vary: Accept-Encoding\r\n"));
  EXPECT_THAT(head, HasSubstr("Connection: keep-alive\r\n"));
  EXPECT_TRUE(std::regex_search(
      head, std::regex("\r\nDate: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d\\d "
                       "[A-Z][a-z][a-z] \\d{4} \\d\\d:\\d\\d:\\d\\d GMT\r\n")))
      << head;
  EXPECT_EQ(body, R"({"status":"success","data":{"resultType":"scalar",)"
                  R"("result":[1,"1"]}})");
  // HEAD: the length the GET's body has, no body.
  auto [ready_head, ready_body] =
      c.Exchange("GET /-/ready HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_FALSE(ready_body.empty());
  auto [head2, body2] = c.Exchange("HEAD /-/ready HTTP/1.1\r\nHost: x\r\n\r\n",
                                   /*head_request=*/true);
  EXPECT_THAT(head2, HasSubstr("Content-Length: " +
                               std::to_string(ready_body.size()) + "\r\n"));
  // Errors keep their status line.
  auto [head3, body3] =
      c.Exchange("GET /api/v1/query?query=sum( HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_THAT(head3, ::testing::StartsWith("HTTP/1.1 400 Bad Request\r\n"));
  EXPECT_THAT(body3, HasSubstr("bad_data"));
}

TEST_F(ResponseHeadTest, ConnectionFollowsTheClientAndHttpVersion) {
  StartServer();
  struct Case {
    std::string request;
    std::string connection;
  };
  const Case cases[] = {
      {GetRequest("1.1"), "keep-alive"},
      {GetRequest("1.1", "Connection: TE, Keep-Alive\r\n"), "keep-alive"},
      {GetRequest("1.1", "Connection: close\r\n"), "close"},
      {GetRequest("1.0"), "close"},
      {GetRequest("1.0", "Connection: keep-alive\r\n"), "keep-alive"},
  };
  for (const Case& k : cases) {
    Connection c(server_->port());
    ASSERT_TRUE(c.connected());
    auto [head, body] = c.Exchange(k.request);
    EXPECT_THAT(head, HasSubstr("\r\nConnection: " + k.connection + "\r\n"))
        << k.request;
    EXPECT_THAT(head, ::testing::StartsWith(k.request.find("HTTP/1.0") !=
                                                    std::string::npos
                                                ? "HTTP/1.0 200"
                                                : "HTTP/1.1 200"));
    if (k.connection == "close") {
      EXPECT_TRUE(c.ClosedByServer()) << k.request;
    } else {
      // The same connection answers again.
      auto [again, body2] = c.Exchange(k.request);
      EXPECT_THAT(again, ::testing::StartsWith("HTTP/1.")) << k.request;
      EXPECT_EQ(body2, body);
    }
  }
}

TEST_F(ResponseHeadTest, ASmallAnswerIsOneSegment) {
  StartServer();
  Connection c(server_->port());
  ASSERT_TRUE(c.connected());
  c.Exchange(GetRequest("1.1"));  // the connection set up
  const uint32_t before = c.DataSegmentsIn();
  auto [head, body] = c.Exchange(GetRequest("1.1"));
  ASSERT_FALSE(head.empty());
  // Written line by line, with TCP_NODELAY, it was eight.
  EXPECT_EQ(c.DataSegmentsIn() - before, 1u);
}

}  // namespace
}  // namespace vigil::api::testing
