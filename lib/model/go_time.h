// Go's time.Parse(time.RFC3339Nano, s), which Prometheus's API (parseTime)
// and promtool's start_timestamp read times with. Go's parser is stricter
// than absl's RFC3339_full in some ways (a four-digit year, 'T' and 'Z' in
// capitals, no surrounding spaces) and laxer in others (a one-digit hour, a
// ',' before the fraction, a zone offset of 24:00). Internal: not part of
// the installed API.
#ifndef VIGIL_LIB_MODEL_GO_TIME_H_
#define VIGIL_LIB_MODEL_GO_TIME_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace vigil {

// "2006-01-02T15:04:05.999999999Z07:00" as Unix milliseconds (the
// fraction past them truncated, as timestamp.FromTime does); nullopt
// where Go's time.Parse fails.
std::optional<int64_t> ParseRfc3339Ms(std::string_view s);

}  // namespace vigil

#endif  // VIGIL_LIB_MODEL_GO_TIME_H_
