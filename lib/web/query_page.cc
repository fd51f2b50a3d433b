// Query: the expression box and the containers the script fills with a
// table (api/v1/query) or a graph (api/v1/query_range). The expression
// comes from ?expr= (the UI's own links) or ?g0.expr= (alert generator
// URLs, as Prometheus's /graph), rendered escaped into the box.
#include "lib/web/html.h"
#include "lib/web/pages.h"

namespace vigil::web {
namespace {

struct RangeChoice {
  std::string_view value;
  std::string_view label;
};
constexpr RangeChoice kRanges[] = {
    {"5m", "5 minutes"}, {"15m", "15 minutes"}, {"1h", "1 hour"},
    {"3h", "3 hours"},   {"6h", "6 hours"},     {"12h", "12 hours"},
    {"1d", "1 day"},     {"1w", "1 week"},
};

}  // namespace

std::string QueryBody(const PageContext& ctx) {
  std::string_view expr = ctx.params.Value("expr");
  if (expr.empty()) expr = ctx.params.Value("g0.expr");
  std::string_view tab = ctx.params.Value("tab");
  // Prometheus's g0.tab: 0 is the graph, 1 the table.
  if (tab.empty()) tab = ctx.params.Value("g0.tab") == "0" ? "graph" : "";
  if (tab != "graph") tab = "table";
  std::string_view range = ctx.params.Value("range");
  if (range.empty()) range = "1h";
  std::string out = Cat(
      "<form id=\"query-form\" class=\"query\" method=\"get\" "
      "action=\"query\"><textarea id=\"expr\" name=\"expr\" rows=\"3\" "
      "spellcheck=\"false\" autofocus placeholder=\"PromQL expression, "
      "e.g. up — Enter runs it, Shift+Enter adds a line\">",
      HtmlEscape(expr),
      "</textarea><div class=\"query-controls\"><button id=\"run\" "
      "type=\"submit\">Execute</button> <span class=\"tabs\" "
      "role=\"tablist\"><button type=\"button\" role=\"tab\" "
      "class=\"tab\" data-tab=\"table\" id=\"tab-table\">Table</button>"
      "<button type=\"button\" role=\"tab\" class=\"tab\" data-tab=\"graph\" "
      "id=\"tab-graph\">Graph</button></span> <label>Range <select "
      "id=\"range\" name=\"range\">");
  for (const RangeChoice& r : kRanges) {
    Append(&out, "<option value=\"", r.value, "\"",
           r.value == range ? " selected" : "", ">", r.label, "</option>");
  }
  Append(&out,
         "</select></label> <label>End <input id=\"end\" name=\"end\" "
         "type=\"datetime-local\" step=\"1\" value=\"",
         HtmlEscape(ctx.params.Value("end")),
         "\"></label> <span class=\"muted\">(empty: now, UTC)</span>"
         "<input type=\"hidden\" id=\"tab\" name=\"tab\" value=\"",
         tab,
         "\"></div></form>\n<div id=\"error\" class=\"query-error\" "
         "role=\"alert\" hidden></div><div id=\"status\" class=\"muted\"></div>"
         "<div id=\"result-table\" class=\"result\"></div>"
         "<div id=\"result-graph\" class=\"result\"></div>"
         "<noscript><p>The Query page draws its results with JavaScript; the "
         "JSON API answers at api/v1/query.</p></noscript>\n");
  return out;
}

}  // namespace vigil::web
