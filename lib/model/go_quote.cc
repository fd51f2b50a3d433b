#include "lib/model/go_quote.h"

#include <cstdio>

#include "lib/model/utf8.h"

namespace vigil {
namespace {

// strconv.IsPrint, which strconv.Quote, strconv.QuoteRune and %#U all use,
// approximated: ASCII graphic characters and space, and every valid rune
// from U+00A0 on. Go's tables also count a few of those as unprintable
// (U+00AD, unassigned code points); vigil has always printed them as they
// are, and every message that quotes them keeps doing so.
bool IsPrint(int32_t r) {
  if (r < 0x80) return r >= 0x20 && r < 0x7F;
  return r >= 0xA0 && IsValidRune(r);
}

void AppendHex(uint32_t v, char prefix, int digits, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('\\');
  out->push_back(prefix);
  for (int d = digits - 1; d >= 0; --d) {
    out->push_back(kHex[(v >> (4 * d)) & 0xF]);
  }
}

// strconv's appendEscapedRune for a valid rune. The one difference between
// quoting a string and quoting a rune is which quote character is escaped:
// `quote` is '"' for strconv.Quote and '\'' for strconv.QuoteRune.
void AppendEscapedRune(int32_t r, char quote, std::string* out) {
  if (r == quote || r == '\\') {
    out->push_back('\\');
    out->push_back(static_cast<char>(r));
    return;
  }
  if (IsPrint(r)) {
    AppendRune(r, out);
    return;
  }
  switch (r) {
    case '\a':
      out->append("\\a");
      return;
    case '\b':
      out->append("\\b");
      return;
    case '\f':
      out->append("\\f");
      return;
    case '\n':
      out->append("\\n");
      return;
    case '\r':
      out->append("\\r");
      return;
    case '\t':
      out->append("\\t");
      return;
    case '\v':
      out->append("\\v");
      return;
    default:
      break;
  }
  if (r < 0x80) {
    AppendHex(r, 'x', 2, out);
  } else if (r < 0x10000) {
    AppendHex(r, 'u', 4, out);
  } else {
    AppendHex(r, 'U', 8, out);
  }
}

}  // namespace

std::string QuoteString(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    int width;
    const int32_t r = DecodeRune(s, i, &width);
    if (r == kRuneError && width == 1) {
      AppendHex(static_cast<unsigned char>(s[i]), 'x', 2, &out);
    } else {
      AppendEscapedRune(r, '"', &out);
    }
    i += static_cast<size_t>(width);
  }
  out.push_back('"');
  return out;
}

std::string QuoteRune(int32_t r) {
  std::string out = "'";
  AppendEscapedRune(IsValidRune(r) ? r : kRuneError, '\'', &out);
  out.push_back('\'');
  return out;
}

std::string FormatRuneU(int32_t r) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "U+%04X", static_cast<unsigned>(r));
  std::string out = buf;
  if (IsPrint(r)) {
    out.append(" '");
    AppendRune(r, &out);
    out.push_back('\'');
  }
  return out;
}

}  // namespace vigil
