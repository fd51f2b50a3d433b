#include "lib/textparse/lexer.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "lib/model/go_float.h"

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

namespace {

#if defined(__SSE2__)
// Bit i is set when byte i of `v` is a name byte: [A-Za-z0-9_], and ':'
// with `colon`. Bytes from 0x80 up compare as negative: never name bytes.
unsigned NameByteMask(__m128i v, bool colon) {
  auto in_range = [v](char lo, char hi) {
    return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(lo - 1)),
                         _mm_cmplt_epi8(v, _mm_set1_epi8(hi + 1)));
  };
  __m128i m = _mm_or_si128(_mm_or_si128(in_range('a', 'z'), in_range('A', 'Z')),
                           in_range('0', '9'));
  m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('_')));
  if (colon) m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8(':')));
  return static_cast<unsigned>(_mm_movemask_epi8(m));
}
#endif

// Names are a good part of every series line; sixteen bytes per step.
const char* ScanNameChars(const char* p, const char* end, bool colon) {
#if defined(__SSE2__)
  while (end - p >= 16) {
    const unsigned mask = NameByteMask(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), colon);
    if (mask != 0xFFFF) return p + std::countr_one(mask);
    p += 16;
  }
#endif
  while (p < end && (IsLabelNameChar(*p) || (colon && *p == ':'))) ++p;
  return p;
}

}  // namespace

const char* ScanMetricNameChars(const char* p, const char* end) {
  return ScanNameChars(p, end, /*colon=*/true);
}

const char* ScanLabelNameChars(const char* p, const char* end) {
  return ScanNameChars(p, end, /*colon=*/false);
}

FloatStatus ParseFloat(std::string_view s, double* out) {
  // Most sample values are small non-negative integers (kube-state-metrics'
  // 0s and 1s): exact in a double up to 15 digits, no need for from_chars.
  if (!s.empty() && s.size() <= 15) {
    uint64_t v = 0;
    size_t i = 0;
    while (i < s.size() && IsDigit(s[i]))
      v = v * 10 + static_cast<uint64_t>(s[i++] - '0');
    if (i == s.size()) {
      *out = static_cast<double>(v);
      return FloatStatus::kOk;
    }
  }
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
  const size_t start = out->size();
  AppendGoFloat(f, out);
  const std::string_view text(out->data() + start, out->size() - start);
  if (std::isfinite(f) && text.find_first_of(".e") == std::string_view::npos) {
    out->append(".0");
  }
}

}  // namespace vigil::textparse::internal
