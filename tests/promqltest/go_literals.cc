#include "tests/promqltest/go_literals.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "lib/model/utf8.h"
#include "tests/promqltest/text_util.h"

namespace vigil::promqltest {
namespace {

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

// Go's underscoreOK: an underscore must sit between digits, or between a
// base prefix and a digit.
bool UnderscoresOk(std::string_view s) {
  char saw = '^';
  size_t i = 0;
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0') {
    char p = absl::ascii_tolower(static_cast<unsigned char>(s[1]));
    if (p == 'b' || p == 'o' || p == 'x') {
      i = 2;
      saw = '0';
      hex = p == 'x';
    }
  }
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (absl::ascii_isdigit(static_cast<unsigned char>(c)) ||
        (hex && absl::ascii_isxdigit(static_cast<unsigned char>(c)))) {
      saw = '0';
    } else if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
    } else {
      if (saw == '_') return false;
      saw = '!';
    }
  }
  return saw != '_';
}

}  // namespace

std::optional<double> ParseGoInt(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || !UnderscoresOk(s)) return std::nullopt;
  int base = 10;
  if (s[0] == '0' && s.size() > 1) {
    char p = absl::ascii_tolower(static_cast<unsigned char>(s[1]));
    if (p == 'x' || p == 'o' || p == 'b') {
      base = p == 'x' ? 16 : p == 'o' ? 8 : 2;
      s.remove_prefix(2);
    } else {
      base = 8;
      s.remove_prefix(1);
    }
  }
  if (s.empty()) return std::nullopt;
  uint64_t value = 0;
  for (char c : s) {
    if (c == '_') continue;
    int d = DigitValue(c);
    if (d >= base) return std::nullopt;
    if (value > (std::numeric_limits<uint64_t>::max() - d) / base) {
      return std::nullopt;
    }
    value = value * base + d;
  }
  // int64 range: ParseInt rejects values that do not fit.
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (value > limit) return std::nullopt;
  return negative ? -static_cast<double>(value) : static_cast<double>(value);
}

std::optional<double> ParseGoFloat(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string_view body = s;
  bool negative = false;
  if (body[0] == '+' || body[0] == '-') {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (absl::EqualsIgnoreCase(ToAbsl(body), "inf") ||
      absl::EqualsIgnoreCase(ToAbsl(body), "infinity")) {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  // Go accepts NaN only unsigned.
  if (absl::EqualsIgnoreCase(ToAbsl(s), "nan")) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  // Validate Go's grammar before handing the text to strtod, which is more
  // lenient (leading spaces, "nan(…)", hex floats without exponent).
  bool hex =
      body.size() > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X');
  std::string digits;
  size_t i = hex ? 2 : 0;
  bool saw_digit = false, saw_dot = false, saw_exp = false;
  for (; i < body.size(); ++i) {
    char c = body[i];
    bool is_digit = hex ? absl::ascii_isxdigit(static_cast<unsigned char>(c))
                        : absl::ascii_isdigit(static_cast<unsigned char>(c));
    if (is_digit) {
      saw_digit = true;
    } else if (c == '.' && !saw_dot) {
      saw_dot = true;
    } else {
      break;
    }
  }
  if (!saw_digit) return std::nullopt;
  if (i < body.size()) {
    char e = absl::ascii_tolower(static_cast<unsigned char>(body[i]));
    if (e != (hex ? 'p' : 'e')) return std::nullopt;
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    size_t exp_start = i;
    while (i < body.size() &&
           absl::ascii_isdigit(static_cast<unsigned char>(body[i]))) {
      ++i;
    }
    if (i == exp_start || i != body.size()) return std::nullopt;
    saw_exp = true;
  }
  if (hex && !saw_exp) return std::nullopt;
  digits.assign(s);
  char* end = nullptr;
  double v = std::strtod(digits.c_str(), &end);
  if (end != digits.c_str() + digits.size()) return std::nullopt;
  // Go reports out-of-range values as errors (ErrRange).
  if (std::isinf(v)) return std::nullopt;
  return v;
}

std::optional<double> ParseGoNumber(std::string_view s) {
  if (auto v = ParseGoInt(s)) return v;
  return ParseGoFloat(s);
}

namespace {

// Reads `n` hex digits at s[*i]; false when they are missing.
bool ReadHex(std::string_view s, size_t* i, int n, uint32_t* out) {
  *out = 0;
  for (int k = 0; k < n; ++k, ++*i) {
    if (*i >= s.size() || DigitValue(s[*i]) >= 16) return false;
    *out = *out * 16 + DigitValue(s[*i]);
  }
  return true;
}

}  // namespace

std::optional<std::string> GoUnquote(std::string_view s) {
  if (s.size() < 2) return std::nullopt;
  char quote = s.front();
  if (s.back() != quote) return std::nullopt;
  std::string_view body = s.substr(1, s.size() - 2);
  if (quote == '`') {
    if (body.find('`') != std::string_view::npos) return std::nullopt;
    std::string out;
    for (char c : body) {
      if (c != '\r') out.push_back(c);  // Go drops CRs from raw strings
    }
    return out;
  }
  if (quote != '"' && quote != '\'') return std::nullopt;
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < body.size(); ++chars) {
    char c = body[i];
    if (c == quote || c == '\n') return std::nullopt;
    if (c != '\\') {
      out.push_back(c);
      ++i;
      // Count UTF-8 continuation bytes as part of one character.
      while (i < body.size() &&
             (static_cast<unsigned char>(body[i]) & 0xC0) == 0x80) {
        out.push_back(body[i++]);
      }
      continue;
    }
    if (++i >= body.size()) return std::nullopt;
    char e = body[i++];
    uint32_t cp = 0;
    switch (e) {
      case 'a':
        out.push_back('\a');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'v':
        out.push_back('\v');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case '"':
      case '\'':
        if (e != quote) return std::nullopt;
        out.push_back(e);
        break;
      case 'x':
        if (!ReadHex(body, &i, 2, &cp)) return std::nullopt;
        out.push_back(static_cast<char>(cp));
        break;
      case 'u':
        if (!ReadHex(body, &i, 4, &cp)) return std::nullopt;
        AppendRune(cp, &out);
        break;
      case 'U':
        if (!ReadHex(body, &i, 8, &cp) || cp > 0x10FFFF) return std::nullopt;
        AppendRune(cp, &out);
        break;
      default:
        if (e < '0' || e > '7') return std::nullopt;
        cp = e - '0';
        for (int k = 0; k < 2; ++k, ++i) {
          if (i >= body.size() || body[i] < '0' || body[i] > '7') {
            return std::nullopt;
          }
          cp = cp * 8 + (body[i] - '0');
        }
        if (cp > 255) return std::nullopt;
        out.push_back(static_cast<char>(cp));
    }
  }
  // A single-quoted Go literal is one character.
  if (quote == '\'' && chars != 1) return std::nullopt;
  return out;
}

std::string FormatGoFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  double a = std::fabs(v);
  char buf[64];
  auto fmt = (a != 0 && (a < 1e-4 || a >= 1e21)) ? std::chars_format::scientific
                                                 : std::chars_format::fixed;
  auto res = std::to_chars(buf, buf + sizeof(buf), v, fmt);
  std::string out(buf, res.ptr);
  // Go writes exponents with at least two digits and a sign: 1e-05, 1e+21.
  size_t e = out.find('e');
  if (e != std::string::npos) {
    std::string mant = out.substr(0, e);
    std::string exp = out.substr(e + 1);
    char sign = '+';
    if (!exp.empty() && (exp[0] == '-' || exp[0] == '+')) {
      sign = exp[0];
      exp.erase(0, 1);
    }
    if (exp.size() < 2) exp.insert(0, "0");
    out = mant + "e" + sign + exp;
  }
  return out;
}

}  // namespace vigil::promqltest
