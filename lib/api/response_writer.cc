// See response_writer.h.
#include "lib/api/response_writer.h"

#include <civetweb.h>
#include <zlib.h>

#include <charconv>
#include <ctime>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/api/http_server.h"
#include "lib/model/absl_compat.h"

namespace vigil::api {

namespace {

// Level 1: on the 25 MB answer of a rate range query (full-digit values)
// zlib compresses 142 MB/s to 2.57× at level 1 and 27 MB/s to 2.89× at its
// default (6); five times the time for 12 % fewer bytes is not worth it
// on a link fast enough for dashboards.
constexpr int kGzipLevel = 1;
// zlib: 15 window bits, +16 for a gzip header and trailer.
constexpr int kGzipWindowBits = 15 + 16;
constexpr int kGzipMemLevel = 8;
constexpr unsigned kZlibOutBytes = 16 << 10;

// civetweb's Date header: RFC 1123, in GMT. Formatted once a second per
// thread (strftime was a tenth of writing a small answer's head).
std::string_view HttpDate() {
  thread_local time_t formatted_at = -1;
  thread_local char text[64];
  thread_local size_t length = 0;
  const time_t now = time(nullptr);
  if (now != formatted_at) {
    struct tm tm;
    gmtime_r(&now, &tm);
    length = strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    formatted_at = now;
  }
  return std::string_view(text, length);
}

// civetweb's should_keep_alive, as far as a request shows it (keep-alive
// is enabled in HttpServer::Start): the client's Connection header when it
// sent one, else HTTP/1.1's default. civetweb closes on its own when it
// must (a body it could not read), whatever the header said, as before.
bool KeepAliveSuggested(const mg_request_info* ri) {
  if (ri == nullptr) return false;
  for (int i = 0; i < ri->num_headers; ++i) {
    if (!absl::EqualsIgnoreCase(ri->http_headers[i].name, "Connection")) {
      continue;
    }
    for (absl::string_view option :
         absl::StrSplit(ri->http_headers[i].value, ',')) {
      if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(option),
                                 "keep-alive")) {
        return true;
      }
    }
    return false;
  }
  return ri->http_version != nullptr &&
         std::string_view(ri->http_version) == "1.1";
}

// The body as it leaves: buffered, then either one write with a
// Content-Length or chunks; compressed on the way when asked.
class BodyOutput {
 public:
  // `head`: headers only, with the length the body would have.
  BodyOutput(mg_connection* conn, const HttpResponse& resp, bool close,
             bool gzip, bool head)
      : conn_(conn), resp_(resp), close_(close), gzip_(gzip), head_(head) {
    if (gzip_) {
      zs_ = {};
      // Only fails without memory; then the body goes out uncompressed.
      gzip_ = deflateInit2(&zs_, kGzipLevel, Z_DEFLATED, kGzipWindowBits,
                           kGzipMemLevel, Z_DEFAULT_STRATEGY) == Z_OK;
    }
  }
  ~BodyOutput() {
    if (gzip_) deflateEnd(&zs_);
  }
  BodyOutput(const BodyOutput&) = delete;
  BodyOutput& operator=(const BodyOutput&) = delete;

  void Add(std::string_view piece) {
    if (failed_ || piece.empty()) return;
    if (gzip_) {
      Deflate(piece, Z_NO_FLUSH);
    } else {
      Emit(piece);
    }
  }

  void Finish() {
    if (gzip_ && !failed_) Deflate({}, Z_FINISH);
    if (failed_) return;
    if (!chunked_) {
      // One write, one segment: with TCP_NODELAY every write is a packet
      // of its own, and a small answer was eight (a line of headers each).
      std::string out = Head(/*chunked=*/false);
      out += pending_;
      mg_write(conn_, out.data(), out.size());
      return;
    }
    if (!pending_.empty()) SendChunk();
    mg_send_chunk(conn_, "", 0);
  }

 private:
  void Deflate(std::string_view in, int flush) {
    // On the heap: civetweb's worker threads have small stacks.
    zbuf_.resize(kZlibOutBytes);
    char* out = zbuf_.data();
    zs_.next_in =
        reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));  // zlib's API
    zs_.avail_in = static_cast<uInt>(in.size());
    int rc;
    do {
      zs_.next_out = reinterpret_cast<Bytef*>(out);
      zs_.avail_out = kZlibOutBytes;
      rc = deflate(&zs_, flush);
      Emit(std::string_view(out, kZlibOutBytes - zs_.avail_out));
    } while (zs_.avail_out == 0 || (flush == Z_FINISH && rc == Z_OK));
  }

  void Emit(std::string_view bytes) {
    if (head_) {
      head_length_ += bytes.size();
      return;
    }
    pending_.append(bytes);
    if (pending_.size() < kResponseBufferBytes) return;
    if (!chunked_) {
      chunked_ = true;
      SendHeaders(/*chunked=*/true);
    }
    SendChunk();
  }

  void SendChunk() {
    if (mg_send_chunk(conn_, pending_.data(),
                      static_cast<unsigned>(pending_.size())) <= 0) {
      failed_ = true;  // the client left; the rest is dropped
    }
    pending_.clear();
  }

  void SendHeaders(bool chunked) {
    const std::string head = Head(chunked);
    mg_write(conn_, head.data(), head.size());
  }

  // The status line and headers as civetweb's mg_response_header_send
  // writes them: ours in order, then Date and Connection unless given.
  std::string Head(bool chunked) const {
    const mg_request_info* ri = mg_get_request_info(conn_);
    const char* version =
        ri != nullptr && ri->http_version != nullptr ? ri->http_version : "1.1";
    std::string out =
        absl::StrCat("HTTP/", version, " ", resp_.status, " ",
                     mg_get_response_code_text(conn_, resp_.status), "\r\n");
    bool has_date = false;
    bool has_connection = false;
    auto add = [&](std::string_view name, std::string_view value) {
      absl::StrAppend(&out, ToAbsl(name), ": ", ToAbsl(value), "\r\n");
      has_date = has_date || absl::EqualsIgnoreCase(ToAbsl(name), "Date");
      has_connection =
          has_connection || absl::EqualsIgnoreCase(ToAbsl(name), "Connection");
    };
    if (!resp_.content_type.empty()) add("Content-Type", resp_.content_type);
    if (chunked) {
      add("Transfer-Encoding", "chunked");
    } else {
      char length[24];
      const auto r = std::to_chars(length, length + sizeof(length),
                                   head_ ? head_length_ : pending_.size());
      add("Content-Length", std::string_view(length, r.ptr - length));
    }
    if (gzip_) add("Content-Encoding", "gzip");
    // Caches must keep the two encodings apart.
    if (resp_.compressible) add("Vary", "Accept-Encoding");
    for (const auto& [name, value] : resp_.headers) {
      add(name, GoHeaderValue(value));
    }
    if (close_) add("Connection", "close");
    if (!has_date) absl::StrAppend(&out, "Date: ", ToAbsl(HttpDate()), "\r\n");
    if (!has_connection) {
      absl::StrAppend(&out, "Connection: ",
                      KeepAliveSuggested(ri) ? "keep-alive" : "close", "\r\n");
    }
    out += "\r\n";
    return out;
  }

  mg_connection* conn_;
  const HttpResponse& resp_;
  bool close_;
  bool gzip_;
  bool head_;
  size_t head_length_ = 0;
  z_stream zs_{};
  std::string zbuf_;
  std::string pending_;
  bool chunked_ = false;
  bool failed_ = false;
};

}  // namespace

bool AcceptsGzip(std::string_view accept_encoding) {
  for (absl::string_view item : absl::StrSplit(ToAbsl(accept_encoding), ',')) {
    std::vector<absl::string_view> parts = absl::StrSplit(item, ';');
    if (!absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(parts[0]), "gzip")) {
      continue;
    }
    // "gzip;q=0" refuses it.
    for (size_t i = 1; i < parts.size(); ++i) {
      absl::string_view p = absl::StripAsciiWhitespace(parts[i]);
      if (absl::ConsumePrefix(&p, "q=")) {
        double q = 1;
        if (absl::SimpleAtod(p, &q) && q <= 0) return false;
      }
    }
    return true;
  }
  return false;
}

std::string GzipText(std::string_view text) {
  z_stream zs{};
  if (deflateInit2(&zs, kGzipLevel, Z_DEFLATED, kGzipWindowBits, kGzipMemLevel,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return {};
  }
  std::string out(deflateBound(&zs, text.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  zs.avail_in = static_cast<uInt>(text.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

void WriteResponse(mg_connection* conn, const HttpRequest& req,
                   const HttpResponse& resp, bool close) {
  // HEAD: the headers a GET would have, with its (uncompressed) length.
  const bool head = req.method == "HEAD";
  const bool gzip = resp.compressible && !head && resp.status != 204 &&
                    AcceptsGzip(req.Header("Accept-Encoding"));
  BodyOutput out(conn, resp, close, gzip, head);
  if (resp.write_body) {
    resp.write_body([&out](std::string_view p) { out.Add(p); });
  } else {
    out.Add(resp.body);
  }
  out.Finish();
}

}  // namespace vigil::api
