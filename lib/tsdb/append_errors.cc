#include "lib/tsdb/append_errors.h"

#include <charconv>
#include <cmath>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "vigil/tsdb.h"

namespace vigil::tsdb {
namespace {

constexpr std::string_view kOutOfOrder = "out of order sample";
constexpr std::string_view kOutOfBounds = "out of bounds";
constexpr std::string_view kDuplicate = "duplicate sample for timestamp";
constexpr std::string_view kEmptyLabelset = "empty labelset: invalid sample";

// Go's strconv.FormatFloat(v, 'g', -1, 64): the shortest digits that
// round-trip, in exponent form when the exponent is < -4 or >= 6 (the
// threshold Go uses for the shortest precision).
std::string GoFormatG(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto sci =
      std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string_view s(buf, static_cast<size_t>(sci.ptr - buf));
  const size_t e = s.find('e');
  int exp = 0;
  std::from_chars(s.data() + e + (s[e + 1] == '+' ? 2 : 1), s.data() + s.size(),
                  exp);
  if (exp < -4 || exp >= 6) return std::string(s);
  auto fixed =
      std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  return std::string(buf, static_cast<size_t>(fixed.ptr - buf));
}

// Abseil 20220623's string_view is its own type.
absl::string_view AsAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

absl::Status OutOfOrderError() {
  return absl::InvalidArgumentError(AsAbsl(kOutOfOrder));
}

absl::Status OutOfBoundsError() {
  return absl::InvalidArgumentError(AsAbsl(kOutOfBounds));
}

absl::Status EmptyLabelsetError() {
  return absl::InvalidArgumentError(AsAbsl(kEmptyLabelset));
}

absl::Status DuplicateSampleError(int64_t t, double existing,
                                  double new_value) {
  // Prometheus prints the bare message for t == 0 (its sentinel value).
  if (t == 0) return absl::InvalidArgumentError(AsAbsl(kDuplicate));
  return absl::InvalidArgumentError(absl::StrCat(
      AsAbsl(kDuplicate), " ", t, "; overrides not allowed: existing ",
      GoFormatG(existing), ", new value ", GoFormatG(new_value)));
}

AppendError ClassifyAppendError(const absl::Status& status) {
  if (status.ok()) return AppendError::kNone;
  const std::string_view msg(status.message().data(), status.message().size());
  if (msg == kOutOfOrder) return AppendError::kOutOfOrder;
  if (msg == kOutOfBounds) return AppendError::kOutOfBounds;
  if (StartsWith(msg, kDuplicate)) return AppendError::kDuplicate;
  if (msg == kEmptyLabelset) return AppendError::kInvalid;
  return AppendError::kOther;
}

}  // namespace vigil::tsdb
