// The UI's routes: each page rendered on request from the live sources,
// and the embedded script and stylesheet, every response with the
// Content-Security-Policy that keeps the pages to their own server.
#include <memory>

#include "lib/api/params.h"
#include "lib/model/wall_clock.h"
#include "lib/web/html.h"
#include "lib/web/pages.h"
#include "vigil/web.h"

// cmake/EmbedBinary.cmake's output for assets/.
extern const unsigned char vigil_web_ui_js[];
extern const unsigned long vigil_web_ui_js_size;
extern const unsigned char vigil_web_ui_css[];
extern const unsigned long vigil_web_ui_css_size;

namespace vigil::web {
namespace {

// Scripts, styles and API calls from this server only; no inline script or
// style, no plugins, no framing (clickjacking), no <base> rewriting.
constexpr char kContentSecurityPolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; connect-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'";

// An eye: browsers ask for an icon, and a 404 in the console looks broken.
constexpr char kFavicon[] =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\">"
    "<rect width=\"16\" height=\"16\" rx=\"3\" fill=\"#18212f\"/>"
    "<ellipse cx=\"8\" cy=\"8\" rx=\"6\" ry=\"3.6\" fill=\"#fff\"/>"
    "<circle cx=\"8\" cy=\"8\" r=\"2.2\" fill=\"#35527d\"/></svg>";

constexpr PageSpec kPages[] = {
    {"alerts", "Alerts", &AlertsBody},
    {"rules", "Rules", &RulesBody},
    {"targets", "Targets", &TargetsBody},
    {"security", "Security overview", &SecurityBody},
    {"query", "Query", &QueryBody},
    {"status", "Status", &StatusBody},
    {"runbooks", "Runbooks", &RunbooksBody},
};

struct State {
  UiOptions options;
  UiSources sources;
  int64_t NowMs() const {
    return sources.now_ms ? sources.now_ms() : WallClockMs();
  }
};

void AddSecurityHeaders(api::HttpResponse* r) {
  r->headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
  r->headers.emplace_back("X-Content-Type-Options", "nosniff");
  r->headers.emplace_back("Referrer-Policy", "no-referrer");
}

// GET and HEAD only: the pages change nothing.
bool MethodAllowed(const api::HttpRequest& req, api::HttpResponse* r) {
  if (req.method == "GET" || req.method == "HEAD") return true;
  r->status = 405;
  r->headers.emplace_back("Allow", "GET, HEAD");
  r->body = "Method Not Allowed\n";
  return false;
}

api::HttpHandler PageHandler(std::shared_ptr<const State> state,
                             const PageSpec& page) {
  return [state, &page](const api::HttpRequest& req) {
    api::HttpResponse r;
    AddSecurityHeaders(&r);
    if (!MethodAllowed(req, &r)) return r;
    api::Form params;
    params.Parse(req.query_string);
    const PageContext ctx(state->options, state->sources, state->NowMs(),
                          params);
    r.content_type = "text/html; charset=utf-8";
    r.headers.emplace_back("Cache-Control", "no-store");
    r.body = RenderPage(page, ctx);
    return r;
  };
}

api::HttpHandler AssetHandler(std::string_view content_type,
                              const unsigned char* data, unsigned long size) {
  return [content_type, data, size](const api::HttpRequest& req) {
    api::HttpResponse r;
    AddSecurityHeaders(&r);
    if (!MethodAllowed(req, &r)) return r;
    r.content_type = std::string(content_type);
    // Pages ask for ?v=<version>, so an upgrade is seen at once.
    r.headers.emplace_back("Cache-Control", "max-age=3600");
    r.body.assign(reinterpret_cast<const char*>(data), size);
    return r;
  };
}

}  // namespace

std::map<std::string, api::HttpHandler> Handlers(UiOptions options,
                                                 UiSources sources) {
  auto state = std::make_shared<const State>(
      State{std::move(options), std::move(sources)});
  std::map<std::string, api::HttpHandler> out;
  for (const PageSpec& page : kPages) {
    out[Cat("/", page.id)] = PageHandler(state, page);
  }
  // The landing page is the alerts (what an operator opens vigil for);
  // Prometheus's /graph is the Query page, so alert generator URLs open.
  out["/"] = PageHandler(state, kPages[0]);
  out["/graph"] = PageHandler(state, kPages[4]);
  out["/static/vigil-ui.js"] = AssetHandler(
      "text/javascript; charset=utf-8", vigil_web_ui_js, vigil_web_ui_js_size);
  out["/static/favicon.svg"] = AssetHandler(
      "image/svg+xml", reinterpret_cast<const unsigned char*>(kFavicon),
      sizeof(kFavicon) - 1);
  out["/static/vigil-ui.css"] = AssetHandler(
      "text/css; charset=utf-8", vigil_web_ui_css, vigil_web_ui_css_size);
  return out;
}

}  // namespace vigil::web
