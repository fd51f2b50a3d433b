#include "lib/rules/template/humanize.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "lib/model/absl_compat.h"
#include "lib/model/go_float.h"
#include "lib/model/go_quote.h"
#include "lib/rules/template/go_format.h"

namespace vigil::tmpl {
namespace {

// Upstream's prefix tables.
constexpr std::string_view kBigPrefixes[] = {"k", "M", "G", "T",
                                             "P", "E", "Z", "Y"};
constexpr std::string_view kSmallPrefixes[] = {"m", "u", "n", "p",
                                               "f", "a", "z", "y"};
constexpr std::string_view kBinaryPrefixes[] = {"ki", "Mi", "Gi", "Ti",
                                                "Pi", "Ei", "Zi", "Yi"};

std::string G4(double v) { return GoFormatFloat(v, 'g', 4); }

// Scales v below 1 up by thousands, as humanize and humanizeDuration do.
std::string SmallPrefix(double& v) {
  std::string prefix;
  for (std::string_view p : kSmallPrefixes) {
    if (std::fabs(v) >= 1) break;
    prefix = std::string(p);
    v *= 1000;
  }
  return prefix;
}

absl::Status SyntaxError(std::string_view s) {
  return absl::InvalidArgumentError(
      Cat("strconv.ParseFloat: parsing ", QuoteString(s), ": invalid syntax"));
}

}  // namespace

absl::StatusOr<double> GoParseFloat(std::string_view s) {
  if (s.empty()) return SyntaxError(s);
  std::string body(s);
  size_t start = (body[0] == '+' || body[0] == '-') ? 1 : 0;
  std::string rest = absl::AsciiStrToLower(body.substr(start));
  // Go accepts inf/infinity/nan in any case, but not C's nan(...) forms.
  if (rest == "inf" || rest == "infinity") {
    return body[0] == '-' ? -std::numeric_limits<double>::infinity()
                          : std::numeric_limits<double>::infinity();
  }
  if (rest == "nan") {
    if (start != 0) return SyntaxError(s);
    return std::numeric_limits<double>::quiet_NaN();
  }
  bool hex = rest.size() > 1 && rest[0] == '0' && rest[1] == 'x';
  for (char c : rest) {
    bool ok = (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == '+' ||
              c == '-' ||
              (hex && ((c >= 'a' && c <= 'f') || c == 'x' || c == 'p'));
    if (!ok) return SyntaxError(s);
  }
  // Go requires the p exponent in hexadecimal floats.
  if (hex && rest.find('p') == std::string::npos) return SyntaxError(s);
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(body.c_str(), &end);
  if (end != body.c_str() + body.size()) return SyntaxError(s);
  if (errno == ERANGE && std::isinf(v)) {
    return absl::InvalidArgumentError(Cat("strconv.ParseFloat: parsing ",
                                          QuoteString(s),
                                          ": value out of range"));
  }
  return v;
}

absl::StatusOr<double> ConvertToFloat(const Value& v) {
  switch (v.kind()) {
    case Kind::kFloat:
      return v.f();
    case Kind::kInt:
      return static_cast<double>(v.i());
    case Kind::kString:
      return GoParseFloat(v.s());
    default:
      return absl::InvalidArgumentError(Cat(
          "can't convert ", v.valid() ? v.TypeName() : "<nil>", " to float"));
  }
}

std::string Humanize(double v) {
  if (v == 0 || std::isnan(v) || std::isinf(v)) return G4(v);
  if (std::fabs(v) >= 1) {
    std::string prefix;
    for (std::string_view p : kBigPrefixes) {
      if (std::fabs(v) < 1000) break;
      prefix = std::string(p);
      v /= 1000;
    }
    return G4(v) + prefix;
  }
  std::string prefix = SmallPrefix(v);
  return G4(v) + prefix;
}

std::string Humanize1024(double v) {
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) return G4(v);
  std::string prefix;
  for (std::string_view p : kBinaryPrefixes) {
    if (std::fabs(v) < 1024) break;
    prefix = std::string(p);
    v /= 1024;
  }
  return G4(v) + prefix;
}

std::string HumanizeDuration(double v) {
  if (std::isnan(v) || std::isinf(v)) return G4(v);
  if (v == 0) return G4(v) + "s";
  if (std::fabs(v) >= 1) {
    std::string sign;
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    // Go's int64(v): truncation; values past int64 saturate here rather
    // than wrap.
    int64_t d = v >= 9.2e18 ? std::numeric_limits<int64_t>::max()
                            : static_cast<int64_t>(v);
    int64_t seconds = d % 60;
    int64_t minutes = (d / 60) % 60;
    int64_t hours = (d / 60 / 60) % 24;
    int64_t days = d / 60 / 60 / 24;
    // Days to minutes print whole seconds; plain seconds keep 4 digits.
    if (days != 0) {
      return Cat(sign, days, "d ", hours, "h ", minutes, "m ", seconds, "s");
    }
    if (hours != 0) {
      return Cat(sign, hours, "h ", minutes, "m ", seconds, "s");
    }
    if (minutes != 0) return Cat(sign, minutes, "m ", seconds, "s");
    return Cat(sign, G4(v), "s");
  }
  std::string prefix = SmallPrefix(v);
  return Cat(G4(v), prefix, "s");
}

std::string HumanizePercentage(double v) { return G4(v * 100) + "%"; }

absl::StatusOr<int64_t> FloatToUnixMillis(double v) {
  if (std::isnan(v) || std::isinf(v)) {
    return absl::InvalidArgumentError("value is NaN or Inf");
  }
  double ns = v * 1e9;
  // float64(math.MaxInt64) is 2^63, so Go's `>` lets 2^63 itself through;
  // >= keeps the conversion below defined.
  if (ns >= 9223372036854775808.0 || ns < -9223372036854775808.0) {
    return absl::InvalidArgumentError(
        Cat(GoFormatFloat(v),
            " cannot be represented as a nanoseconds timestamp since "
            "it overflows int64"));
  }
  // model.TimeFromUnixNano: integer division truncates toward zero.
  return static_cast<int64_t>(ns) / 1000000;
}

absl::StatusOr<std::string> HumanizeTimestamp(double v) {
  if (std::isnan(v) || std::isinf(v)) return G4(v);
  absl::StatusOr<int64_t> ms = FloatToUnixMillis(v);
  if (!ms.ok()) return ms.status();
  return GoTimeString(*ms);
}

}  // namespace vigil::tmpl
