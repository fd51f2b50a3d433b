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
  out->push_back(EvalSample{Labels(), args.t, value, false, nullptr});
  return absl::OkStatus();
}

absl::Status Vector(const FunctionArgs& args, EvalVector* out) {
  out->push_back(
      EvalSample{Labels(), args.t, ScalarArg(args, 0), false, nullptr});
  return absl::OkStatus();
}

}  // namespace vigil::promql::functions

namespace vigil::promql::functions {

// min_of(a, b) and max_of(a, b): Go's math.Min and math.Max, so a NaN
// argument gives NaN.
absl::Status MinOf(const FunctionArgs& args, EvalVector* out) {
  out->push_back(EvalSample{Labels(), args.t,
                            GoMin(ScalarArg(args, 0), ScalarArg(args, 1)),
                            false, nullptr});
  return absl::OkStatus();
}

absl::Status MaxOf(const FunctionArgs& args, EvalVector* out) {
  out->push_back(EvalSample{Labels(), args.t,
                            GoMax(ScalarArg(args, 0), ScalarArg(args, 1)),
                            false, nullptr});
  return absl::OkStatus();
}

// start_timestamp(v): each sample's start timestamp in seconds, 0 for a
// sample without one. Only samples read straight from a selector carry start
// timestamps (the evaluator passes them); Prometheus returns nothing for a
// computed vector.
absl::Status StartTimestamp(const FunctionArgs& args, EvalVector* out) {
  const EvalVector& v = VectorArg(args, 0);
  if (args.start_timestamps.size() != v.size()) return absl::OkStatus();
  size_t first = out->size();
  for (size_t i = 0; i < v.size(); ++i) {
    AppendDroppingName(args, v[i].metric,
                       static_cast<double>(args.start_timestamps[i]) / 1000,
                       out);
  }
  return CheckDroppedNames(args, *out, first);
}

}  // namespace vigil::promql::functions
