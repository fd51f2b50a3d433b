// Method-and-path routing with Prometheus's router behaviour: a known path
// with another method is 405 (with Allow), an unknown path goes to the
// not-found handler. Internal to vigil_api.
#ifndef VIGIL_LIB_API_ROUTER_H_
#define VIGIL_LIB_API_ROUTER_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/api.h"

namespace vigil::api {

// `param` is the value of the pattern's ":name" segment, if it has one.
using RouteHandler =
    std::function<HttpResponse(const HttpRequest&, std::string_view param)>;

class Router {
 public:
  // `pattern` is a path whose segments are literal or one ":name".
  void Add(std::string_view pattern, std::vector<std::string> methods,
           RouteHandler handler);
  void SetNotFound(HttpHandler handler) { not_found_ = std::move(handler); }

  HttpResponse Dispatch(const HttpRequest& req) const;
  // The pattern of the first route whose path matches `path` (whatever the
  // method), "" when none does.
  std::string_view PatternFor(std::string_view path) const;

 private:
  struct Route {
    std::string pattern;
    std::vector<std::string> segments;
    std::vector<std::string> methods;
    RouteHandler handler;
  };
  // Whether `path` matches; fills `param` from a ":name" segment.
  static bool Match(const Route& route,
                    const std::vector<std::string_view>& segments,
                    std::string_view* param);

  std::vector<Route> routes_;
  HttpHandler not_found_;
};

}  // namespace vigil::api

#endif  // VIGIL_LIB_API_ROUTER_H_
