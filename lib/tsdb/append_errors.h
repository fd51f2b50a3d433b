// The errors Append() returns, worded as Prometheus's storage errors
// (storage/interface.go) so that logs and API answers read the same. Internal.
#ifndef VIGIL_LIB_TSDB_APPEND_ERRORS_H_
#define VIGIL_LIB_TSDB_APPEND_ERRORS_H_

#include <cstdint>

#include "absl/status/status.h"

namespace vigil::tsdb {

absl::Status OutOfOrderError();
absl::Status OutOfBoundsError();
absl::Status EmptyLabelsetError();
// "duplicate sample for timestamp <t>; overrides not allowed: existing <v>,
// new value <v>", the values printed as Go's %g.
absl::Status DuplicateSampleError(int64_t t, double existing, double new_value);

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_APPEND_ERRORS_H_
