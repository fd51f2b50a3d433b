#include "lib/model/go_float.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace vigil {
namespace {

// Shortest round-trip digits of |v| (no trailing zeros) and the decimal
// point position: v = 0.DIGITS * 10^dp, as strconv's decimal type keeps it.
void ShortestDigits(double v, std::string& digits, int& dp) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), std::fabs(v),
                           std::chars_format::scientific);
  std::string_view s(buf, res.ptr - buf);
  size_t e = s.find('e');
  std::string_view mant = s.substr(0, e);
  int exp = 0;
  std::from_chars(s.data() + e + (s[e + 1] == '+' ? 2 : 1), s.data() + s.size(),
                  exp);
  digits.clear();
  for (char c : mant) {
    if (c != '.') digits.push_back(c);
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  dp = exp + 1;
  if (digits == "0") dp = 1;
}

// %e layout of given digits: d.ddde±XX with at least two exponent digits.
void LayoutE(bool neg, const std::string& digits, int dp, int decimals,
             std::string* out) {
  if (neg) out->push_back('-');
  out->push_back(digits[0]);
  if (decimals > 0) {
    out->push_back('.');
    for (int i = 1; i <= decimals; ++i) {
      out->push_back(i < static_cast<int>(digits.size()) ? digits[i] : '0');
    }
  }
  int exp = digits == "0" ? 0 : dp - 1;
  out->push_back('e');
  out->push_back(exp < 0 ? '-' : '+');
  exp = std::abs(exp);
  if (exp < 10) out->push_back('0');
  out->append(std::to_string(exp));
}

// %f layout of given digits with `decimals` places.
void LayoutF(bool neg, const std::string& digits, int dp, int decimals,
             std::string* out) {
  if (neg) out->push_back('-');
  if (dp > 0) {
    for (int i = 0; i < dp; ++i) {
      out->push_back(i < static_cast<int>(digits.size()) ? digits[i] : '0');
    }
  } else {
    out->push_back('0');
  }
  if (decimals > 0) {
    out->push_back('.');
    for (int i = 0; i < decimals; ++i) {
      int j = dp + i;
      out->push_back(j >= 0 && j < static_cast<int>(digits.size()) ? digits[j]
                                                                   : '0');
    }
  }
}

// Go's %x for floats: C's %a with the exponent widened to two digits.
std::string HexFloat(double v, int prec) {
  char buf[128];
  if (prec < 0) {
    std::snprintf(buf, sizeof(buf), "%a", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%.*a", prec, v);
  }
  std::string s(buf);
  size_t p = s.find('p');
  if (p != std::string::npos && s.size() - p == 3) {
    s.insert(s.begin() + static_cast<std::ptrdiff_t>(p) + 2, '0');
  }
  return s;
}

// The shortest form for fmt 'e', 'f' or 'g' (any other), v finite.
void AppendShortest(double v, char fmt, std::string* out) {
  const bool neg = std::signbit(v);
  std::string digits;
  int dp;
  ShortestDigits(v, digits, dp);
  const int nd = static_cast<int>(digits.size());
  if (fmt != 'e' && fmt != 'f') {
    // strconv: the shortest %g switches to %e when the exponent is < -4
    // or >= 6, hence fmt.Sprint(1e6) == "1e+06".
    const int exp = digits == "0" ? 0 : dp - 1;
    fmt = exp < -4 || exp >= 6 ? 'e' : 'f';
  }
  if (fmt == 'e') {
    LayoutE(neg, digits, dp, nd - 1, out);
  } else {
    LayoutF(neg, digits, dp, std::max(nd - dp, 0), out);
  }
}

bool AppendSpecial(double v, std::string* out) {
  if (std::isnan(v)) {
    out->append("NaN");
    return true;
  }
  if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
    return true;
  }
  return false;
}

}  // namespace

std::string GoFormatFloat(double v, char fmt, int prec) {
  std::string out;
  if (AppendSpecial(v, &out)) return out;
  if (fmt == 'x') return HexFloat(v, prec);
  if (prec >= 0) {
    // glibc rounds exactly (ties to even on exact binary values), as
    // strconv does, so for an explicit precision its digits are Go's; %g
    // picks the same layout as strconv's %g for explicit precisions.
    char cfmt[8] = {'%', '.', '*', fmt, 0};
    char buf[512];
    int n = std::snprintf(buf, sizeof(buf), cfmt, prec, v);
    if (n >= 0 && n < static_cast<int>(sizeof(buf))) return std::string(buf);
    std::string big(n + 1, '\0');
    std::snprintf(big.data(), big.size(), cfmt, prec, v);
    big.resize(n);
    return big;
  }
  AppendShortest(v, fmt, &out);
  return out;
}

std::string GoFormatFloat(double v) {
  std::string out;
  AppendGoFloat(v, &out);
  return out;
}

void AppendGoFloat(double v, std::string* out) {
  if (!AppendSpecial(v, out)) AppendShortest(v, 'g', out);
}

void AppendShortestFixed(double v, std::string* out) {
  if (!AppendSpecial(v, out)) AppendShortest(v, 'f', out);
}

}  // namespace vigil
