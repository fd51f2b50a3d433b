#include "lib/textparse/lexer.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace vigil::textparse::internal {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (x != b[i]) return false;
  }
  return true;
}

// For a decimal that from_chars reported out of range: whether it is too
// large (overflow) rather than too small (underflow). Decided from the
// decimal exponent of its first non-zero digit.
bool IsOverflow(std::string_view s) {
  // Exponent clamp: any magnitude past this is decided already.
  constexpr long kClamp = 1'000'000;
  long int_digits = 0;
  long frac_index = 0;
  long first_int_index = -1;  // index of the first non-zero integer digit
  long first_frac_index =
      0;  // 1-based index of the first non-zero fraction digit
  bool in_fraction = false;
  size_t i = 0;
  for (; i < s.size() && s[i] != 'e' && s[i] != 'E'; ++i) {
    if (s[i] == '.') {
      in_fraction = true;
    } else if (in_fraction) {
      ++frac_index;
      if (first_frac_index == 0 && s[i] != '0') first_frac_index = frac_index;
    } else {
      if (first_int_index < 0 && s[i] != '0') first_int_index = int_digits;
      ++int_digits;
    }
  }
  long lead = first_int_index >= 0 ? int_digits - 1 - first_int_index
                                   : -first_frac_index;
  long exp = 0;
  if (i < s.size()) {
    ++i;
    bool neg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    for (; i < s.size(); ++i) {
      if (exp < kClamp) exp = exp * 10 + (s[i] - '0');
    }
    if (neg) exp = -exp;
  }
  return lead + exp > 0;
}

}  // namespace

const char* ScanMetricNameChars(const char* p, const char* end) {
  while (p < end && IsMetricNameChar(*p)) ++p;
  return p;
}

const char* ScanLabelNameChars(const char* p, const char* end) {
  while (p < end && IsLabelNameChar(*p)) ++p;
  return p;
}

FloatStatus ParseFloat(std::string_view s, double* out) {
  if (s.find_first_of("pP_") != std::string_view::npos) {
    return FloatStatus::kUnsupportedChar;
  }
  if (s.empty()) return FloatStatus::kSyntax;
  bool neg = false;
  std::string_view rest = s;
  if (rest[0] == '+' || rest[0] == '-') {
    neg = rest[0] == '-';
    rest.remove_prefix(1);
  }
  // Go's special(): a sign is allowed before Inf but not before NaN.
  if (EqualsIgnoreCase(rest, "inf") || EqualsIgnoreCase(rest, "infinity")) {
    *out = neg ? -std::numeric_limits<double>::infinity()
               : std::numeric_limits<double>::infinity();
    return FloatStatus::kOk;
  }
  if (rest.size() == s.size() && EqualsIgnoreCase(rest, "nan")) {
    *out = std::numeric_limits<double>::quiet_NaN();
    return FloatStatus::kOk;
  }
  if (rest.empty() || !(IsDigit(rest[0]) || rest[0] == '.')) {
    return FloatStatus::kSyntax;
  }
  double v = 0;
  auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), v,
                                   std::chars_format::general);
  if (ec == std::errc::invalid_argument || ptr != rest.data() + rest.size()) {
    return FloatStatus::kSyntax;
  }
  if (ec == std::errc::result_out_of_range) {
    if (IsOverflow(rest)) return FloatStatus::kOutOfRange;
    v = 0;
  }
  *out = neg ? -v : v;
  return FloatStatus::kOk;
}

bool ParseDigitsInt64(std::string_view digits, int64_t* out) {
  auto [ptr, ec] =
      std::from_chars(digits.data(), digits.data() + digits.size(), *out);
  return ec == std::errc() && ptr == digits.data() + digits.size();
}

void AppendUnescaped(std::string_view raw, bool quotes, std::string* out) {
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c != '\\' || i + 1 == raw.size()) {
      out->push_back(c);
      continue;
    }
    char n = raw[i + 1];
    if (n == '\\') {
      out->push_back('\\');
    } else if (n == 'n') {
      out->push_back('\n');
    } else if (n == '"' && quotes) {
      out->push_back('"');
    } else {
      out->push_back('\\');
      out->push_back(n);
    }
    ++i;
  }
}

void AppendOpenMetricsFloat(double f, std::string* out) {
  if (std::isnan(f)) {
    out->append("NaN");
    return;
  }
  if (std::isinf(f)) {
    out->append(f > 0 ? "+Inf" : "-Inf");
    return;
  }
  // Shortest round-trip digits; C++'s scientific form ("1.5e+07", exponent
  // of at least two digits) is also exactly Go's %e form.
  char buf[64];
  auto res =
      std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
  size_t e = sci.find('e');
  int exp = 0;
  std::from_chars(sci.data() + e + 1 + (sci[e + 1] == '+' ? 1 : 0),
                  sci.data() + sci.size(), exp);
  // Go's 'g' with shortest precision switches to %e outside [-4, 6).
  if (exp < -4 || exp >= 6) {
    out->append(sci);
    return;
  }
  std::string_view mant = sci.substr(0, e);
  if (!mant.empty() && mant[0] == '-') {
    out->push_back('-');
    mant.remove_prefix(1);
  }
  std::string digits;
  for (char c : mant) {
    if (c != '.') digits.push_back(c);
  }
  if (exp < 0) {
    out->append("0.");
    out->append(static_cast<size_t>(-exp - 1), '0');
    out->append(digits);
    return;
  }
  size_t int_len = static_cast<size_t>(exp) + 1;
  if (digits.size() <= int_len) {
    out->append(digits);
    out->append(int_len - digits.size(), '0');
    out->append(".0");
    return;
  }
  out->append(digits, 0, int_len);
  out->push_back('.');
  out->append(digits, int_len);
}

}  // namespace vigil::textparse::internal
