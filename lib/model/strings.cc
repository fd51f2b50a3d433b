#include "lib/model/strings.h"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace vigil {
namespace {

bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 if invalid.
size_t DecodeRune(std::string_view s, size_t i, uint32_t* rune) {
  auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *rune = b0;
    return 1;
  }
  size_t len;
  uint32_t r;
  uint32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, r = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, r = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, r = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    r = (r << 6) | (b & 0x3F);
  }
  if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) return 0;
  *rune = r;
  return len;
}

void AppendHex(std::string& out, char prefix, uint32_t v, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('\\');
  out.push_back(prefix);
  for (int d = digits - 1; d >= 0; --d)
    out.push_back(kHex[(v >> (4 * d)) & 0xF]);
}

}  // namespace

bool IsLegacyMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!(IsAlpha(c) || c == ':' || (i > 0 && IsDigit(c)))) return false;
  }
  return true;
}

bool IsLegacyLabelName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!(IsAlpha(c) || (i > 0 && IsDigit(c)))) return false;
  }
  return true;
}

bool IsValidUtf8(std::string_view s) {
  uint32_t rune;
  for (size_t i = 0; i < s.size();) {
    size_t n = DecodeRune(s, i, &rune);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string QuoteString(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    uint32_t rune;
    size_t n = DecodeRune(s, i, &rune);
    if (n == 0) {
      AppendHex(out, 'x', static_cast<unsigned char>(s[i]), 2);
      ++i;
      continue;
    }
    switch (rune) {
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\v':
        out += "\\v";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      default:
        if (rune < 0x20 || rune == 0x7F) {
          AppendHex(out, 'x', rune, 2);
        } else if (rune >= 0x80 && rune < 0xA0) {
          AppendHex(out, 'u', rune, 4);
        } else {
          out.append(s.substr(i, n));
        }
    }
    i += n;
  }
  out.push_back('"');
  return out;
}

std::string QueryEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

void AppendGoFloat(double v, std::string* out) {
  if (std::isnan(v)) {
    out->append("NaN");
    return;
  }
  if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
    return;
  }
  // Shortest round-trip digits; C++'s scientific form ("1.5e+07", exponent
  // of at least two digits) is also exactly Go's %e form.
  char buf[64];
  const auto res =
      std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
  const size_t e = sci.find('e');
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
  const size_t int_len = static_cast<size_t>(exp) + 1;
  if (digits.size() <= int_len) {
    out->append(digits);
    out->append(int_len - digits.size(), '0');
    return;
  }
  out->append(digits, 0, int_len);
  out->push_back('.');
  out->append(digits, int_len);
}

}  // namespace vigil
