// Status: build and runtime, store figures, Alertmanagers, flags and the
// loaded configuration.
#include <string>
#include <vector>

#include "lib/web/html.h"
#include "lib/web/pages.h"

namespace vigil::web {
namespace {

void Row(std::string* out, std::string_view name, std::string_view value) {
  Append(out, "<tr><th>", HtmlEscape(name), "</th><td>", HtmlEscape(value),
         "</td></tr>");
}

}  // namespace

std::string StatusBody(const PageContext& ctx) {
  const api::BuildInfo& b = ctx.options.build_info;
  std::string out =
      "<div class=\"columns\"><section><h2>Build and runtime</h2><table "
      "class=\"kv\" id=\"build-info\"><tbody>";
  Row(&out, "Version", b.version);
  Row(&out, "Revision", b.revision);
  Row(&out, "Branch", b.branch);
  Row(&out, "Build user", b.build_user);
  Row(&out, "Build date", b.build_date);
  Row(&out, "Compiler", b.go_version);
  Row(&out, "Started",
      Cat(FormatTimestamp(ctx.options.start_time_ms), " (",
          FormatAgo(ctx.options.start_time_ms, ctx.now_ms), ")"));
  Row(&out, "External URL",
      ctx.options.external_url.empty() ? "(none)" : ctx.options.external_url);
  Row(&out, "Route prefix",
      !ctx.options.route_prefix.empty()   ? ctx.options.route_prefix
      : !ctx.options.external_url.empty() ? "(the external URL's path)"
                                          : "/");
  Append(&out,
         "</tbody></table></section><section><h2>Store</h2><table "
         "class=\"kv\" id=\"store\"><tbody>");
  if (ctx.sources.store_figures) {
    for (const StatusFigure& f : ctx.sources.store_figures()) {
      Row(&out, f.name, f.value);
    }
  }
  Append(&out,
         "</tbody></table></section></div>\n<section><h2>"
         "Alertmanagers</h2>");
  api::AlertmanagerList ams;
  if (ctx.sources.alertmanagers) ams = ctx.sources.alertmanagers();
  if (ams.active.empty() && ams.dropped.empty()) {
    Append(&out,
           "<p>No Alertmanagers are configured: alerts are "
           "evaluated and shown here, not sent.</p>");
  } else {
    Append(&out, "<table class=\"kv\" id=\"alertmanagers\"><tbody>");
    for (const std::string& u : ams.active) Row(&out, "active", u);
    for (const std::string& u : ams.dropped) Row(&out, "dropped", u);
    Append(&out, "</tbody></table>");
  }
  Append(&out,
         "</section>\n<section><h2>Flags</h2><table class=\"kv\" "
         "id=\"flags\"><tbody>");
  for (const auto& [name, value] : ctx.options.flags) {
    Row(&out, "--" + name, value);
  }
  Append(&out,
         "</tbody></table></section>\n<section><h2>Configuration"
         "</h2><pre class=\"config\" id=\"config\">");
  if (ctx.sources.config_yaml) {
    AppendEscaped(&out, ctx.sources.config_yaml());
  }
  Append(&out, "</pre></section>\n");
  return out;
}

}  // namespace vigil::web
