// Request parameters as Prometheus's API reads them: Go's url.ParseQuery
// form decoding (body before URL, as r.FormValue), and parseTime /
// parseDuration / parseLimitParam with their error messages. Internal to
// vigil_api.
#ifndef VIGIL_LIB_API_PARAMS_H_
#define VIGIL_LIB_API_PARAMS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "vigil/api.h"
#include "vigil/matcher.h"

namespace vigil::api {

// Prometheus's MinTime / MaxTime (web/api/v1), the defaults of unbounded
// start / end, in milliseconds.
inline constexpr int64_t kMinTimeMs = -9223309901257974LL * 1000;
inline constexpr int64_t kMaxTimeMs = 9223309901257974LL * 1000 + 999;

// Decoded form values, in the order Go's r.Form holds them.
class Form {
 public:
  // Appends the pairs of an urlencoded string. A malformed pair is skipped
  // and remembered (Go keeps going and reports the first error).
  void Parse(std::string_view encoded);

  // The first value of `name`, "" when absent (r.FormValue).
  std::string_view Value(std::string_view name) const;
  bool Has(std::string_view name) const;
  // Every value of `name` (r.Form["match[]"]).
  std::vector<std::string> Values(std::string_view name) const;
  // The first decoding error, if any (r.ParseForm's error).
  const std::optional<std::string>& error() const { return error_; }

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
  std::optional<std::string> error_;
};

// Go's url.QueryUnescape; nullopt on a malformed %-escape.
std::optional<std::string> QueryUnescape(std::string_view s);

// ParseTimeMs and ParseDurationNs (parseTime, parseDuration) are public,
// in vigil/api.h.
// Go's strconv.Atoi (an optional sign, decimal digits, int64 range); the
// errors carry its messages.
absl::StatusOr<int64_t> ParseGoAtoi(std::string_view s);
// parseLimitParam: "" is 0 (no limit); errors are strconv.Atoi's or
// "limit must be non-negative".
absl::StatusOr<int64_t> ParseLimit(std::string_view s);

// parseTimeParam: `def` when the parameter is absent or empty; errors read
// "Invalid time value for '<name>': cannot parse …".
absl::StatusOr<int64_t> ParseTimeParam(const Form& form, std::string_view name,
                                       int64_t def);
// parseMatchersParam: each match[] a series selector, each set needing a
// matcher that rejects the empty value.
absl::StatusOr<std::vector<Matchers>> ParseMatchersParam(
    const std::vector<std::string>& values);

// Go's strconv.ParseFloat for the decimal forms ("1.5", "+2", "1e3",
// "Inf", "NaN"); false when `s` is not one.
bool ParseGoFloat(std::string_view s, double* out);

// Prometheus 3's "U__" label name escaping (model.UnescapeName with
// ValueEncodingEscaping); a name without the prefix, or malformed, is
// returned unchanged.
std::string UnescapeLabelName(std::string_view name);

}  // namespace vigil::api

#endif  // VIGIL_LIB_API_PARAMS_H_
