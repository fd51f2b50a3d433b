// Prometheus 3's escaping of metric and label names for receivers that ask
// for the legacy character set (prometheus/common model.EscapingScheme,
// EscapeName): the `escaping` parameter of an Accept or Content-Type
// header names the scheme. Internal: not installed.
#ifndef VIGIL_LIB_MODEL_NAME_ESCAPING_H_
#define VIGIL_LIB_MODEL_NAME_ESCAPING_H_

#include <optional>
#include <string>
#include <string_view>

namespace vigil {

enum class NameEscaping {
  kAllowUtf8,    // "allow-utf-8": names as they are
  kUnderscores,  // "underscores": each invalid character becomes `_`
  kDots,         // "dots": `.` is `_dot_`, `_` is `__`, others `__`
  kValues,       // "values": `U__` prefix, `_` is `__`, others `_<hex>_`
};

// model.NameEscapingScheme, what a header without the parameter gets; the
// Prometheus 3 server leaves prometheus/common's default alone.
inline constexpr NameEscaping kDefaultNameEscaping = NameEscaping::kUnderscores;

// The parameter's value for `scheme`, and back (nullopt when unknown).
std::string_view NameEscapingParam(NameEscaping scheme);
std::optional<NameEscaping> ParseNameEscaping(std::string_view param);

// model.EscapeName: `name` under `scheme`, rune by rune as Go ranges over a
// string (an invalid byte is one U+FFFD). Only kDots changes a legacy name
// (its underscores double); "" stays "".
void AppendEscapedName(std::string_view name, NameEscaping scheme,
                       std::string* out);
std::string EscapeName(std::string_view name, NameEscaping scheme);

// What an exposition encoder writes for a metric or label name
// (model.EscapeMetricFamily): `name` itself when the scheme allows UTF-8
// or the name is a legacy metric name — label names are checked against
// the metric name rule too, so `a:b` stays — else the escaped name, built
// in `scratch`.
std::string_view ExpositionName(std::string_view name, NameEscaping scheme,
                                std::string* scratch);

}  // namespace vigil

#endif  // VIGIL_LIB_MODEL_NAME_ESCAPING_H_
