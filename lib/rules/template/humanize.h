// Prometheus's humanize family (template/template.go and
// prometheus/common helpers/templates): exact upstream output, built on Go's
// %.4g formatting.
#ifndef VIGIL_LIB_RULES_TEMPLATE_HUMANIZE_H_
#define VIGIL_LIB_RULES_TEMPLATE_HUMANIZE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/rules/template/value.h"

namespace vigil::tmpl {

// Go's strconv.ParseFloat, with its error text
// (`strconv.ParseFloat: parsing "x": invalid syntax`).
absl::StatusOr<double> GoParseFloat(std::string_view s);

// Upstream's ConvertToFloat: float64, int and numeric strings; anything
// else is `can't convert <type> to float`.
absl::StatusOr<double> ConvertToFloat(const Value& v);

std::string Humanize(double v);            // 1.235M, 1.234m
std::string Humanize1024(double v);        // 1ki, 1.5Mi
std::string HumanizeDuration(double v);    // 1d 2h 3m 4s, 1.5ms
std::string HumanizePercentage(double v);  // 12.34%

// Unix seconds to Unix milliseconds as model.TimeFromUnixNano does; errors
// for NaN/Inf ("value is NaN or Inf") and int64 overflow.
absl::StatusOr<int64_t> FloatToUnixMillis(double v);
// humanizeTimestamp: "2006-01-02 15:04:05.999 +0000 UTC"; NaN/Inf as %.4g.
absl::StatusOr<std::string> HumanizeTimestamp(double v);

}  // namespace vigil::tmpl

#endif  // VIGIL_LIB_RULES_TEMPLATE_HUMANIZE_H_
