// Escaping and small formatting helpers for the UI's server-rendered HTML.
// Internal to vigil_web.
#ifndef VIGIL_LIB_WEB_HTML_H_
#define VIGIL_LIB_WEB_HTML_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "vigil/labels.h"

namespace vigil::web {

// absl::StrCat for std::string_view pieces (absl::string_view is a
// different type here) and integers.
inline void AppendPiece(std::string* out, std::string_view s) {
  out->append(s);
}
template <typename Int, std::enable_if_t<std::is_integral_v<Int> &&
                                             !std::is_same_v<Int, bool> &&
                                             !std::is_same_v<Int, char>,
                                         int> = 0>
void AppendPiece(std::string* out, Int n) {
  out->append(std::to_string(n));
}
template <typename... T>
void Append(std::string* out, const T&... parts) {
  (AppendPiece(out, parts), ...);
}
template <typename... T>
std::string Cat(const T&... parts) {
  std::string out;
  Append(&out, parts...);
  return out;
}

// Text safe in element content and in quoted attribute values: & < > " '
// become entities (Go's html.EscapeString set).
std::string HtmlEscape(std::string_view s);
void AppendEscaped(std::string* out, std::string_view s);

// A link target taken from data (a runbook_url annotation): kept when it is
// http(s) or relative, "" for anything else (javascript:, data:, …) so that
// it is shown as text instead of a link.
std::string SafeHref(std::string_view url);

// `name="value"` chips of a label set, escaped.
std::string LabelChips(const Labels& labels);
// `metric{a="b"}` as Prometheus prints a series, escaped.
std::string SeriesText(const Labels& labels);

// "2026-12-07 10:44:12 UTC"; "never" for 0.
std::string FormatTimestamp(int64_t ms);
// "3m12s ago", "in 5s"; "never" for 0.
std::string FormatAgo(int64_t ms, int64_t now_ms);
// A duration in seconds, as "12.3ms" or "1.02s".
std::string FormatSeconds(double seconds);

// A relative link to the Query page running `expr`.
std::string QueryLink(std::string_view expr);

// A rule's expression as the pages show it: prettified as
// /api/v1/format_query returns it, or as written (trailing whitespace
// trimmed) if it does not parse. Not escaped.
std::string PrettyExpr(std::string_view expr);

}  // namespace vigil::web

#endif  // VIGIL_LIB_WEB_HTML_H_
