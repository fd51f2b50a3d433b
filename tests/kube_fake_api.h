// A fake Kubernetes API server on 127.0.0.1 for the kube collector tests:
// GET /api/v1/pods served in pages of `limit` pods linked by continue tokens
// (base64-looking, so the client must escape them), with injectable 410
// Expired answers, failures and delays. A thread per connection, so a slow
// answer does not hold up the next request; "Connection: close" always.
#ifndef VIGIL_TESTS_KUBE_FAKE_API_H_
#define VIGIL_TESTS_KUBE_FAKE_API_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"

namespace vigil::kube::testing {

using Json = nlohmann::json;

// The API server's answer to an expired continue token.
inline constexpr char kExpiredStatus[] =
    R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
    R"("message":"The provided continue parameter is too old to display a )"
    R"(consistent list result. You can start a new list without the continue )"
    R"(parameter.","reason":"Expired","code":410})";

inline std::string UrlDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(
          std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

class FakeKubeApi {
 public:
  struct Request {
    std::string target;
    std::string authorization;
    std::string accept;
  };
  struct Failure {
    int status = 0;  // 0: none
    std::string body;
    int delay_ms = 0;
    bool continued_only = false;  // only pages after the first
  };

  ~FakeKubeApi() { Stop(); }

  absl::Status Start() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(fd_, 16) != 0) {
      return absl::InternalError(std::strerror(errno));
    }
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] { Accept(); });
    return absl::OkStatus();
  }

  void Stop() {
    stop_ = true;
    if (accept_thread_.joinable()) accept_thread_.join();
    for (auto& t : handlers_) t.join();
    handlers_.clear();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }

  void SetPods(Json items) {
    std::lock_guard<std::mutex> lock(mu_);
    items_ = std::move(items);
  }
  void RemovePod(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    Json kept = Json::array();
    for (const Json& p : items_) {
      if (p["metadata"]["name"] != name) kept.push_back(p);
    }
    items_ = std::move(kept);
  }
  // The next `n` requests carrying a continue token get 410 Expired.
  void ExpireContinueTokens(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    expire_ = n;
  }
  // Every answer waits this long first.
  void SetDelay(int ms) {
    std::lock_guard<std::mutex> lock(mu_);
    delay_ms_ = ms;
  }
  void SetFailure(Failure f) {
    std::lock_guard<std::mutex> lock(mu_);
    failure_ = std::move(f);
  }
  std::vector<Request> Requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  struct Reply {
    int status = 200;
    std::string body;
    int delay_ms = 0;
  };

  void Accept() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int conn = ::accept(fd_, nullptr, nullptr);
      if (conn < 0) continue;
      handlers_.emplace_back([this, conn] {
        Handle(conn);
        ::close(conn);
      });
    }
  }

  void Handle(int conn) {
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos) {
      pollfd p{conn, POLLIN, 0};
      if (::poll(&p, 1, 2000) <= 0) return;
      const ssize_t n = ::recv(conn, buf, sizeof(buf), 0);
      if (n <= 0) return;
      head.append(buf, static_cast<size_t>(n));
    }
    Request req;
    const size_t sp1 = head.find(' ');
    const size_t sp2 = head.find(' ', sp1 + 1);
    req.target = head.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string lower = head;
    for (char& c : lower) c = static_cast<char>(std::tolower(c));
    auto header = [&](const std::string& name) {
      const size_t at = lower.find("\r\n" + name + ": ");
      if (at == std::string::npos) return std::string();
      const size_t begin = at + name.size() + 4;
      return head.substr(begin, head.find("\r\n", begin) - begin);
    };
    req.authorization = header("authorization");
    req.accept = header("accept");
    const Reply reply = Answer(req);
    for (int waited = 0; waited < reply.delay_ms && !stop_; waited += 10) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const std::string out = "HTTP/1.1 " + std::to_string(reply.status) +
                            " X\r\nContent-Type: application/json\r\n"
                            "Content-Length: " +
                            std::to_string(reply.body.size()) +
                            "\r\nConnection: close\r\n\r\n" + reply.body;
    size_t off = 0;
    while (off < out.size()) {
      const ssize_t n =
          ::send(conn, out.data() + off, out.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }

  Reply Answer(const Request& req) {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(req);
    const std::string path = req.target.substr(0, req.target.find('?'));
    if (path != "/api/v1/pods") return {404, "404 page not found", 0};
    size_t limit = 0;
    std::string cont;
    const size_t q = req.target.find('?');
    if (q != std::string::npos) {
      std::string_view query(req.target);
      query.remove_prefix(q + 1);
      while (!query.empty()) {
        const std::string_view pair = query.substr(0, query.find('&'));
        query.remove_prefix(std::min(query.size(), pair.size() + 1));
        const size_t eq = pair.find('=');
        const std::string key(pair.substr(0, eq));
        const std::string value = UrlDecode(pair.substr(eq + 1));
        if (key == "limit") limit = std::stoul(value);
        if (key == "continue") cont = value;
      }
    }
    if (failure_.status != 0 && (!failure_.continued_only || !cont.empty())) {
      return {failure_.status, failure_.body, failure_.delay_ms};
    }
    if (!cont.empty() && expire_ > 0) {
      --expire_;
      return {410, kExpiredStatus, 0};
    }
    // Tokens look like the API server's: base64 with padding, which the
    // client must escape.
    size_t offset = 0;
    if (!cont.empty()) {
      if (cont.rfind("b2Zm+/", 0) != 0) return {400, "bad continue", 0};
      offset = std::stoul(cont.substr(6));
    }
    if (limit == 0) limit = items_.size();
    Json page = {{"kind", "PodList"},
                 {"apiVersion", "v1"},
                 {"metadata", {{"resourceVersion", "48300"}}},
                 {"items", Json::array()}};
    for (size_t i = offset; i < items_.size() && i < offset + limit; ++i) {
      page["items"].push_back(items_[i]);
    }
    if (offset + limit < items_.size()) {
      page["metadata"]["continue"] =
          "b2Zm+/" + std::to_string(offset + limit) + "==";
      page["metadata"]["remainingItemCount"] = items_.size() - offset - limit;
    }
    return {200, page.dump(), delay_ms_};
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread accept_thread_;
  std::vector<std::thread> handlers_;  // joined by Stop()
  mutable std::mutex mu_;
  Json items_ = Json::array();
  int expire_ = 0;
  int delay_ms_ = 0;
  Failure failure_;
  std::vector<Request> requests_;
};

}  // namespace vigil::kube::testing

#endif  // VIGIL_TESTS_KUBE_FAKE_API_H_
