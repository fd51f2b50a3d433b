#include "lib/web/html.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "lib/model/absl_compat.h"
#include "lib/model/duration.h"
#include "lib/model/url_escape.h"
#include "vigil/promql/parser.h"

namespace vigil::web {

void AppendEscaped(std::string* out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&':
        out->append("&amp;");
        break;
      case '<':
        out->append("&lt;");
        break;
      case '>':
        out->append("&gt;");
        break;
      case '"':
        out->append("&#34;");
        break;
      case '\'':
        out->append("&#39;");
        break;
      default:
        out->push_back(c);
    }
  }
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  AppendEscaped(&out, s);
  return out;
}

std::string SafeHref(std::string_view url) {
  // The scheme is what precedes the first ':' when no '/', '?' or '#'
  // comes first (RFC 3986); browsers also ignore leading spaces and
  // control characters and tabs inside a scheme, so those make it unsafe.
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ') return "";
  }
  const size_t colon = url.find(':');
  const size_t stop = url.find_first_of("/?#");
  if (colon == std::string_view::npos ||
      (stop != std::string_view::npos && stop < colon)) {
    return std::string(url);  // relative
  }
  const std::string scheme =
      absl::AsciiStrToLower(ToAbsl(url.substr(0, colon)));
  if (scheme == "http" || scheme == "https") return std::string(url);
  return "";
}

std::string LabelChips(const Labels& labels) {
  std::string out;
  for (const Label& l : labels) {
    Append(&out, "<span class=\"label\">");
    AppendEscaped(&out, l.name);
    Append(&out, "=<b>");
    AppendEscaped(&out, l.value);
    Append(&out, "</b></span> ");
  }
  return out;
}

std::string SeriesText(const Labels& labels) {
  std::string text(labels.MetricName());
  std::string inner;
  for (const Label& l : labels) {
    if (l.name == kMetricName) continue;
    Append(&inner, inner.empty() ? "" : ", ", l.name, "=\"", l.value, "\"");
  }
  if (!inner.empty() || text.empty()) Append(&text, "{", inner, "}");
  return HtmlEscape(text);
}

std::string FormatTimestamp(int64_t ms) {
  if (ms == 0) return "never";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromUnixMillis(ms),
                          absl::UTCTimeZone());
}

std::string FormatAgo(int64_t ms, int64_t now_ms) {
  if (ms == 0) return "never";
  const int64_t d = now_ms - ms;
  // Whole seconds read better than Prometheus's millisecond durations here.
  const int64_t rounded = std::llabs(d) / 1000 * 1000;
  const std::string text = rounded == 0 ? "0s" : FormatDurationMs(rounded);
  return d >= 0 ? text + " ago" : "in " + text;
}

std::string FormatSeconds(double seconds) {
  if (seconds < 1) return absl::StrFormat("%.1fms", seconds * 1000);
  return absl::StrFormat("%.2fs", seconds);
}

std::string QueryLink(std::string_view expr) {
  return "query?expr=" + QueryEscape(expr);
}

std::string PrettyExpr(std::string_view expr) {
  // The rule parsed when it was loaded, under the server's feature flags;
  // everything on accepts at least what those accepted.
  auto parsed =
      promql::ParseExpr(expr, promql::ParseOptions::AllExperimental());
  if (!parsed.ok()) {
    return std::string(
        FromAbsl(absl::StripTrailingAsciiWhitespace(ToAbsl(expr))));
  }
  return promql::Prettify(**parsed);
}

}  // namespace vigil::web
