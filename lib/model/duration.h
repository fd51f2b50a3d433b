// Prometheus's duration notation (model.Duration): "1h30m", "5m", "1d",
// "500ms", "0". Used by rule files, configs and promtool test files.
// Internal: not part of the installed API.
#ifndef VIGIL_LIB_MODEL_DURATION_H_
#define VIGIL_LIB_MODEL_DURATION_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace vigil {

// Units y w d h m s ms, each at most once and in that order, as
// model.ParseDuration requires; "0" is zero. Overflow and empty input are
// errors ("not a valid duration string: \"…\"").
absl::StatusOr<int64_t> ParseDurationMs(std::string_view text);

// The inverse, as model.Duration.String(): 90000 → "1m30s", 0 → "0s".
std::string FormatDurationMs(int64_t ms);

}  // namespace vigil

#endif  // VIGIL_LIB_MODEL_DURATION_H_
