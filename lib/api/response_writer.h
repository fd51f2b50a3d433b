// Writes an HttpResponse to a civetweb connection: status, headers and a
// body that is either held whole or produced piece by piece
// (HttpResponse::write_body), compressed with gzip when the response allows
// it and the client accepts it. A body that fits one buffer goes out with a
// Content-Length, a larger one in chunks as it is produced, as Go's
// net/http does. Internal to vigil_api.
#ifndef VIGIL_LIB_API_RESPONSE_WRITER_H_
#define VIGIL_LIB_API_RESPONSE_WRITER_H_

#include <cstddef>
#include <string_view>

#include "vigil/api.h"

struct mg_connection;

namespace vigil::api {

// The body is held up to this before the first chunk goes out; then each
// chunk is about this big.
inline constexpr size_t kResponseBufferBytes = 64 << 10;

// Whether an Accept-Encoding value lists gzip with a non-zero q.
bool AcceptsGzip(std::string_view accept_encoding);

// Gzip of a whole text (level 1), for tests and small bodies.
std::string GzipText(std::string_view text);

// Writes `resp` for `req` to `conn`; `close` adds "Connection: close".
void WriteResponse(mg_connection* conn, const HttpRequest& req,
                   const HttpResponse& resp, bool close);

}  // namespace vigil::api

#endif  // VIGIL_LIB_API_RESPONSE_WRITER_H_
