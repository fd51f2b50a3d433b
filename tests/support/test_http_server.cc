#include "tests/support/test_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"

namespace vigil::testing {
namespace {

// Longest request head accepted; tests send a few hundred bytes.
constexpr size_t kMaxRequestHead = 64 * 1024;
// How often the accept loop checks for Stop().
constexpr int kPollMs = 50;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 404:
      return "Not Found";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

void WriteAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

}  // namespace

std::string Gzip(const std::string& data) {
  z_stream zs{};
  // 15 window bits + 16: a gzip header instead of a zlib one.
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
               Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

TestHttpServer::~TestHttpServer() { Stop(); }

absl::Status TestHttpServer::Start() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) return absl::InternalError("socket failed");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) !=
          0 ||
      ::listen(listen_fd_, 16) != 0) {
    return absl::InternalError(absl::StrCat("bind/listen: ", strerror(errno)));
  }
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
  return absl::OkStatus();
}

void TestHttpServer::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
}

std::string TestHttpServer::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

void TestHttpServer::SetReply(const std::string& path, Reply reply) {
  std::lock_guard<std::mutex> lock(mu_);
  replies_[path] = std::move(reply);
}

TestHttpServer::Request TestHttpServer::LastRequest(
    const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = last_.find(path);
  return it == last_.end() ? Request{} : it->second;
}

int TestHttpServer::RequestCount(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = counts_.find(path);
  return it == counts_.end() ? 0 : it->second;
}

void TestHttpServer::Serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, kPollMs) <= 0) continue;
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    Handle(fd);
    ::close(fd);
  }
}

void TestHttpServer::Handle(int fd) {
  std::string head;
  char buf[4096];
  while (head.find("\r\n\r\n") == std::string::npos &&
         head.size() < kMaxRequestHead) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 2000) <= 0) return;
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return;
    head.append(buf, static_cast<size_t>(n));
  }
  Request req;
  size_t line_end = head.find("\r\n");
  const std::string request_line = head.substr(0, line_end);
  size_t sp1 = request_line.find(' ');
  size_t sp2 = request_line.find(' ', sp1 + 1);
  if (sp1 == std::string::npos || sp2 == std::string::npos) return;
  req.method = request_line.substr(0, sp1);
  req.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  size_t pos = line_end + 2;
  while (pos < head.size()) {
    size_t end = head.find("\r\n", pos);
    if (end == std::string::npos || end == pos) break;
    const std::string line = head.substr(pos, end - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      req.headers[Lower(line.substr(0, colon))] = Trim(line.substr(colon + 1));
    }
    pos = end + 2;
  }
  const std::string path = req.target.substr(0, req.target.find('?'));
  Reply reply;
  bool found = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_[path] = req;
    ++counts_[path];
    if (auto it = replies_.find(path); it != replies_.end()) {
      reply = it->second;
      found = true;
    }
  }
  if (!found) reply = Reply{404, "text/plain", "not found\n", false};
  // Sleep in slices so that Stop() is not held up by a slow reply.
  for (int waited = 0; waited < reply.delay_ms && !stop_; waited += 10) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::string body = reply.body;
  std::string extra;
  if (reply.gzip &&
      req.headers["accept-encoding"].find("gzip") != std::string::npos) {
    body = Gzip(body);
    extra = "Content-Encoding: gzip\r\n";
  }
  std::string out = absl::StrCat("HTTP/1.1 ", reply.status, " ",
                                 ReasonPhrase(reply.status), "\r\n");
  if (!reply.content_type.empty()) {
    absl::StrAppend(&out, "Content-Type: ", reply.content_type, "\r\n");
  }
  absl::StrAppend(&out, extra, "Content-Length: ", body.size(),
                  "\r\nConnection: close\r\n\r\n", body);
  WriteAll(fd, out);
}

}  // namespace vigil::testing
