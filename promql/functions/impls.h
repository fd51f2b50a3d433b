// Declarations of every function implementation, grouped by the file that
// defines it; registry.cc maps PromQL names onto them. Each has the
// FunctionImpl shape of promql/eval_types.h.
#ifndef VIGIL_PROMQL_FUNCTIONS_IMPLS_H_
#define VIGIL_PROMQL_FUNCTIONS_IMPLS_H_

#include "absl/status/status.h"
#include "promql/eval_types.h"

namespace vigil::promql::functions {

#define VIGIL_FUNCTION(name) \
  absl::Status name(const FunctionArgs& args, EvalVector* out)

// rate.cc
VIGIL_FUNCTION(Rate);
VIGIL_FUNCTION(Increase);
VIGIL_FUNCTION(Delta);
VIGIL_FUNCTION(Irate);
VIGIL_FUNCTION(Idelta);

// over_time.cc
VIGIL_FUNCTION(AvgOverTime);
VIGIL_FUNCTION(SumOverTime);
VIGIL_FUNCTION(CountOverTime);
VIGIL_FUNCTION(MinOverTime);
VIGIL_FUNCTION(MaxOverTime);
VIGIL_FUNCTION(QuantileOverTime);
VIGIL_FUNCTION(StddevOverTime);
VIGIL_FUNCTION(StdvarOverTime);
VIGIL_FUNCTION(LastOverTime);
VIGIL_FUNCTION(FirstOverTime);
VIGIL_FUNCTION(PresentOverTime);
VIGIL_FUNCTION(MadOverTime);
VIGIL_FUNCTION(TsOfMinOverTime);
VIGIL_FUNCTION(TsOfMaxOverTime);
VIGIL_FUNCTION(TsOfFirstOverTime);
VIGIL_FUNCTION(TsOfLastOverTime);

// counters.cc
VIGIL_FUNCTION(Changes);
VIGIL_FUNCTION(Resets);

// regression.cc
VIGIL_FUNCTION(Deriv);
VIGIL_FUNCTION(PredictLinear);
VIGIL_FUNCTION(DoubleExponentialSmoothing);

// math.cc
VIGIL_FUNCTION(Abs);
VIGIL_FUNCTION(Ceil);
VIGIL_FUNCTION(Floor);
VIGIL_FUNCTION(Exp);
VIGIL_FUNCTION(Ln);
VIGIL_FUNCTION(Log2);
VIGIL_FUNCTION(Log10);
VIGIL_FUNCTION(Sqrt);
VIGIL_FUNCTION(Sgn);
VIGIL_FUNCTION(Round);
VIGIL_FUNCTION(Clamp);
VIGIL_FUNCTION(ClampMin);
VIGIL_FUNCTION(ClampMax);
VIGIL_FUNCTION(Sin);
VIGIL_FUNCTION(Cos);
VIGIL_FUNCTION(Tan);
VIGIL_FUNCTION(Asin);
VIGIL_FUNCTION(Acos);
VIGIL_FUNCTION(Atan);
VIGIL_FUNCTION(Sinh);
VIGIL_FUNCTION(Cosh);
VIGIL_FUNCTION(Tanh);
VIGIL_FUNCTION(Asinh);
VIGIL_FUNCTION(Acosh);
VIGIL_FUNCTION(Atanh);
VIGIL_FUNCTION(Deg);
VIGIL_FUNCTION(Rad);
VIGIL_FUNCTION(Pi);

// time.cc
VIGIL_FUNCTION(Time);
VIGIL_FUNCTION(Timestamp);
VIGIL_FUNCTION(DayOfMonth);
VIGIL_FUNCTION(DayOfWeek);
VIGIL_FUNCTION(DayOfYear);
VIGIL_FUNCTION(DaysInMonth);
VIGIL_FUNCTION(Hour);
VIGIL_FUNCTION(Minute);
VIGIL_FUNCTION(Month);
VIGIL_FUNCTION(Year);

// labels.cc
VIGIL_FUNCTION(LabelReplace);
VIGIL_FUNCTION(LabelJoin);

// sort.cc
VIGIL_FUNCTION(Sort);
VIGIL_FUNCTION(SortDesc);
VIGIL_FUNCTION(SortByLabel);
VIGIL_FUNCTION(SortByLabelDesc);

// histogram_classic.cc
VIGIL_FUNCTION(HistogramQuantile);
VIGIL_FUNCTION(HistogramQuantiles);
VIGIL_FUNCTION(HistogramFraction);

// histogram_native.cc
VIGIL_FUNCTION(HistogramCount);
VIGIL_FUNCTION(HistogramSum);
VIGIL_FUNCTION(HistogramAvg);
VIGIL_FUNCTION(HistogramStddev);
VIGIL_FUNCTION(HistogramStdvar);

// absent.cc
VIGIL_FUNCTION(Absent);
VIGIL_FUNCTION(AbsentOverTime);

// misc.cc
VIGIL_FUNCTION(Scalar);
VIGIL_FUNCTION(Vector);
VIGIL_FUNCTION(MinOf);
VIGIL_FUNCTION(MaxOf);
VIGIL_FUNCTION(StartTimestamp);

#undef VIGIL_FUNCTION

}  // namespace vigil::promql::functions

#endif  // VIGIL_PROMQL_FUNCTIONS_IMPLS_H_
