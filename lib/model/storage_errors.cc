// The append errors of vigil/storage.h, worded as Prometheus's storage errors
// (storage/interface.go) so that logs and API answers read the same.
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "lib/model/absl_compat.h"
#include "lib/model/go_float.h"
#include "vigil/storage.h"

namespace vigil {
namespace {

constexpr std::string_view kOutOfOrder = "out of order sample";
constexpr std::string_view kOutOfBounds = "out of bounds";
constexpr std::string_view kDuplicate = "duplicate sample for timestamp";
constexpr std::string_view kEmptyLabelset = "empty labelset: invalid sample";

}  // namespace

absl::Status OutOfOrderSampleError() {
  return absl::InvalidArgumentError(ToAbsl(kOutOfOrder));
}

absl::Status OutOfBoundsError() {
  return absl::InvalidArgumentError(ToAbsl(kOutOfBounds));
}

absl::Status EmptyLabelsetError() {
  return absl::InvalidArgumentError(ToAbsl(kEmptyLabelset));
}

absl::Status DuplicateSampleError(int64_t t, double existing,
                                  double new_value) {
  // Prometheus prints the bare message for t == 0 (its sentinel value).
  if (t == 0) return absl::InvalidArgumentError(ToAbsl(kDuplicate));
  return absl::InvalidArgumentError(absl::StrCat(
      ToAbsl(kDuplicate), " ", t, "; overrides not allowed: existing ",
      GoFormatFloat(existing), ", new value ", GoFormatFloat(new_value)));
}

AppendError ClassifyAppendError(const absl::Status& status) {
  if (status.ok()) return AppendError::kNone;
  const std::string_view msg = FromAbsl(status.message());
  if (msg == kOutOfOrder) return AppendError::kOutOfOrder;
  if (msg == kOutOfBounds) return AppendError::kOutOfBounds;
  if (msg.starts_with(kDuplicate)) return AppendError::kDuplicate;
  if (msg == kEmptyLabelset) return AppendError::kInvalid;
  return AppendError::kOther;
}

}  // namespace vigil
