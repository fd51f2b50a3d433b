// count_values' label text. Go's other float and label-set printing is
// lib/model's (go_float.h, label_text.h).
#include <charconv>
#include <cmath>
#include <string>

#include "promql/evaluator.h"

namespace vigil::promql::eval {

std::string GoFormatFloatFixed(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[512];
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  return std::string(buf, res.ptr);
}

}  // namespace vigil::promql::eval
