// Name validation and quoting shared by every layer that prints PromQL or
// exposition text. Internal: not part of the installed API.
#ifndef VIGIL_LIB_MODEL_STRINGS_H_
#define VIGIL_LIB_MODEL_STRINGS_H_

#include <string>
#include <string_view>

#include "absl/strings/string_view.h"

namespace vigil {

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsLegacyMetricName(std::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]*
bool IsLegacyLabelName(std::string_view name);
// Whether `s` is valid UTF-8 (Prometheus 3 accepts any such name).
bool IsValidUtf8(std::string_view s);

// Double-quoted with Go's strconv.Quote escapes, which is how Prometheus
// prints label values and string literals.
std::string QuoteString(std::string_view s);

// Go's url.QueryEscape: unreserved bytes kept, space as '+', the rest %XX.
std::string QueryEscape(std::string_view s);

// Go's strconv.FormatFloat(v, 'g', -1, 64): the shortest digits that read
// back to v, in %e form when the exponent is below -4 or at least 6; with
// Prometheus's spellings of the specials, NaN, +Inf and -Inf.
void AppendGoFloat(double v, std::string* out);

// Abseil 20220623's string_view is its own type: convert at the edge.
inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
inline std::string_view FromAbsl(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

}  // namespace vigil

#endif  // VIGIL_LIB_MODEL_STRINGS_H_
