// The UI's pages, each rendered from the in-process sources into the body
// of the common page shell. Internal to vigil_web; one file per page.
#ifndef VIGIL_LIB_WEB_PAGES_H_
#define VIGIL_LIB_WEB_PAGES_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "lib/api/params.h"
#include "vigil/web.h"

namespace vigil::web {

// What a page renders from: the server's options and sources, the time of
// the request and its query parameters.
struct PageContext {
  PageContext(const UiOptions& o, const UiSources& s, int64_t now,
              const api::Form& p)
      : options(o), sources(s), now_ms(now), params(p) {}
  const UiOptions& options;
  const UiSources& sources;
  int64_t now_ms;
  const api::Form& params;
};

// A page: `id` names its navigation entry and the script's behaviour
// (<body data-page=…>).
struct PageSpec {
  std::string_view id;
  std::string_view title;
  std::string (*body)(const PageContext&);
};

std::string AlertsBody(const PageContext& ctx);    // alerts_page.cc
std::string RulesBody(const PageContext& ctx);     // rules_page.cc
std::string TargetsBody(const PageContext& ctx);   // targets_page.cc
std::string SecurityBody(const PageContext& ctx);  // security_page.cc
std::string QueryBody(const PageContext& ctx);     // query_page.cc
std::string StatusBody(const PageContext& ctx);    // status_page.cc
std::string RunbooksBody(const PageContext& ctx);  // runbooks_page.cc

// The whole document around a page's body: head, navigation, footer
// (page_shell.cc).
std::string RenderPage(const PageSpec& page, const PageContext& ctx);

}  // namespace vigil::web

#endif  // VIGIL_LIB_WEB_PAGES_H_
