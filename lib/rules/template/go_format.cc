#include "lib/rules/template/go_format.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/time/time.h"
#include "lib/model/absl_compat.h"
#include "lib/model/go_float.h"
#include "lib/model/go_quote.h"
#include "lib/model/utf8.h"

namespace vigil::tmpl {
namespace {

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
  std::string body = GoFormatFloat(v, lower == 'f' ? 'f' : lower, prec);
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
      Pad(out, spec, raw ? Cat("`", s, "`") : QuoteString(s));
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
          // Unchecked: a surrogate or a value past U+10FFFF keeps the bytes
          // vigil has always written for it, where Go writes U+FFFD.
          AppendRune(static_cast<uint32_t>(v.i()), &r);
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

void AppendStringMap(std::string& out, const StringMap& m) {
  out += "map[";
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) out.push_back(' ');
    first = false;
    Append(&out, k, ":", v);
  }
  out += "]";
}

void AppendSample(std::string& out, const QuerySample& s) {
  out += "{";
  AppendStringMap(out, s.labels);
  Append(&out, " ", GoFormatFloat(s.value), "}");
}

}  // namespace

std::string GoSprintf(std::string_view format, const std::vector<Value>& args) {
  std::string out;
  size_t argi = 0;
  size_t i = 0;
  // Each verb adds at most a million-rune pad; a format with many of them
  // stops once the result is past what any template may hold, which the
  // executor then reports.
  while (i < format.size() && out.size() <= kMaxOutputBytes) {
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
    // fmt's tooLarge: widths and precisions stay within a million.
    constexpr int kMaxNum = 1000000;
    // parsenum: a literal number. Past kMaxNum with digits still to come,
    // Go gives up on the rest of the format, which ends in %!(NOVERB).
    auto literal = [&](int& dst) {
      int n = 0;
      bool any = false;
      while (i < format.size() && format[i] >= '0' && format[i] <= '9') {
        if (n > kMaxNum) {
          i = format.size();
          return;
        }
        n = n * 10 + (format[i] - '0');
        any = true;
        ++i;
      }
      if (any) dst = n;
    };
    // intFromArg: '*' takes an int argument; any other argument, or one
    // past kMaxNum, is %!(BADWIDTH) or %!(BADPREC).
    auto star = [&](int& dst) {
      ++i;
      const bool ok = argi < args.size() && args[argi].kind() == Kind::kInt &&
                      args[argi].i() >= -kMaxNum && args[argi].i() <= kMaxNum;
      const int n = ok ? static_cast<int>(args[argi].i()) : 0;
      if (argi < args.size()) ++argi;
      if (&dst == &spec.width) {
        if (!ok) {
          out += "%!(BADWIDTH)";
          return;
        }
        if (n < 0) {
          // A negative width pads on the right, never with zeros.
          spec.minus = true;
          spec.zero = false;
        }
        dst = n < 0 ? -n : n;
        return;
      }
      if (!ok || n < 0) {
        out += "%!(BADPREC)";
        return;
      }
      dst = n;
    };
    if (i < format.size() && format[i] == '*') {
      star(spec.width);
    } else {
      literal(spec.width);
    }
    // A '.' ending the format is its verb, not a precision.
    if (i + 1 < format.size() && format[i] == '.') {
      ++i;
      spec.prec = 0;
      if (format[i] == '*') {
        spec.prec = -1;
        star(spec.prec);
      } else {
        literal(spec.prec);
      }
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

void AppendGoValue(std::string& out, const Value& v, bool top) {
  switch (v.kind()) {
    case Kind::kInvalid:
      out += top ? "<no value>" : "<nil>";
      return;
    case Kind::kBool:
      out += v.b() ? "true" : "false";
      return;
    case Kind::kInt:
      Append(&out, v.i());
      return;
    case Kind::kFloat:
      AppendGoFloat(v.f(), &out);
      return;
    case Kind::kString:
    case Kind::kHtml:
      out += v.s();
      return;
    case Kind::kStringMap:
      AppendStringMap(out, v.string_map());
      return;
    case Kind::kAnyMap: {
      out += "map[";
      bool first = true;
      for (const auto& [k, e] : v.any_map().entries) {
        if (!first) out.push_back(' ');
        first = false;
        Append(&out, k, ":");
        AppendGoValue(out, e, false);
      }
      out += "]";
      return;
    }
    case Kind::kSamples: {
      // Go prints the element pointers as addresses; the contents are the
      // only stable thing to show.
      out += "[";
      bool first = true;
      for (const auto& s : v.samples()) {
        if (!first) out.push_back(' ');
        first = false;
        out += "&";
        AppendSample(out, *s);
      }
      out += "]";
      return;
    }
    case Kind::kSample:
      if (!top) out += "&";
      AppendSample(out, v.sample());
      return;
    case Kind::kTime:
      out += GoTimeString(v.i());
      return;
    case Kind::kDuration:
      out += GoDurationString(v.i());
      return;
    case Kind::kData: {
      const TemplateData& d = v.data();
      out += "{";
      AppendStringMap(out, d.labels);
      out += " ";
      AppendStringMap(out, d.external_labels);
      Append(&out, " ", d.external_url, " ");
      if (const double* f = std::get_if<double>(&d.value)) {
        AppendGoFloat(*f, &out);
      } else {
        out += std::get<std::string>(d.value);
      }
      out += "}";
      return;
    }
  }
}

std::string GoValueString(const Value& v) {
  std::string out;
  AppendGoValue(out, v, true);
  return out;
}

}  // namespace vigil::tmpl
