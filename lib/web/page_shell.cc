// The document every page shares: navigation with relative links (the UI
// works under any path prefix), the served stylesheet and script, and a
// footer that dates the page for a screenshot pasted into a ticket.
#include "lib/web/html.h"
#include "lib/web/pages.h"

namespace vigil::web {
namespace {

struct NavEntry {
  std::string_view id;
  std::string_view href;
  std::string_view label;
};

constexpr NavEntry kNav[] = {
    {"alerts", "alerts", "Alerts"},       {"rules", "rules", "Rules"},
    {"targets", "targets", "Targets"},    {"security", "security", "Security"},
    {"query", "query", "Query"},          {"status", "status", "Status"},
    {"runbooks", "runbooks", "Runbooks"},
};

}  // namespace

std::string RenderPage(const PageSpec& page, const PageContext& ctx) {
  // The version busts caches after an upgrade.
  const std::string v = HtmlEscape(ctx.options.build_info.version);
  std::string out = Cat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, "
      "initial-scale=1\">"
      "<title>",
      HtmlEscape(page.title),
      " · vigil</title>"
      "<link rel=\"icon\" href=\"static/favicon.svg\">"
      "<link rel=\"stylesheet\" href=\"static/vigil-ui.css?v=",
      v,
      "\">"
      "<script src=\"static/vigil-ui.js?v=",
      v, "\" defer></script></head>\n<body data-page=\"", page.id,
      "\"><header class=\"top\"><a class=\"brand\" href=\"alerts\">vigil</a>"
      "<nav>");
  for (const NavEntry& e : kNav) {
    Append(&out, "<a href=\"", e.href, "\"",
           e.id == page.id ? " class=\"active\" aria-current=\"page\"" : "",
           ">", e.label, "</a>");
  }
  Append(&out, "</nav></header>\n<main><h1>", HtmlEscape(page.title), "</h1>\n",
         page.body(ctx), "</main>\n<footer>vigil ", v, " · page rendered ",
         FormatTimestamp(ctx.now_ms), "</footer></body></html>\n");
  return out;
}

}  // namespace vigil::web
