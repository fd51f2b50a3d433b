// Go's time.ParseDuration; see go_duration.h.
#include "lib/model/go_duration.h"

#include <string>

#include "absl/status/status.h"

namespace vigil {
namespace {

constexpr uint64_t kTwo63 = uint64_t{1} << 63;

// The time package's quote: bytes outside printable ASCII as \xNN, '"'
// and '\' escaped (not strconv.Quote).
std::string TimeQuote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80 || c < ' ') {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

absl::Status Invalid(std::string_view orig) {
  return absl::InvalidArgumentError("time: invalid duration " +
                                    TimeQuote(orig));
}

uint64_t UnitNanos(std::string_view u) {
  if (u == "ns") return 1;
  // "µs" as U+00B5 (micro sign) or U+03BC (Greek mu).
  if (u == "us" || u == "\xC2\xB5s" || u == "\xCE\xBCs") return 1'000;
  if (u == "ms") return 1'000'000;
  if (u == "s") return 1'000'000'000;
  if (u == "m") return 60'000'000'000;
  if (u == "h") return 3'600'000'000'000;
  return 0;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

absl::StatusOr<int64_t> ParseGoDuration(std::string_view text) {
  const std::string_view orig = text;
  std::string_view s = text;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) return Invalid(orig);
  uint64_t total = 0;
  while (!s.empty()) {
    if (s[0] != '.' && !IsDigit(s[0])) return Invalid(orig);
    // The integer part: more than 2^63 is an overflow.
    uint64_t v = 0;
    size_t i = 0;
    for (; i < s.size() && IsDigit(s[i]); ++i) {
      if (v > kTwo63 / 10) return Invalid(orig);
      v = v * 10 + static_cast<uint64_t>(s[i] - '0');
      if (v > kTwo63) return Invalid(orig);
    }
    const bool pre = i > 0;
    s.remove_prefix(i);
    // The fraction: digits past what fits are read and dropped.
    uint64_t f = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      bool overflow = false;
      size_t j = 0;
      for (; j < s.size() && IsDigit(s[j]); ++j) {
        if (overflow) continue;
        if (f > (kTwo63 - 1) / 10) {
          overflow = true;
          continue;
        }
        const uint64_t y = f * 10 + static_cast<uint64_t>(s[j] - '0');
        if (y > kTwo63) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = j > 0;
      s.remove_prefix(j);
    }
    if (!pre && !post) return Invalid(orig);  // ".s", "-.s"
    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !IsDigit(s[u])) ++u;
    if (u == 0) {
      return absl::InvalidArgumentError("time: missing unit in duration " +
                                        TimeQuote(orig));
    }
    const std::string_view unit_name = s.substr(0, u);
    s.remove_prefix(u);
    const uint64_t unit = UnitNanos(unit_name);
    if (unit == 0) {
      return absl::InvalidArgumentError("time: unknown unit " +
                                        TimeQuote(unit_name) + " in duration " +
                                        TimeQuote(orig));
    }
    if (v > kTwo63 / unit) return Invalid(orig);
    v *= unit;
    if (f > 0) {
      // As Go: a float64 product, exact to the nanosecond up to hours.
      v += static_cast<uint64_t>(static_cast<double>(f) *
                                 (static_cast<double>(unit) / scale));
      if (v > kTwo63) return Invalid(orig);
    }
    // Go adds first and compares after, which 2^63 + 2^63 wraps past.
    if (v > kTwo63 - total) return Invalid(orig);
    total += v;
  }
  if (neg) {
    // -2^63 is representable; two's complement of the magnitude.
    return static_cast<int64_t>(~total + 1);
  }
  if (total > kTwo63 - 1) return Invalid(orig);
  return static_cast<int64_t>(total);
}

}  // namespace vigil
