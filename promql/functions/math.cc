// Element-wise math on an instant vector: every one drops the metric name
// and skips nothing but native histograms (which vigil does not hold). The
// transcendental functions are Go's math package's (lib/model/go_math.h),
// not the C library's: they differ in the last bit, and exp() overflows
// earlier.
#include <cmath>
#include <numbers>

#include "lib/model/go_math.h"
#include "promql/functions/common.h"
#include "promql/functions/impls.h"

namespace vigil::promql::functions {
namespace {

// Prometheus's simpleFloatFunc.
template <typename Fn>
absl::Status Apply(const FunctionArgs& args, EvalVector* out, Fn fn) {
  size_t first = out->size();
  for (const EvalSample& s : VectorArg(args, 0)) {
    AppendDroppingName(args, s.metric, fn(s.v), out);
  }
  return CheckDroppedNames(args, *out, first);
}

absl::Status ClampBetween(const FunctionArgs& args, EvalVector* out, double lo,
                          double hi) {
  // Prometheus returns nothing for an empty interval.
  if (hi < lo) return absl::OkStatus();
  return Apply(args, out, [&](double v) { return GoMax(lo, GoMin(hi, v)); });
}

}  // namespace

#define VIGIL_MATH_FUNCTION(name, expr)                          \
  absl::Status name(const FunctionArgs& args, EvalVector* out) { \
    return Apply(args, out, [](double v) { return expr; });      \
  }

VIGIL_MATH_FUNCTION(Abs, std::fabs(v))
VIGIL_MATH_FUNCTION(Ceil, std::ceil(v))
VIGIL_MATH_FUNCTION(Floor, std::floor(v))
VIGIL_MATH_FUNCTION(Exp, gomath::Exp(v))
VIGIL_MATH_FUNCTION(Ln, gomath::Log(v))
VIGIL_MATH_FUNCTION(Log2, gomath::Log2(v))
VIGIL_MATH_FUNCTION(Log10, gomath::Log10(v))
VIGIL_MATH_FUNCTION(Sqrt, std::sqrt(v))
VIGIL_MATH_FUNCTION(Sin, gomath::Sin(v))
VIGIL_MATH_FUNCTION(Cos, gomath::Cos(v))
VIGIL_MATH_FUNCTION(Tan, gomath::Tan(v))
VIGIL_MATH_FUNCTION(Asin, gomath::Asin(v))
VIGIL_MATH_FUNCTION(Acos, gomath::Acos(v))
VIGIL_MATH_FUNCTION(Atan, gomath::Atan(v))
VIGIL_MATH_FUNCTION(Sinh, gomath::Sinh(v))
VIGIL_MATH_FUNCTION(Cosh, gomath::Cosh(v))
VIGIL_MATH_FUNCTION(Tanh, gomath::Tanh(v))
VIGIL_MATH_FUNCTION(Asinh, gomath::Asinh(v))
VIGIL_MATH_FUNCTION(Acosh, gomath::Acosh(v))
VIGIL_MATH_FUNCTION(Atanh, gomath::Atanh(v))
VIGIL_MATH_FUNCTION(Deg, v * 180 / std::numbers::pi)
VIGIL_MATH_FUNCTION(Rad, v* std::numbers::pi / 180)
// Zero (of either sign) and NaN are their own sign.
VIGIL_MATH_FUNCTION(Sgn, v < 0 ? -1.0 : (v > 0 ? 1.0 : v))

#undef VIGIL_MATH_FUNCTION

// round(v, to_nearest=1): ties round up. Prometheus multiplies by the
// inverse, which it found to cause fewer floating-point surprises.
absl::Status Round(const FunctionArgs& args, EvalVector* out) {
  double to_nearest = args.call.args.size() >= 2 ? ScalarArg(args, 1) : 1;
  double inverse = 1.0 / to_nearest;
  return Apply(args, out, [&](double v) {
    return std::floor(v * inverse + 0.5) / inverse;
  });
}

absl::Status Clamp(const FunctionArgs& args, EvalVector* out) {
  return ClampBetween(args, out, ScalarArg(args, 1), ScalarArg(args, 2));
}

absl::Status ClampMin(const FunctionArgs& args, EvalVector* out) {
  return ClampBetween(args, out, ScalarArg(args, 1), INFINITY);
}

absl::Status ClampMax(const FunctionArgs& args, EvalVector* out) {
  return ClampBetween(args, out, -INFINITY, ScalarArg(args, 1));
}

absl::Status Pi(const FunctionArgs& args, EvalVector* out) {
  out->push_back(
      EvalSample{Labels(), args.t, std::numbers::pi, false, nullptr});
  return absl::OkStatus();
}

}  // namespace vigil::promql::functions
