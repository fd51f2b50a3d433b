#include "lib/replay/time_text.h"

#include "absl/time/time.h"

namespace vigil::replay {

std::string FormatTimeMs(int64_t ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", absl::FromUnixMillis(ms),
                          absl::UTCTimeZone());
}

}  // namespace vigil::replay
