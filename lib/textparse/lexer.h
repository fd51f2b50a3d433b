// Byte-level helpers shared by the text and OpenMetrics grammars: character
// classes, Go-compatible number parsing, unescaping. Internal.
#ifndef VIGIL_LIB_TEXTPARSE_LEXER_H_
#define VIGIL_LIB_TEXTPARSE_LEXER_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::textparse::internal {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsLabelNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
inline bool IsLabelNameChar(char c) {
  return IsLabelNameStart(c) || IsDigit(c);
}
inline bool IsMetricNameStart(char c) {
  return IsLabelNameStart(c) || c == ':';
}
inline bool IsMetricNameChar(char c) { return IsLabelNameChar(c) || c == ':'; }
inline bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Returns the end of the run of [a-zA-Z0-9_:] (metric) or [a-zA-Z0-9_]
// (label) characters starting at p. The caller checks the first character.
const char* ScanMetricNameChars(const char* p, const char* end);
const char* ScanLabelNameChars(const char* p, const char* end);

enum class FloatStatus { kOk, kUnsupportedChar, kSyntax, kOutOfRange };

// Prometheus's parseFloat: Go's strconv.ParseFloat restricted to pre-Go
// 1.13 syntax (no 'p', 'P' or '_', hence no hex floats). Accepts an
// optional sign, decimal with optional fraction and exponent, "Inf" and
// "Infinity" with optional sign and "NaN" (case-insensitive, no sign).
// Overflow is an error; underflow rounds to zero, both as in Go.
FloatStatus ParseFloat(std::string_view s, double* out);

// Base-10 digits only (the text format's timestamp); false on overflow.
bool ParseDigitsInt64(std::string_view digits, int64_t* out);

// Appends `raw` with the text format's escapes resolved: \\ and \n always,
// \" when `quotes` (label values; OpenMetrics HELP). Unknown escapes stay
// as written, as Prometheus's strings.Replacer leaves them.
void AppendUnescaped(std::string_view raw, bool quotes, std::string* out);

// Go's strconv.FormatFloat(f, 'g', -1, 64), plus ".0" when the result has
// neither '.' nor 'e' (Prometheus's labels.FormatOpenMetricsFloat).
void AppendOpenMetricsFloat(double f, std::string* out);

// Prometheus's value.NormalNaN: every NaN read from a payload becomes this
// one, so a scrape can never inject the staleness marker.
inline constexpr uint64_t kNormalNaNBits = 0x7ff8000000000001ULL;

}  // namespace vigil::textparse::internal

#endif  // VIGIL_LIB_TEXTPARSE_LEXER_H_
