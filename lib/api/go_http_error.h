// net/http's http.Error, which Prometheus and exporter-toolkit answer
// plain errors with: the text and a newline, as plain text, no sniffing.
#ifndef VIGIL_LIB_API_GO_HTTP_ERROR_H_
#define VIGIL_LIB_API_GO_HTTP_ERROR_H_

#include <string>
#include <utility>

#include "vigil/api.h"

namespace vigil::api {

inline HttpResponse GoHttpError(int status, std::string text) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.body = std::move(text) + "\n";
  return r;
}

}  // namespace vigil::api

#endif  // VIGIL_LIB_API_GO_HTTP_ERROR_H_
