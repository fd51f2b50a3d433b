// Internal value types of the evaluator and the contract between it and the
// function implementations (promql/functions/*.cc). Not installed.
//
// The evaluator computes an instant-vector or scalar function once per step:
// it evaluates every argument at that step, hands them over as FunctionArgs,
// and collects the function's output vector. A range-vector argument arrives
// as one window of samples per series, already cut to Prometheus's
// left-open window (t - range, t] (shifted by offset and @).
#ifndef VIGIL_PROMQL_EVAL_TYPES_H_
#define VIGIL_PROMQL_EVAL_TYPES_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "vigil/labels.h"
#include "vigil/promql/ast.h"
#include "vigil/storage.h"

namespace vigil::promql {

// One element of an instant vector during evaluation.
struct EvalSample {
  Labels metric;
  // The step's timestamp, except for samples fed to timestamp(), which sees
  // the sample's own time (Prometheus special-cases that function too).
  int64_t t = 0;
  double v = 0;
  // Delayed __name__ removal: the name is still in `metric` but will be
  // dropped before the result leaves the engine (or before a label-matching
  // step needs it gone).
  bool drop_name = false;
  // Set for a native histogram sample; `v` is then meaningless.
  HistogramPtr h = nullptr;
};
using EvalVector = std::vector<EvalSample>;

// One series of a range-vector argument at one step.
struct WindowSeries {
  const Labels* metric = nullptr;
  std::span<const Sample> samples;  // inside the window, sorted by time
  bool drop_name = false;
  // The samples' start timestamps (0: none), parallel to `samples`; empty
  // when the series has none, or the window comes from a subquery, which
  // drops them as Prometheus does. rate, increase, irate and resets use
  // them to see counter resets the values hide.
  std::span<const int64_t> start_timestamps = {};
  // Parallel to `samples`, empty when the window holds no histogram: the
  // native histogram of each sample (null for a float sample).
  std::span<const HistogramPtr> hists = {};
};

// Prometheus's annotations: a warning or info tied to a node's position.
struct Annotation {
  enum class Level { kWarning, kInfo };
  Level level = Level::kWarning;
  std::string message;  // without the "PromQL warning: " prefix
  PositionRange pos;
};

class Annotations {
 public:
  void Warn(std::string message, PositionRange pos) {
    Add({Annotation::Level::kWarning, std::move(message), pos});
  }
  void Info(std::string message, PositionRange pos) {
    Add({Annotation::Level::kInfo, std::move(message), pos});
  }
  // Duplicates (same level, text and position) are kept once.
  void Add(Annotation a);
  const std::vector<Annotation>& all() const { return all_; }

 private:
  std::vector<Annotation> all_;
};

// One evaluated argument at one step; which member is set follows the
// signature's argument type.
struct ArgValue {
  const EvalVector* vector = nullptr;                 // instant vector
  double scalar = 0;                                  // scalar
  std::string_view string;                            // string
  const std::vector<WindowSeries>* matrix = nullptr;  // range vector
};

struct FunctionArgs {
  const Call& call;  // argument expressions and positions, for annotations
  std::span<const ArgValue> args;
  // Evaluation time of this step: the step time even when `@` pins a
  // range argument's window (Prometheus's enh.Ts; predict_linear uses it).
  int64_t t = 0;
  // For a range-vector argument: the window bounds, (range_start, range_end],
  // which extrapolating functions (rate, increase, delta) need.
  int64_t range_start = 0;
  int64_t range_end = 0;
  // start_timestamp() over a selector: the start timestamp of each sample of
  // the vector argument (0: none). Empty otherwise: Prometheus keeps start
  // timestamps only on samples read straight from a selector.
  std::span<const int64_t> start_timestamps = {};
  // Extended range selectors (experimental) on the matrix argument.
  bool anchored = false;
  bool smoothed = false;
  Annotations* annotations = nullptr;
  // Set by the evaluator: whether delayed __name__ removal is on, so that
  // functions that drop the name mark samples instead of editing labels.
  bool delayed_name_removal = false;
  // Set by the evaluator when it keeps only the values of the output and
  // labels the series itself, as it does for range-vector functions (one
  // window, one series): the output samples may then carry no labels, which
  // spares copying and editing a label set at every step.
  bool values_only = false;
};

// A function's implementation: appends its result for this step to `out`.
// An error status aborts the query with that message (for example
// "vector cannot contain metrics with the same labelset").
using FunctionImpl = absl::Status (*)(const FunctionArgs& args,
                                      EvalVector* out);

// The implementation table keyed by name, the engine's twin of the parser's
// signature table. nullptr when the function has no implementation.
FunctionImpl LookupFunctionImpl(std::string_view name);
// Whether the implementation handles native histogram samples. The
// evaluator hands the others only float samples, which is what Prometheus's
// float-only functions do: they ignore histograms.
bool FunctionTakesHistograms(std::string_view name);

}  // namespace vigil::promql

#endif  // VIGIL_PROMQL_EVAL_TYPES_H_
