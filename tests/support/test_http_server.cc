#include "tests/support/test_http_server.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"

namespace vigil::testing {
namespace {

// Enough for the tests' parallel scrapes plus slow replies.
constexpr int kServerThreads = 16;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return s;
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
  api::HttpServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.num_threads = kServerThreads;
  absl::Status s = server_.Start(
      options, [this](const api::HttpRequest& r) { return Handle(r); });
  port_ = server_.port();
  return s;
}

void TestHttpServer::Stop() {
  stop_ = true;  // slow replies stop waiting
  server_.Stop();
}

std::string TestHttpServer::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

void TestHttpServer::SetReply(const std::string& path, Reply reply) {
  std::lock_guard<std::mutex> lock(mu_);
  replies_[path] = std::move(reply);
}

void TestHttpServer::SetHandler(const std::string& path, Handler handler) {
  std::lock_guard<std::mutex> lock(mu_);
  handlers_[path] = std::move(handler);
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

api::HttpResponse TestHttpServer::Handle(const api::HttpRequest& r) {
  Request req;
  req.method = r.method;
  req.target = r.query_string.empty() ? r.path : r.path + "?" + r.query_string;
  for (const auto& [name, value] : r.headers) req.headers[Lower(name)] = value;
  req.body = r.body;
  Reply reply{404, "text/plain", "not found\n", false};
  Handler handler;
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_[r.path] = req;
    ++counts_[r.path];
    if (auto it = handlers_.find(r.path); it != handlers_.end()) {
      handler = it->second;
    } else if (auto it = replies_.find(r.path); it != replies_.end()) {
      reply = it->second;
    }
  }
  if (handler) reply = handler(req);
  // Sleep in slices so that Stop() is not held up by a slow reply.
  for (int waited = 0; waited < reply.delay_ms && !stop_; waited += 10) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  api::HttpResponse resp;
  resp.status = reply.status;
  resp.content_type = reply.content_type;  // empty: no Content-Type header
  resp.body = std::move(reply.body);
  resp.headers = std::move(reply.headers);
  if (reply.gzip &&
      req.headers["accept-encoding"].find("gzip") != std::string::npos) {
    resp.body = Gzip(resp.body);
    resp.headers.emplace_back("Content-Encoding", "gzip");
  }
  return resp;
}

}  // namespace vigil::testing
