#include "lib/rules/template/go_format.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/time/time.h"
#include "lib/model/strings.h"
#include "lib/rules/template/str_cat.h"

namespace vigil::tmpl {
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
  int exp = std::atoi(std::string(s.substr(e + 1)).c_str());
  digits.clear();
  for (char c : mant) {
    if (c != '.') digits.push_back(c);
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  dp = exp + 1;
  if (digits == "0") dp = 1;
}

// %e layout of given digits: d.ddde±XX with at least two exponent digits.
std::string LayoutE(bool neg, const std::string& digits, int dp, int decimals) {
  std::string out = neg ? "-" : "";
  out.push_back(digits[0]);
  if (decimals > 0) {
    out.push_back('.');
    for (int i = 1; i <= decimals; ++i) {
      out.push_back(i < static_cast<int>(digits.size()) ? digits[i] : '0');
    }
  }
  int exp = digits == "0" ? 0 : dp - 1;
  out.push_back('e');
  out.push_back(exp < 0 ? '-' : '+');
  exp = std::abs(exp);
  if (exp < 10) out.push_back('0');
  Append(&out, exp);
  return out;
}

// %f layout of given digits with `decimals` places.
std::string LayoutF(bool neg, const std::string& digits, int dp, int decimals) {
  std::string out = neg ? "-" : "";
  if (dp > 0) {
    for (int i = 0; i < dp; ++i) {
      out.push_back(i < static_cast<int>(digits.size()) ? digits[i] : '0');
    }
  } else {
    out.push_back('0');
  }
  if (decimals > 0) {
    out.push_back('.');
    for (int i = 0; i < decimals; ++i) {
      int j = dp + i;
      out.push_back(j >= 0 && j < static_cast<int>(digits.size()) ? digits[j]
                                                                  : '0');
    }
  }
  return out;
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
  if (p != std::string::npos && s.size() - p == 3) s.insert(p + 2, "0");
  return s;
}

size_t RuneCount(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

struct Spec {
  bool minus = false, plus = false, space = false, zero = false, sharp = false;
  int width = -1;
  int prec = -1;
  char verb = 0;
};

void Pad(std::string& out, const Spec& spec, std::string_view body) {
  size_t n = RuneCount(body);
  if (spec.width < 0 || n >= static_cast<size_t>(spec.width)) {
    out.append(body);
    return;
  }
  size_t fill = spec.width - n;
  if (spec.minus) {
    out.append(body);
    out.append(fill, ' ');
  } else {
    out.append(fill, ' ');
    out.append(body);
  }
}

// Pads a signed number, zero-filling after the sign when asked (fmt's '0').
void PadNumber(std::string& out, const Spec& spec, std::string body,
               bool allow_zero) {
  if (spec.zero && allow_zero && !spec.minus && spec.width > 0 &&
      static_cast<int>(body.size()) < spec.width) {
    size_t sign =
        (!body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' '))
            ? 1
            : 0;
    body.insert(sign, spec.width - body.size(), '0');
    out.append(body);
    return;
  }
  Pad(out, spec, body);
}

void FormatInteger(std::string& out, const Spec& spec, int64_t v) {
  bool neg = v < 0;
  uint64_t u = neg ? -static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  int base = 10;
  bool upper = false;
  switch (spec.verb) {
    case 'b':
      base = 2;
      break;
    case 'o':
    case 'O':
      base = 8;
      break;
    case 'x':
      base = 16;
      break;
    case 'X':
      base = 16;
      upper = true;
      break;
    default:
      break;
  }
  std::string digits;
  const char* table = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  do {
    digits.insert(digits.begin(), table[u % base]);
    u /= base;
  } while (u != 0);
  if (spec.prec == 0 && v == 0) digits.clear();
  if (spec.prec > static_cast<int>(digits.size())) {
    digits.insert(0, spec.prec - digits.size(), '0');
  }
  std::string prefix;
  if (spec.verb == 'O') prefix = "0o";
  if (spec.sharp) {
    if (base == 16) prefix = upper ? "0X" : "0x";
    if (base == 8 && (digits.empty() || digits[0] != '0')) prefix = "0";
    if (base == 2) prefix = "0b";
  }
  std::string sign = neg ? "-" : spec.plus ? "+" : spec.space ? " " : "";
  PadNumber(out, spec, sign + prefix + digits, spec.prec < 0);
}

void FormatFloatVerb(std::string& out, const Spec& spec, double v) {
  char verb = spec.verb == 'v' ? 'g' : spec.verb;
  int prec = spec.prec;
  if (prec < 0 && (verb == 'e' || verb == 'E' || verb == 'f' || verb == 'F')) {
    prec = 6;
  }
  char lower = static_cast<char>(verb | 0x20);
  std::string body = FormatFloat(v, lower == 'f' ? 'f' : lower, prec);
  if (verb == 'E' || verb == 'G' || verb == 'X') {
    for (char& c : body) {
      if (c != 'I' && c != 'n' && c != 'f' && c != 'N' && c != 'a') {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
    }
  }
  bool finite = std::isfinite(v);
  if (std::isnan(v)) {
    body = spec.plus ? "+NaN" : spec.space ? " NaN" : "NaN";
  } else if (body[0] != '-' && body[0] != '+') {
    if (spec.plus) {
      body.insert(0, "+");
    } else if (spec.space) {
      body.insert(0, " ");
    }
  }
  PadNumber(out, spec, body, finite);
}

void BadVerb(std::string& out, char verb, const Value& v) {
  out += "%!";
  out.push_back(verb);
  out.push_back('(');
  if (!v.valid()) {
    out += "<nil>";
  } else {
    Append(&out, v.TypeName(), "=");
    AppendGoValue(out, v, false);
  }
  out.push_back(')');
}

bool IsStringer(Kind k) { return k == Kind::kTime || k == Kind::kDuration; }

void FormatString(std::string& out, const Spec& spec, std::string_view s) {
  switch (spec.verb) {
    case 'v':
    case 's': {
      if (spec.prec >= 0) {
        size_t runes = 0, i = 0;
        for (; i < s.size(); ++i) {
          if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
            if (runes == static_cast<size_t>(spec.prec)) break;
            ++runes;
          }
        }
        s = s.substr(0, i);
      }
      Pad(out, spec, s);
      return;
    }
    case 'q': {
      bool raw = spec.sharp && s.find('`') == std::string_view::npos;
      for (char c : s) {
        if (c != '\t' && (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)) {
          raw = false;
        }
      }
      Pad(out, spec, raw ? Cat("`", s, "`") : GoQuote(s));
      return;
    }
    case 'x':
    case 'X': {
      const char* table =
          spec.verb == 'x' ? "0123456789abcdef" : "0123456789ABCDEF";
      std::string hex;
      for (size_t i = 0; i < s.size(); ++i) {
        if (spec.space && i > 0) hex.push_back(' ');
        if (spec.sharp && (spec.space || i == 0)) {
          hex += spec.verb == 'x' ? "0x" : "0X";
        }
        unsigned char c = static_cast<unsigned char>(s[i]);
        hex.push_back(table[c >> 4]);
        hex.push_back(table[c & 15]);
      }
      Pad(out, spec, hex);
      return;
    }
    default:
      break;
  }
}

void FormatArg(std::string& out, const Spec& spec, const Value& v) {
  char verb = spec.verb;
  if (verb == 'T') {
    Pad(out, spec, v.valid() ? v.TypeName() : "<nil>");
    return;
  }
  switch (v.kind()) {
    case Kind::kInvalid:
      if (verb == 'v') {
        Pad(out, spec, "<nil>");
      } else {
        BadVerb(out, verb, v);
      }
      return;
    case Kind::kBool:
      if (verb == 'v' || verb == 't') {
        Pad(out, spec, v.b() ? "true" : "false");
      } else {
        BadVerb(out, verb, v);
      }
      return;
    case Kind::kInt:
      switch (verb) {
        case 'v':
        case 'd': {
          Spec s = spec;
          s.verb = 'd';
          FormatInteger(out, s, v.i());
          return;
        }
        case 'b':
        case 'o':
        case 'O':
        case 'x':
        case 'X':
          FormatInteger(out, spec, v.i());
          return;
        case 'c': {
          std::string r;
          uint32_t c = static_cast<uint32_t>(v.i());
          if (c < 0x80) {
            r.push_back(static_cast<char>(c));
          } else if (c < 0x800) {
            r.push_back(static_cast<char>(0xC0 | (c >> 6)));
            r.push_back(static_cast<char>(0x80 | (c & 0x3F)));
          } else if (c < 0x10000) {
            r.push_back(static_cast<char>(0xE0 | (c >> 12)));
            r.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
            r.push_back(static_cast<char>(0x80 | (c & 0x3F)));
          } else {
            r.push_back(static_cast<char>(0xF0 | (c >> 18)));
            r.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
            r.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
            r.push_back(static_cast<char>(0x80 | (c & 0x3F)));
          }
          Pad(out, spec, r);
          return;
        }
        case 'U': {
          char buf[32];
          std::snprintf(buf, sizeof(buf), "U+%04llX",
                        static_cast<unsigned long long>(v.i()));
          Pad(out, spec, buf);
          return;
        }
        default:
          BadVerb(out, verb, v);
          return;
      }
    case Kind::kFloat:
      switch (verb) {
        case 'v':
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G':
        case 'x':
        case 'X':
          FormatFloatVerb(out, spec, v.f());
          return;
        default:
          BadVerb(out, verb, v);
          return;
      }
    case Kind::kString:
    case Kind::kHtml:
      if (verb == 'v' || verb == 's' || verb == 'q' || verb == 'x' ||
          verb == 'X') {
        FormatString(out, spec, v.s());
      } else {
        BadVerb(out, verb, v);
      }
      return;
    default:
      if (IsStringer(v.kind()) && (verb == 'v' || verb == 's' || verb == 'q' ||
                                   verb == 'x' || verb == 'X')) {
        FormatString(out, spec, GoValueString(v));
        return;
      }
      if (IsStringer(v.kind())) {
        BadVerb(out, verb, v);
        return;
      }
      // Composite values: Go applies the verb to each element; printing
      // them with %v is what templates need in practice.
      Pad(out, spec, GoValueString(v));
      return;
  }
}

}  // namespace

std::string FormatFloat(double v, char fmt, int prec) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (fmt == 'x') return HexFloat(v, prec);
  bool neg = std::signbit(v);
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
  std::string digits;
  int dp;
  ShortestDigits(v, digits, dp);
  int nd = static_cast<int>(digits.size());
  switch (fmt) {
    case 'e':
      return LayoutE(neg, digits, dp, nd - 1);
    case 'f':
      return LayoutF(neg, digits, dp, std::max(nd - dp, 0));
    default: {
      // strconv: the shortest %g switches to %e when the exponent is < -4
      // or >= 6, hence fmt.Sprint(1e6) == "1e+06".
      int exp = dp - 1;
      if (digits == "0") exp = 0;
      if (exp < -4 || exp >= 6) return LayoutE(neg, digits, dp, nd - 1);
      return LayoutF(neg, digits, dp, std::max(nd - dp, 0));
    }
  }
}

std::string GoSprintf(std::string_view format, const std::vector<Value>& args) {
  std::string out;
  size_t argi = 0;
  size_t i = 0;
  while (i < format.size()) {
    char c = format[i];
    if (c != '%') {
      out.push_back(c);
      ++i;
      continue;
    }
    ++i;
    Spec spec;
    for (; i < format.size(); ++i) {
      char f = format[i];
      if (f == '-') {
        spec.minus = true;
        spec.zero = false;
      } else if (f == '+') {
        spec.plus = true;
      } else if (f == ' ') {
        spec.space = true;
      } else if (f == '0') {
        spec.zero = !spec.minus;
      } else if (f == '#') {
        spec.sharp = true;
      } else {
        break;
      }
    }
    auto read_num = [&](int& dst) {
      if (i < format.size() && format[i] == '*') {
        ++i;
        if (argi < args.size() && args[argi].kind() == Kind::kInt) {
          dst = static_cast<int>(args[argi].i());
          ++argi;
          if (dst < 0 && &dst == &spec.width) {
            spec.minus = true;
            dst = -dst;
          }
        } else {
          out += "%!(BADWIDTH)";
          if (argi < args.size()) ++argi;
        }
        return;
      }
      int n = -1;
      while (i < format.size() && format[i] >= '0' && format[i] <= '9') {
        n = (n < 0 ? 0 : n) * 10 + (format[i] - '0');
        if (n > 1000000) n = 1000000;
        ++i;
      }
      if (n >= 0) dst = n;
    };
    read_num(spec.width);
    if (i < format.size() && format[i] == '.') {
      ++i;
      spec.prec = 0;
      read_num(spec.prec);
    }
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    spec.verb = format[i++];
    if (spec.verb == '%') {
      out.push_back('%');
      continue;
    }
    if (argi >= args.size()) {
      out += "%!";
      out.push_back(spec.verb);
      out += "(MISSING)";
      continue;
    }
    FormatArg(out, spec, args[argi++]);
  }
  if (argi < args.size()) {
    out += "%!(EXTRA ";
    for (size_t k = argi; k < args.size(); ++k) {
      if (k > argi) out += ", ";
      if (!args[k].valid()) {
        out += "<nil>";
      } else {
        Append(&out, args[k].TypeName(), "=");
        AppendGoValue(out, args[k], false);
      }
    }
    out += ")";
  }
  return out;
}

std::string GoSprint(const std::vector<Value>& args) {
  std::string out;
  bool prev_string = false;
  for (size_t k = 0; k < args.size(); ++k) {
    bool is_string = args[k].kind() == Kind::kString;
    if (k > 0 && !is_string && !prev_string) out.push_back(' ');
    if (args[k].valid()) {
      AppendGoValue(out, args[k], false);
    } else {
      out += "<nil>";
    }
    prev_string = is_string;
  }
  return out;
}

std::string GoSprintln(const std::vector<Value>& args) {
  std::string out;
  for (size_t k = 0; k < args.size(); ++k) {
    if (k > 0) out.push_back(' ');
    AppendGoValue(out, args[k], false);
  }
  out.push_back('\n');
  return out;
}

std::string GoDurationString(int64_t nanos) {
  if (nanos == 0) return "0s";
  bool neg = nanos < 0;
  uint64_t u = neg ? -static_cast<uint64_t>(nanos) : nanos;
  // Appends the fraction of u/10^prec without trailing zeros; returns the
  // integer part.
  auto frac = [](uint64_t v, int prec, std::string& tail) {
    uint64_t pow = 1;
    for (int k = 0; k < prec; ++k) pow *= 10;
    uint64_t f = v % pow;
    if (f != 0) {
      std::string d(prec, '0');
      for (int k = prec - 1; k >= 0; --k) {
        d[k] = static_cast<char>('0' + f % 10);
        f /= 10;
      }
      while (!d.empty() && d.back() == '0') d.pop_back();
      tail = "." + d;
    }
    return v / pow;
  };
  std::string out;
  if (u < 1000000000ULL) {
    std::string tail, unit;
    int prec;
    if (u < 1000) {
      prec = 0;
      unit = "ns";
    } else if (u < 1000000) {
      prec = 3;
      unit = "\xC2\xB5s";
    } else {
      prec = 6;
      unit = "ms";
    }
    uint64_t whole = frac(u, prec, tail);
    out = Cat(whole, tail, unit);
  } else {
    std::string tail;
    uint64_t secs = frac(u, 9, tail);
    out = Cat(secs % 60, tail, "s");
    uint64_t mins = secs / 60;
    if (mins > 0) {
      out = Cat(mins % 60, "m", out);
      uint64_t hours = mins / 60;
      if (hours > 0) out = Cat(hours, "h", out);
    }
  }
  return neg ? "-" + out : out;
}

std::string GoTimeString(int64_t unix_ms) {
  absl::Time t = absl::FromUnixMillis(unix_ms);
  return absl::FormatTime("%Y-%m-%d %H:%M:%E*S +0000 UTC", t,
                          absl::UTCTimeZone());
}

std::string GoQuote(std::string_view s) { return QuoteString(s); }

}  // namespace vigil::tmpl
