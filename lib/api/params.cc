// Parameter decoding as Go's net/url and Prometheus's web/api/v1 helpers.
#include "lib/api/params.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "lib/model/absl_compat.h"
#include "lib/model/duration.h"
#include "lib/model/go_quote.h"
#include "lib/model/go_time.h"
#include "lib/model/utf8.h"
#include "vigil/promql/parser.h"

namespace vigil::api {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Prometheus's minTimeFormatted / maxTimeFormatted: what client_golang
// sends for an unbounded range, years Go's time.Parse cannot read.
constexpr std::string_view kMinTimeFormatted = "-292273086-05-16T16:47:06Z";
constexpr std::string_view kMaxTimeFormatted =
    "292277025-08-18T07:12:54.999999999Z";

// Past this many seconds a timestamp no longer fits int64 milliseconds.
constexpr double kMaxTimestampSeconds = 9.2e15;

absl::Status TimestampError(std::string_view s) {
  return absl::InvalidArgumentError(
      absl::StrCat("cannot parse ", QuoteString(s), " to a valid timestamp"));
}

}  // namespace

std::optional<std::string> QueryUnescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = HexValue(s[i + 1]);
      const int lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void Form::Parse(std::string_view encoded) {
  while (!encoded.empty()) {
    const size_t amp = encoded.find('&');
    std::string_view pair = encoded.substr(0, amp);
    encoded = amp == std::string_view::npos ? std::string_view()
                                            : encoded.substr(amp + 1);
    // Go 1.17+ refuses ';' as a separator rather than guessing.
    if (pair.find(';') != std::string_view::npos) {
      if (!error_) error_ = "invalid semicolon separator in query";
      continue;
    }
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string_view raw_key = pair.substr(0, eq);
    std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    auto key = QueryUnescape(raw_key);
    auto value = key ? QueryUnescape(raw_value) : std::nullopt;
    if (!key || !value) {
      if (!error_) {
        error_ = absl::StrCat("invalid URL escape in ", QuoteString(pair));
      }
      continue;
    }
    pairs_.emplace_back(std::move(*key), std::move(*value));
  }
}

std::string_view Form::Value(std::string_view name) const {
  for (const auto& [k, v] : pairs_) {
    if (k == name) return v;
  }
  return {};
}

bool Form::Has(std::string_view name) const {
  for (const auto& kv : pairs_) {
    if (kv.first == name) return true;
  }
  return false;
}

std::vector<std::string> Form::Values(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : pairs_) {
    if (k == name) out.push_back(v);
  }
  return out;
}

bool ParseGoFloat(std::string_view s, double* out) {
  if (s.empty()) return false;
  bool neg = false;
  std::string_view rest = s;
  if (rest[0] == '+' || rest[0] == '-') {
    neg = rest[0] == '-';
    rest.remove_prefix(1);
  }
  const std::string lower = absl::AsciiStrToLower(ToAbsl(rest));
  if (lower == "inf" || lower == "infinity") {
    *out = neg ? -std::numeric_limits<double>::infinity()
               : std::numeric_limits<double>::infinity();
    return true;
  }
  if (lower == "nan") {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (rest.empty() || rest[0] == '+' || rest[0] == '-') return false;
  // from_chars also reads spellings Go rejects ("infin", "nan(1)").
  if (lower.find_first_not_of("0123456789.e+-") != std::string::npos) {
    return false;
  }
  double v = 0;
  auto res = std::from_chars(rest.data(), rest.data() + rest.size(), v,
                             std::chars_format::general);
  // Go reports a range error for overflow; the caller treats it as "not a
  // float".
  if (res.ec != std::errc() || res.ptr != rest.data() + rest.size()) {
    return false;
  }
  *out = neg ? -v : v;
  return true;
}

absl::StatusOr<int64_t> ParseTimeMs(std::string_view s) {
  double f = 0;
  if (ParseGoFloat(s, &f)) {
    if (!std::isfinite(f) || std::fabs(f) > kMaxTimestampSeconds) {
      return TimestampError(s);
    }
    double whole = 0;
    const double frac = std::modf(f, &whole);
    // Prometheus rounds the fraction to the millisecond.
    return static_cast<int64_t>(whole) * 1000 +
           static_cast<int64_t>(std::round(frac * 1000));
  }
  // Go's time.Parse: a four-digit year, so always within MinTime..MaxTime
  // (absl::ParseTime read "292278025-08-18T07:12:54Z" and saturated).
  if (std::optional<int64_t> ms = ParseRfc3339Ms(s)) return *ms;
  if (s == kMinTimeFormatted) return kMinTimeMs;
  if (s == kMaxTimeFormatted) return kMaxTimeMs;
  return TimestampError(s);
}

absl::StatusOr<int64_t> ParseDurationNs(std::string_view s) {
  double f = 0;
  if (ParseGoFloat(s, &f)) {
    const double ns = f * 1e9;
    if (ns >= 9223372036854775807.0 || ns < -9223372036854775808.0) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot parse ", QuoteString(s),
                       " to a valid duration. It overflows int64"));
    }
    if (!std::isnan(ns)) return static_cast<int64_t>(ns);
  } else if (auto ms = ParseDurationMs(s);
             ms.ok() && *ms <= std::numeric_limits<int64_t>::max() / 1000000) {
    return *ms * 1000000;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("cannot parse ", QuoteString(s), " to a valid duration"));
}

absl::StatusOr<int64_t> ParseGoAtoi(std::string_view s) {
  std::string_view digits = s;
  bool neg = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    neg = digits[0] == '-';
    digits.remove_prefix(1);
  }
  uint64_t v = 0;
  auto res = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  const bool syntax_ok = !digits.empty() &&
                         res.ptr == digits.data() + digits.size() &&
                         res.ec != std::errc::invalid_argument;
  if (!syntax_ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "strconv.Atoi: parsing ", QuoteString(s), ": invalid syntax"));
  }
  const uint64_t max =
      static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) +
      (neg ? 1 : 0);
  if (res.ec == std::errc::result_out_of_range || v > max) {
    return absl::InvalidArgumentError(absl::StrCat(
        "strconv.Atoi: parsing ", QuoteString(s), ": value out of range"));
  }
  return neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
}

absl::StatusOr<int64_t> ParseLimit(std::string_view s) {
  if (s.empty()) return 0;
  absl::StatusOr<int64_t> v = ParseGoAtoi(s);
  if (!v.ok()) return v.status();
  if (*v < 0) return absl::InvalidArgumentError("limit must be non-negative");
  return *v;
}

absl::StatusOr<int64_t> ParseTimeParam(const Form& form, std::string_view name,
                                       int64_t def) {
  std::string_view v = form.Value(name);
  if (v.empty()) return def;
  auto t = ParseTimeMs(v);
  if (!t.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Invalid time value for '", ToAbsl(name), "': ", t.status().message()));
  }
  return t;
}

absl::StatusOr<std::vector<Matchers>> ParseMatchersParam(
    const std::vector<std::string>& values) {
  std::vector<Matchers> sets;
  for (const std::string& v : values) {
    auto ms = promql::ParseMetricSelector(v);
    if (!ms.ok()) return ms.status();
    sets.push_back(std::move(*ms));
  }
  // Prometheus refuses selectors that would match every series, e.g.
  // {foo=""}: at least one matcher must reject the empty value.
  for (const Matchers& ms : sets) {
    bool selective = false;
    for (const Matcher& m : ms) {
      if (!m.Matches("")) {
        selective = true;
        break;
      }
    }
    if (!selective) {
      return absl::InvalidArgumentError(
          "match[] must contain at least one non-empty matcher");
    }
  }
  return sets;
}

std::string UnescapeLabelName(std::string_view name) {
  constexpr std::string_view kPrefix = "U__";
  if (name.substr(0, kPrefix.size()) != kPrefix) return std::string(name);
  std::string_view esc = name.substr(kPrefix.size());
  std::string out;
  for (size_t i = 0; i < esc.size(); ++i) {
    if (esc[i] != '_') {
      out.push_back(esc[i]);
      continue;
    }
    ++i;
    if (i >= esc.size()) return std::string(name);
    if (esc[i] == '_') {
      out.push_back('_');
      continue;
    }
    // `_<hex code point>_`, at most six hex digits.
    uint32_t cp = 0;
    size_t digits = 0;
    while (i < esc.size() && esc[i] != '_') {
      const int h = HexValue(esc[i]);
      // Go gives up at the sixth hex digit.
      if (h < 0 || ++digits > 5) return std::string(name);
      cp = cp * 16 + static_cast<uint32_t>(h);
      ++i;
    }
    if (i >= esc.size() || !IsValidRune(static_cast<int32_t>(cp))) {
      return std::string(name);
    }
    AppendRune(cp, &out);
  }
  return out;
}

}  // namespace vigil::api
