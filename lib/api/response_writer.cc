// See response_writer.h.
#include "lib/api/response_writer.h"

#include <civetweb.h>
#include <zlib.h>

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
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
      SendHeaders(/*chunked=*/false);
      if (!pending_.empty()) mg_write(conn_, pending_.data(), pending_.size());
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
    mg_response_header_start(conn_, resp_.status);
    if (!resp_.content_type.empty()) {
      mg_response_header_add(conn_, "Content-Type", resp_.content_type.c_str(),
                             -1);
    }
    if (chunked) {
      mg_response_header_add(conn_, "Transfer-Encoding", "chunked", -1);
    } else {
      const std::string length =
          std::to_string(head_ ? head_length_ : pending_.size());
      mg_response_header_add(conn_, "Content-Length", length.c_str(), -1);
    }
    if (gzip_) {
      mg_response_header_add(conn_, "Content-Encoding", "gzip", -1);
    }
    if (resp_.compressible) {
      // Caches must keep the two encodings apart.
      mg_response_header_add(conn_, "Vary", "Accept-Encoding", -1);
    }
    for (const auto& [name, value] : resp_.headers) {
      mg_response_header_add(conn_, name.c_str(), GoHeaderValue(value).c_str(),
                             -1);
    }
    if (close_) mg_response_header_add(conn_, "Connection", "close", -1);
    mg_response_header_send(conn_);
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
