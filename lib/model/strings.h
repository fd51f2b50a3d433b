// Prometheus's legacy name rules, shared by every layer that validates or
// prints metric and label names. Internal: not part of the installed API.
#ifndef VIGIL_LIB_MODEL_STRINGS_H_
#define VIGIL_LIB_MODEL_STRINGS_H_

#include <string_view>

namespace vigil {

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsLegacyMetricName(std::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]*
bool IsLegacyLabelName(std::string_view name);

}  // namespace vigil

#endif  // VIGIL_LIB_MODEL_STRINGS_H_
