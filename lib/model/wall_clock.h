// WallClockMs(): the time now, in Prometheus's unit (milliseconds since the
// Unix epoch). Internal; code that must be testable takes a clock instead
// and falls back to this.
#ifndef VIGIL_LIB_MODEL_WALL_CLOCK_H_
#define VIGIL_LIB_MODEL_WALL_CLOCK_H_

#include <chrono>
#include <cstdint>

namespace vigil {

inline int64_t WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace vigil

#endif  // VIGIL_LIB_MODEL_WALL_CLOCK_H_
