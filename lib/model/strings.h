// Prometheus's legacy name rules, shared by every layer that validates or
// prints metric and label names. Internal: not part of the installed API.
#ifndef VIGIL_LIB_MODEL_STRINGS_H_
#define VIGIL_LIB_MODEL_STRINGS_H_

#include <string_view>

// The UTF-8, quoting and string_view helpers that used to live here have
// their own headers. Five files under parallel change (scrape config,
// relabel YAML, aggregations, parser checks, OpenMetrics parser) still
// reach them through this one; once they include them directly, these go.
#include "lib/model/absl_compat.h"
#include "lib/model/go_quote.h"
#include "lib/model/utf8.h"

namespace vigil {

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsLegacyMetricName(std::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]*
bool IsLegacyLabelName(std::string_view name);

}  // namespace vigil

#endif  // VIGIL_LIB_MODEL_STRINGS_H_
