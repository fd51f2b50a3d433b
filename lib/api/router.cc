// Routing for the API server; see router.h.
#include "lib/api/router.h"

#include <algorithm>

#include "absl/strings/str_join.h"

namespace vigil::api {

namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    out.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return out;
}

}  // namespace

void Router::Add(std::string_view pattern, std::vector<std::string> methods,
                 RouteHandler handler) {
  Route r;
  r.pattern = std::string(pattern);
  for (std::string_view s : Split(pattern)) r.segments.emplace_back(s);
  r.methods = std::move(methods);
  r.handler = std::move(handler);
  routes_.push_back(std::move(r));
}

bool Router::Match(const Route& route,
                   const std::vector<std::string_view>& segments,
                   std::string_view* param) {
  if (route.segments.size() != segments.size()) return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& want = route.segments[i];
    if (!want.empty() && want[0] == ':') {
      if (segments[i].empty()) return false;
      *param = segments[i];
    } else if (want != segments[i]) {
      return false;
    }
  }
  return true;
}

std::string_view Router::PatternFor(std::string_view path) const {
  const std::vector<std::string_view> segments = Split(path);
  for (const Route& r : routes_) {
    std::string_view param;
    if (Match(r, segments, &param)) return r.pattern;
  }
  return {};
}

HttpResponse Router::Dispatch(const HttpRequest& req) const {
  const std::vector<std::string_view> segments = Split(req.path);
  std::vector<std::string> allowed;
  for (const Route& r : routes_) {
    std::string_view param;
    if (!Match(r, segments, &param)) continue;
    if (std::find(r.methods.begin(), r.methods.end(), req.method) !=
        r.methods.end()) {
      return r.handler(req, param);
    }
    for (const std::string& m : r.methods) {
      if (std::find(allowed.begin(), allowed.end(), m) == allowed.end()) {
        allowed.push_back(m);
      }
    }
  }
  if (!allowed.empty()) {
    // httprouter's answer: http.Error(w, "Method Not Allowed", 405).
    HttpResponse resp;
    resp.status = 405;
    resp.body = "Method Not Allowed\n";
    resp.headers.emplace_back("Allow", absl::StrJoin(allowed, ", "));
    return resp;
  }
  if (not_found_) return not_found_(req);
  HttpResponse resp;
  resp.status = 404;
  resp.body = "404 page not found\n";
  return resp;
}

}  // namespace vigil::api
