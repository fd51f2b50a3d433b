// The few Go standard-library literal rules the test language inherits from
// upstream's runner (promql/promqltest/test.go): strconv.ParseInt(s, 0, 64)
// and strconv.ParseFloat for bare scalar expectations and `le` labels,
// strconv.Unquote for `expect string`, and %v printing of floats in failure
// messages.
#ifndef VIGIL_TESTS_PROMQLTEST_GO_LITERALS_H_
#define VIGIL_TESTS_PROMQLTEST_GO_LITERALS_H_

#include <optional>
#include <string>
#include <string_view>

namespace vigil::promqltest {

// strconv.ParseInt(s, 0, 64): optional sign, then 0x/0o/0b/0 prefixes with
// `_` separators allowed only after a prefix.
std::optional<double> ParseGoInt(std::string_view s);
// strconv.ParseFloat(s, 64): decimal and hexadecimal floats, Inf/Infinity
// (signed) and NaN in any case.
std::optional<double> ParseGoFloat(std::string_view s);
// upstream's parseNumber: ParseInt first, then ParseFloat.
std::optional<double> ParseGoNumber(std::string_view s);

// strconv.Unquote: "…" and '…' with Go escapes, `…` raw.
std::optional<std::string> GoUnquote(std::string_view s);

// Go's %v for a float64: shortest round-trip digits, exponent form below
// 1e-4 and from 1e21, "NaN", "+Inf", "-Inf".
std::string FormatGoFloat(double v);

}  // namespace vigil::promqltest

#endif  // VIGIL_TESTS_PROMQLTEST_GO_LITERALS_H_
