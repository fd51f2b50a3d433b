// scalar() and vector(): converting between a one-element vector and a
// scalar.
#include <limits>

#include "promql/functions/common.h"
#include "promql/functions/impls.h"

namespace vigil::promql::functions {

// The value of the only sample, or NaN when there are none or several.
absl::Status Scalar(const FunctionArgs& args, EvalVector* out) {
  const EvalVector& v = VectorArg(args, 0);
  double value =
      v.size() == 1 ? v[0].v : std::numeric_limits<double>::quiet_NaN();
  out->push_back(EvalSample{Labels(), args.t, value, false});
  return absl::OkStatus();
}

absl::Status Vector(const FunctionArgs& args, EvalVector* out) {
  out->push_back(EvalSample{Labels(), args.t, ScalarArg(args, 0), false});
  return absl::OkStatus();
}

}  // namespace vigil::promql::functions

namespace vigil::promql::functions {

// min_of(a, b) and max_of(a, b): Go's math.Min and math.Max, so a NaN
// argument gives NaN.
absl::Status MinOf(const FunctionArgs& args, EvalVector* out) {
  out->push_back(EvalSample{
      Labels(), args.t, GoMin(ScalarArg(args, 0), ScalarArg(args, 1)), false});
  return absl::OkStatus();
}

absl::Status MaxOf(const FunctionArgs& args, EvalVector* out) {
  out->push_back(EvalSample{
      Labels(), args.t, GoMax(ScalarArg(args, 0), ScalarArg(args, 1)), false});
  return absl::OkStatus();
}

// start_timestamp(v) reports the start timestamps stored with samples; vigil
// stores none, and Prometheus returns nothing for samples without one (as
// for any computed vector).
absl::Status StartTimestamp(const FunctionArgs&, EvalVector*) {
  return absl::OkStatus();
}

}  // namespace vigil::promql::functions
