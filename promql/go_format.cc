// Printing as Prometheus (Go) prints: label sets in error messages and
// floats in annotations, errors and count_values labels.
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include "lib/model/strings.h"
#include "promql/evaluator.h"

namespace vigil::promql::eval {

std::string GoLabelsString(const Labels& ls) {
  std::string out = "{";
  bool first = true;
  for (const Label& l : ls) {
    if (!first) out.append(", ");
    first = false;
    out.append(IsLegacyLabelName(l.name) ? l.name : QuoteString(l.name));
    out.push_back('=');
    out.append(QuoteString(l.value));
  }
  out.push_back('}');
  return out;
}

namespace {

std::string Special(double v) {
  if (std::isnan(v)) return "NaN";
  return v > 0 ? "+Inf" : "-Inf";
}

}  // namespace

std::string GoFormatFloat(double v) {
  if (!std::isfinite(v)) return Special(v);
  // The shortest round-tripping digits in Go's %g / %v layout: exponent
  // form when the decimal exponent is < -4 or >= 6 (strconv's rule for the
  // shortest precision), so 1e6 prints as 1e+06 and 123456 as 123456.
  char buf[64];
  auto res =
      std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  bool neg = false;
  size_t pos = 0;
  if (sci[0] == '-') {
    neg = true;
    pos = 1;
  }
  size_t epos = sci.find('e');
  std::string digits;
  for (size_t i = pos; i < epos; ++i) {
    if (sci[i] != '.') digits.push_back(sci[i]);
  }
  int exp = std::atoi(sci.c_str() + epos + 1);
  std::string out = neg ? "-" : "";
  if (exp < -4 || exp >= 6) {
    out.push_back(digits[0]);
    if (digits.size() > 1) {
      out.push_back('.');
      out.append(digits, 1);
    }
    out.push_back('e');
    out.push_back(exp < 0 ? '-' : '+');
    int a = std::abs(exp);
    if (a < 10) out.push_back('0');
    out.append(std::to_string(a));
    return out;
  }
  if (exp < 0) {
    out.append("0.");
    out.append(static_cast<size_t>(-exp - 1), '0');
    out.append(digits);
    return out;
  }
  size_t int_digits = static_cast<size_t>(exp) + 1;
  if (digits.size() <= int_digits) {
    out.append(digits);
    out.append(int_digits - digits.size(), '0');
  } else {
    out.append(digits, 0, int_digits);
    out.push_back('.');
    out.append(digits, int_digits);
  }
  return out;
}

std::string GoFormatFloatFixed(double v) {
  if (!std::isfinite(v)) return Special(v);
  char buf[512];
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  return std::string(buf, res.ptr);
}

}  // namespace vigil::promql::eval
