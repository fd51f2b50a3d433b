// civetweb behind HttpServer; see http_server.h.
#include "lib/api/http_server.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/api/civetweb_tls.h"
#include "lib/api/large_stack.h"
#include "lib/api/response_writer.h"
#include "lib/api/tls_handshake.h"
#include "lib/api/web_access.h"
#include "lib/api/web_config_source.h"
#include "lib/model/absl_compat.h"
#include "lib/model/go_quote.h"

namespace vigil::api {

namespace {

// Reading bodies in pieces keeps a too-large chunked body from ever
// being held in full.
constexpr size_t kReadChunkBytes = 16 << 10;

absl::Status BadAddress(std::string_view address) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid listen address ", QuoteString(address)));
}

HttpResponse TextResponse(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

bool HasHeader(const HttpResponse& resp, std::string_view name) {
  for (const auto& h : resp.headers) {
    if (absl::EqualsIgnoreCase(ToAbsl(h.first), ToAbsl(name))) return true;
  }
  return false;
}

// The web config's headers go first, so a handler's own value wins, as
// with net/http's Header().Set before the handler runs.
void AddHeaders(const std::vector<std::pair<std::string, std::string>>& extra,
                HttpResponse* resp) {
  for (const auto& [name, value] : extra) {
    if (!HasHeader(*resp, name)) resp->headers.emplace_back(name, value);
  }
}

}  // namespace

std::string GoHeaderValue(std::string_view value) {
  std::string out(value);
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c == '\r' || c == '\n'; },
      ' ');
  // textproto.TrimString: ASCII space, tab, CR and LF at either end.
  const auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!out.empty() && blank(out.back())) out.pop_back();
  size_t start = 0;
  while (start < out.size() && blank(out[start])) ++start;
  return out.substr(start);
}

namespace {

// civetweb's master thread notices mg_stop only when its poll() on the
// listening socket returns, up to two seconds later; a connection wakes it.
constexpr auto kStopPokeInterval = std::chrono::milliseconds(20);

void Poke(const std::string& ipv4, int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, ipv4.c_str(), &addr.sin_addr) != 1) return;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return;
  ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  ::close(fd);
}

// The IPv4 address a local client can reach the listener on, or "".
std::string PokeAddress(std::string_view civet_ports) {
  const size_t colon = civet_ports.rfind(':');
  if (colon == std::string_view::npos) return "127.0.0.1";
  std::string host(civet_ports.substr(0, colon));
  if (host.empty() || host == "0.0.0.0") return "127.0.0.1";
  if (host.front() == '[') return "";
  return host;
}

}  // namespace

absl::StatusOr<std::string> CivetListeningPorts(std::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return BadAddress(address);
  std::string_view host = address.substr(0, colon);
  std::string_view port = address.substr(colon + 1);
  int port_num = -1;
  auto res = std::from_chars(port.data(), port.data() + port.size(), port_num);
  if (port.empty() || res.ptr != port.data() + port.size() || port_num < 0 ||
      port_num > 65535) {
    return BadAddress(address);
  }
  if (host.empty()) return std::string(port);  // all interfaces, as Go
  if (host == "localhost") return absl::StrCat("127.0.0.1:", ToAbsl(port));
  if (host.front() == '[') {
    if (host.back() != ']' || host.size() < 3) return BadAddress(address);
    return std::string(address);
  }
  for (char c : host) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.') {
      // civetweb does not resolve names.
      return BadAddress(address);
    }
  }
  return std::string(address);
}

HttpServer::HttpServer() = default;
HttpServer::~HttpServer() { Stop(); }

absl::Status HttpServer::Start(const HttpServerOptions& options,
                               Handler handler) {
  if (ctx_ != nullptr) return absl::FailedPreconditionError("already started");
  auto ports = CivetListeningPorts(options.listen_address);
  if (!ports.ok()) return ports.status();
  web_config_.reset();
  web_access_.reset();
  tls_handshake_.reset();
  if (!options.web_config_file.empty()) {
    // As Prometheus: a web config that does not validate stops the start.
    web_config_ = std::make_unique<WebConfigSource>(options.web_config_file);
    const std::shared_ptr<const WebConfigSnapshot> snap =
        web_config_->Current();
    absl::Status s = snap->config_status;
    if (s.ok()) s = CheckUsers(snap->config);
    if (s.ok()) s = snap->tls_status;
    if (s.ok() && snap->tls != nullptr) s = EnableCivetwebTls();
    if (!s.ok()) {
      web_config_.reset();
      return s;
    }
    if (snap->tls != nullptr) {
      tls_handshake_ =
          std::make_unique<TlsHandshake>(web_config_.get(), options.log_error);
      *ports += 's';
    }
    web_access_ = std::make_unique<WebAccess>(web_config_.get());
  }
  handler_ = std::move(handler);
  max_body_bytes_ = options.max_body_bytes;

  const std::string threads = std::to_string(std::max(1, options.num_threads));
  const std::string header_bytes =
      std::to_string(std::max<int64_t>(1024, options.max_header_bytes));
  const std::string read_timeout =
      std::to_string(std::max<int64_t>(1, options.read_timeout_ms));
  const char* config[] = {"listening_ports", ports->c_str(), "num_threads",
                          threads.c_str(), "max_request_size",
                          header_bytes.c_str(), "enable_keep_alive", "yes",
                          "request_timeout_ms", read_timeout.c_str(),
                          // Go sets TCP_NODELAY on every connection; without
                          // it a small body written after its headers waits
                          // for the client's delayed ACK (40 ms a request on
                          // a kept-alive connection).
                          "tcp_nodelay", "1",
                          // civetweb closes an idle kept-alive connection
                          // after 500 ms; Go keeps it for the read timeout
                          // (IdleTimeout's default), and a client that
                          // reuses one just closed fails its POST.
                          "keep_alive_timeout_ms", read_timeout.c_str(),
                          // civetweb answers CORS preflights itself (200,
                          // any origin) before any handler runs: past the
                          // web config's basic auth, and in place of the
                          // API's own CORS answer. Empty turns that off.
                          "access_control_allow_origin", "",
                          "access_control_allow_methods", "", nullptr};
  mg_callbacks callbacks{};
  // civetweb prints to stderr by default; errors reach the caller instead.
  callbacks.log_message = [](const mg_connection*, const char*) { return 1; };
  callbacks.init_ssl = [](void* ssl_ctx, void* self) {
    TlsHandshake* tls = static_cast<HttpServer*>(self)->tls_handshake_.get();
    return tls != nullptr ? tls->Install(ssl_ctx) : 0;
  };
  mg_init_data init{};
  init.callbacks = &callbacks;
  init.user_data = this;
  init.configuration_options = config;
  char error_text[256] = {0};
  unsigned error_code = 0;
  mg_error_data error{};
  error.code = &error_code;
  error.text = error_text;
  error.text_buffer_size = sizeof(error_text);
  ctx_ = mg_start2(&init, &error);
  if (ctx_ == nullptr) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options.listen_address, ": ", error_text));
  }
  mg_set_request_handler(ctx_, "/", &HttpServer::OnRequest, this);
  // Without an authorization handler civetweb looks for a digest password
  // file, "<document root>/.htpasswd" ("/.htpasswd" here), on every request
  // and demands digest auth if one exists; authentication is the web
  // config's (WebAccess), so civetweb grants every request.
  mg_set_auth_handler(
      ctx_, "/", [](mg_connection*, void*) { return 1; }, nullptr);
  mg_server_port bound[4] = {};
  const int n = mg_get_server_ports(ctx_, 4, bound);
  port_ = n > 0 ? bound[0].port : 0;
  poke_address_ = PokeAddress(*ports);
  return absl::OkStatus();
}

void HttpServer::Stop() {
  if (ctx_ == nullptr) return;
  std::atomic<bool> stopped{false};
  std::thread stopper([this, &stopped] {
    mg_stop(ctx_);
    stopped = true;
  });
  while (!stopped) {
    if (!poke_address_.empty() && port_ > 0) Poke(poke_address_, port_);
    std::this_thread::sleep_for(kStopPokeInterval);
  }
  stopper.join();
  ctx_ = nullptr;
  port_ = 0;
}

int HttpServer::OnRequest(mg_connection* conn, void* self) {
  return static_cast<HttpServer*>(self)->Serve(conn);
}

int HttpServer::Serve(mg_connection* conn) {
  const mg_request_info* ri = mg_get_request_info(conn);
  HttpRequest req;
  req.method = ri->request_method != nullptr ? ri->request_method : "";
  const char* path =
      ri->local_uri_raw != nullptr ? ri->local_uri_raw : ri->local_uri;
  req.path = path != nullptr ? path : "";
  req.query_string = ri->query_string != nullptr ? ri->query_string : "";
  for (int i = 0; i < ri->num_headers; ++i) {
    req.headers.emplace_back(ri->http_headers[i].name,
                             ri->http_headers[i].value);
  }
  std::vector<std::pair<std::string, std::string>> web_headers;
  if (web_access_ != nullptr) {
    // Before the body is read: a stranger's upload is not worth reading.
    if (std::optional<HttpResponse> refused =
            web_access_->Admit(req, &web_headers)) {
      WriteResponse(conn, req, *refused, /*close=*/true);
      return refused->status;
    }
  }
  if (ri->content_length > max_body_bytes_) {
    HttpResponse resp = TextResponse(413, "request body too large\n");
    AddHeaders(web_headers, &resp);
    WriteResponse(conn, req, resp, /*close=*/true);
    return resp.status;
  }
  char buf[kReadChunkBytes];
  for (;;) {
    const int n = mg_read(conn, buf, sizeof(buf));
    if (n <= 0) break;
    if (static_cast<int64_t>(req.body.size()) + n > max_body_bytes_) {
      HttpResponse resp = TextResponse(413, "request body too large\n");
      AddHeaders(web_headers, &resp);
      WriteResponse(conn, req, resp, /*close=*/true);
      return resp.status;
    }
    req.body.append(buf, static_cast<size_t>(n));
  }
  HttpResponse resp;
  const bool ran = RunOnLargeStack([&] {
    try {
      resp = handler_(req);
    } catch (...) {
      // A thread must not unwind out; an allocation failure is a 500.
      resp = TextResponse(500, "internal server error\n");
    }
  });
  if (!ran) resp = TextResponse(503, "cannot map a request stack\n");
  AddHeaders(web_headers, &resp);
  try {
    WriteResponse(conn, req, resp, /*close=*/false);
  } catch (...) {
    // Encoding a streamed body ran out of memory: the answer is cut short,
    // which the client sees as a broken chunked body, not a crash.
  }
  if (resp.after_send) resp.after_send();
  return resp.status;
}

}  // namespace vigil::api
