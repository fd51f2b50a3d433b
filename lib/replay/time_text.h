// Times as the replay prints them. Internal to vigil_replay.
#ifndef VIGIL_LIB_REPLAY_TIME_TEXT_H_
#define VIGIL_LIB_REPLAY_TIME_TEXT_H_

#include <cstdint>
#include <string>

namespace vigil::replay {

// RFC 3339 in UTC, fractional seconds only when there are some:
// "2026-12-07T10:44:12Z", "2026-12-07T10:44:12.5Z".
std::string FormatTimeMs(int64_t ms);

}  // namespace vigil::replay

#endif  // VIGIL_LIB_REPLAY_TIME_TEXT_H_
