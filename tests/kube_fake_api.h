// A fake Kubernetes API server on 127.0.0.1 (civetweb, through the tests'
// TestHttpServer) for the kube collector tests: GET /api/v1/pods served in
// pages of `limit` pods linked by continue tokens (base64-looking, so the
// client must escape them), with injectable 410 Expired answers, failures
// and delays.
#ifndef VIGIL_TESTS_KUBE_FAKE_API_H_
#define VIGIL_TESTS_KUBE_FAKE_API_H_

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "tests/support/test_http_server.h"

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
    server_.SetHandler(
        "/api/v1/pods",
        [this](const vigil::testing::TestHttpServer::Request& r) {
          Request req;
          req.target = r.target;
          req.authorization = Header(r, "authorization");
          req.accept = Header(r, "accept");
          const Reply reply = Answer(req);
          return vigil::testing::TestHttpServer::Reply{
              reply.status, "application/json", reply.body, false,
              reply.delay_ms};
        });
    return server_.Start();
  }

  void Stop() { server_.Stop(); }

  std::string url() const { return "http://" + server_.address(); }

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

  static std::string Header(const vigil::testing::TestHttpServer::Request& r,
                            const std::string& name) {
    auto it = r.headers.find(name);
    return it == r.headers.end() ? std::string() : it->second;
  }

  Reply Answer(const Request& req) {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(req);
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

  vigil::testing::TestHttpServer server_;
  mutable std::mutex mu_;
  Json items_ = Json::array();
  int expire_ = 0;
  int delay_ms_ = 0;
  Failure failure_;
  std::vector<Request> requests_;
};

}  // namespace vigil::kube::testing

#endif  // VIGIL_TESTS_KUBE_FAKE_API_H_
