// Go's time.ParseDuration: "1.5s", "500us", "1h2m", "-3ns". Where a Go
// program takes a time.Duration (not Prometheus's model.Duration, see
// duration.h): fractions and ns/us/µs units allowed, no d/w/y, and any
// order. Internal: not part of the installed API.
#ifndef VIGIL_LIB_MODEL_GO_DURATION_H_
#define VIGIL_LIB_MODEL_GO_DURATION_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace vigil {

// Nanoseconds, as time.ParseDuration returns them, with its errors
// ("time: invalid duration \"x\"", "time: missing unit in duration
// \"1\"", "time: unknown unit \"d\" in duration \"1d\""). A value outside
// int64 nanoseconds (about 292 years) is invalid.
absl::StatusOr<int64_t> ParseGoDuration(std::string_view text);

}  // namespace vigil

#endif  // VIGIL_LIB_MODEL_GO_DURATION_H_
