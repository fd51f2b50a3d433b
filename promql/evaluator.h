// The evaluator core behind Engine: evaluates a syntax tree over a fixed grid
// of step timestamps [start, end] every `interval` ms, as Prometheus's
// promql/engine.go evaluator does. Every node yields a Matrix with one point
// per step at which it has a value; scalars are a Matrix of one series with
// empty labels and a point at every step. Not installed.
//
// Errors are absl::Status values with Prometheus's messages; the evaluator
// never throws. One Evaluator (and its nested subquery evaluators) belongs to
// one query and one thread.
#ifndef VIGIL_PROMQL_EVALUATOR_H_
#define VIGIL_PROMQL_EVALUATOR_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "lib/model/absl_compat.h"
#include "lib/model/go_float.h"
#include "promql/eval_types.h"
#include "vigil/labels.h"
#include "vigil/promql/ast.h"
#include "vigil/promql/engine.h"
#include "vigil/storage.h"

#define VIGIL_EVAL_CONCAT_INNER(a, b) a##b
#define VIGIL_EVAL_CONCAT(a, b) VIGIL_EVAL_CONCAT_INNER(a, b)

#define VIGIL_EVAL_RETURN_IF_ERROR(expr) \
  do {                                   \
    absl::Status vigil_eval_st = (expr); \
    if (!vigil_eval_st.ok()) {           \
      return vigil_eval_st;              \
    }                                    \
  } while (0)

#define VIGIL_EVAL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                     \
  if (!tmp.ok()) return tmp.status();                    \
  lhs = std::move(*tmp)

#define VIGIL_EVAL_ASSIGN_OR_RETURN(lhs, expr) \
  VIGIL_EVAL_ASSIGN_OR_RETURN_IMPL(            \
      VIGIL_EVAL_CONCAT(vigil_eval_or_, __LINE__), lhs, expr)

namespace vigil::promql::eval {

// One output series of a node: its points at step timestamps, increasing.
struct SeriesPoints {
  Labels metric;
  std::vector<Sample> points;
  // Parallel to `points`, empty while the series has no native histogram:
  // the histogram of each point (null for a float point).
  std::vector<HistogramPtr> hists;
  bool drop_name = false;

  void Push(int64_t t, double v, HistogramPtr h) {
    if (h != nullptr || !hists.empty()) {
      hists.resize(points.size());
      hists.push_back(std::move(h));
    }
    points.push_back({t, v});
  }
  const HistogramPtr& HistAt(size_t i) const {
    static const HistogramPtr kNone;
    return hists.empty() ? kNone : hists[i];
  }
};
using Matrix = std::vector<SeriesPoints>;

// Prometheus's ErrTooManySamples.
absl::Status TooManySamples();

// What a point weighs against --query.max-samples, as Prometheus 3.x counts
// it: a float sample 1, a histogram its size in Go's memory over the 16
// bytes of a float sample (HPoint.size()), so that a limit bounds memory
// whatever the samples are.
int64_t HistogramCost(const FloatHistogram& h);
inline int64_t PointCost(const HistogramPtr& h) {
  return h == nullptr ? 1 : HistogramCost(*h);
}
int64_t PointsCost(std::span<const Sample> points,
                   std::span<const HistogramPtr> hists);
inline int64_t PointsCost(const SeriesPoints& s) {
  return PointsCost(s.points, s.hists);
}
int64_t MatrixCost(const Matrix& m);

// What a node evaluates to. Strings only come from string literals.
struct Value {
  Matrix matrix;
  std::string str;
  bool is_string = false;
};

// One selected storage series with its samples read once for the whole
// query (the selector's time range), so that every step and every window is
// a binary search rather than a storage seek.
struct SelectedSeries {
  Labels metric;
  std::vector<Sample> samples;  // all samples, stale markers included
  std::vector<Sample> fresh;    // without stale markers, when any exist
  // Start timestamps parallel to `samples` and `fresh` (0: none); both empty
  // when no sample of the series has one, which is the common case.
  std::vector<int64_t> st;
  std::vector<int64_t> fresh_st;
  // Native histograms parallel to `samples` and `fresh`; both empty when the
  // series has none. A histogram staleness marker is kept as a float
  // StaleNaN sample.
  std::vector<HistogramPtr> hists;
  std::vector<HistogramPtr> fresh_hists;
  bool has_stale = false;
  std::span<const HistogramPtr> FreshHists() const {
    return has_stale ? std::span<const HistogramPtr>(fresh_hists)
                     : std::span<const HistogramPtr>(hists);
  }
  std::span<const Sample> Fresh() const {
    return has_stale ? std::span<const Sample>(fresh)
                     : std::span<const Sample>(samples);
  }
  std::span<const int64_t> FreshST() const {
    return has_stale ? std::span<const int64_t>(fresh_st)
                     : std::span<const int64_t>(st);
  }
};

struct SelectRange {
  int64_t mint = 0;
  int64_t maxt = 0;
};

// The engine's clock for timeouts: the injected one, else steady_clock.
inline std::chrono::steady_clock::time_point MonotonicNow(
    const EngineOptions& options) {
  return options.monotonic_clock ? options.monotonic_clock()
                                 : std::chrono::steady_clock::now();
}

// State shared by a query's evaluator and the nested evaluators of its
// subqueries.
struct QueryState {
  Querier* querier = nullptr;
  const EngineOptions* options = nullptr;
  int64_t lookback_ms = 0;
  // The query's own start, end and step: `@ start()`, `@ end()`, step() and
  // range() refer to these even inside subqueries.
  int64_t query_start = 0;
  int64_t query_end = 0;
  int64_t query_step = 0;
  int64_t max_samples = 0;
  int64_t current_samples = 0;
  std::chrono::steady_clock::time_point deadline;
  std::stop_token stop;
  bool delayed_name_removal = false;
  Annotations annotations;
  // Time range each selector reads, from the pre-pass (FindMinMaxTime).
  absl::flat_hash_map<const VectorSelector*, SelectRange> select_ranges;
  // Shared with other queries (QueryOptions::shared_selections), or null.
  SharedSelections* shared_selections = nullptr;
  // Selected series per selector, read on first use.
  absl::flat_hash_map<const VectorSelector*,
                      std::shared_ptr<std::vector<SelectedSeries>>>
      selections;
  // Evaluated experimental duration expressions, milliseconds.
  absl::flat_hash_map<const DurationExpr*, int64_t> durations;
  // Time range the info series of each info() call are read over, from the
  // pre-pass.
  absl::flat_hash_map<const Call*, SelectRange> info_ranges;
  // Selectors whose histograms only feed histogram_count, histogram_sum or
  // histogram_avg (FindStatsSelectors).
  absl::flat_hash_set<const VectorSelector*> stats_selectors;
  // The largest parts of the query whose value is the same at every step
  // (Prometheus's StepInvariantExpr): a range evaluation computes them once
  // and repeats the result. Matrix-valued parts (range selectors,
  // subqueries) are evaluated once by nature and not repeated.
  absl::flat_hash_set<const Expr*> step_invariant;
  uint32_t cancel_check_counter = 0;
};

// An input vector of one step, gathered from a node's Matrix.
struct StepInput {
  const Matrix* matrix = nullptr;
  std::vector<size_t> cursor;  // next point per series
  EvalVector vec;              // the samples present at this step
  std::vector<int> series;     // source series index of each vec element
  std::vector<int> slot;       // series whose labels each vec slot holds
};

// Called once per step with the gathered inputs; appends to `out`.
using StepFn = std::function<absl::Status(
    int64_t ts, std::span<StepInput> inputs, EvalVector* out)>;

class Evaluator {
 public:
  Evaluator(QueryState* q, int64_t start, int64_t end, int64_t interval)
      : q_(q), start_(start), end_(end), interval_(interval) {}

  absl::StatusOr<Value> Eval(const Expr& expr);

  int64_t start() const { return start_; }
  int64_t end() const { return end_; }
  int64_t interval() const { return interval_; }
  bool instant() const { return start_ == end_; }
  size_t NumSteps() const {
    return static_cast<size_t>((end_ - start_) / interval_) + 1;
  }
  QueryState& state() { return *q_; }

  // Timeout and cancellation, checked between steps and series.
  absl::Status CheckCancel();
  // Cancellation alone, which (unlike the clock of CheckCancel) any thread
  // may check.
  absl::Status CheckStop() const;
  // Accounts for samples held in memory; fails past the query's limit.
  absl::Status AddSamples(int64_t n);

  // Evaluates `exprs` (string literals are skipped) and calls `fn` once per
  // step with the samples of each at that step, collecting its output into
  // series by label set as Prometheus's rangeEval does.
  absl::StatusOr<Matrix> RangeEval(std::span<const Expr* const> exprs,
                                   const StepFn& fn);
  // The same over matrices already evaluated.
  absl::StatusOr<Matrix> RangeEvalMatrices(std::span<Matrix* const> inputs,
                                           const StepFn& fn);

  // Resolved times of selectors and subqueries.
  int64_t OffsetOf(const VectorSelector& vs) const;
  int64_t RangeOf(const MatrixSelector& ms) const;
  int64_t OffsetOf(const SubqueryExpr& sq) const;
  int64_t RangeOf(const SubqueryExpr& sq) const;
  int64_t StepOf(const SubqueryExpr& sq) const;
  // The pinned `@` time of a selector or subquery, if any.
  std::optional<int64_t> AtOf(std::optional<int64_t> at_ms,
                              AtModifier modifier) const;

  // The selector's series (read once per query).
  absl::StatusOr<std::shared_ptr<std::vector<SelectedSeries>>> Select(
      const VectorSelector& vs);

  // Drops __name__ now, or marks it for dropping at the end when delayed
  // removal is on (Prometheus's DropReserved on metadata labels).
  void DropName(Labels* metric, bool* drop_name) const;

 private:
  absl::StatusOr<Value> EvalStepInvariant(const Expr& expr);
  absl::StatusOr<Value> EvalVectorSelector(const VectorSelector& vs);
  absl::StatusOr<Value> EvalSmoothedSelector(const VectorSelector& vs);
  absl::StatusOr<Value> EvalMatrixSelector(const MatrixSelector& ms);
  absl::StatusOr<Value> EvalSubquery(const SubqueryExpr& sq);
  absl::StatusOr<Value> EvalUnary(const UnaryExpr& e);
  absl::StatusOr<Value> EvalBinary(const BinaryExpr& e);
  absl::StatusOr<Value> EvalVectorBinary(const BinaryExpr& e);
  absl::StatusOr<Value> EvalAggregate(const AggregateExpr& e);
  absl::StatusOr<Value> EvalCountValues(const AggregateExpr& e);
  absl::StatusOr<Value> EvalCall(const Call& e);
  absl::StatusOr<Value> EvalMatrixCall(const Call& e, size_t matrix_arg);
  // The query parameter a folded function (start, end, step, range)
  // stands for, in ms; nullopt for every other function.
  std::optional<int64_t> QueryParameter(std::string_view name) const;
  // timestamp() and start_timestamp() over a selector, which see each
  // sample's own time and start time.
  absl::StatusOr<Value> EvalSampleTimeCall(const Call& e,
                                           const VectorSelector& vs);
  // info(): enriches its first argument with the data labels of info
  // series (info.cc).
  absl::StatusOr<Value> EvalInfo(const Call& e);

  QueryState* q_;
  int64_t start_;
  int64_t end_;
  int64_t interval_;
};

// A range-vector argument evaluated once for the whole range: series with
// their samples, and how each step's window is cut from them.
struct RangeArg {
  std::vector<const Labels*> metrics;
  std::vector<std::span<const Sample>> samples;
  // Parallel to `samples`, each empty when the series has none: a
  // selector's start timestamps. Prometheus: subqueries cut their
  // propagation, so a subquery's are always empty.
  std::vector<std::span<const int64_t>> start_timestamps;
  // Parallel to `samples`, each empty when the series has no histogram.
  std::vector<std::span<const HistogramPtr>> hists;
  std::vector<bool> drop_name;
  int64_t range = 0;
  int64_t offset = 0;
  std::optional<int64_t> at;
  // Owns the samples when the argument was a subquery.
  Matrix owned;
  std::shared_ptr<std::vector<SelectedSeries>> selection;
};

// Helpers shared by the evaluator's files.

// What the engine answers for native histogram operations it does not
// implement yet; the promqltest runner reports these evals as unsupported.
inline absl::Status HistogramsUnsupported(std::string_view what) {
  return absl::UnimplementedError(absl::StrCat(
      "native histograms in ", ToAbsl(what), " are not supported yet"));
}

// An execution error (Prometheus's "execution" error type), e.g. "vector
// cannot contain metrics with the same labelset".
inline absl::Status ExecError(std::string_view msg) {
  return absl::FailedPreconditionError(ToAbsl(msg));
}
// Drops the names marked for delayed removal and merges series that became
// equal, failing when they overlap in time.
absl::Status CleanupMetricLabels(Matrix* mat);

// count_values' label text: Go's strconv.FormatFloat(v, 'f', -1, 64).
inline std::string GoFormatFloatFixed(double v) {
  std::string out;
  AppendShortestFixed(v, &out);
  return out;
}
// Labels without __name__, __type__ and __unit__ (DropReserved).
Labels DropMetadataLabels(const Labels& ls);
// Prometheus's Labels.MatchLabels(on, names...).
Labels MatchLabels(const Labels& ls, bool on,
                   const std::vector<std::string>& names);
// The element operation of a binary operator: the value and, for
// comparisons, whether the sample is kept (binary_ops.cc).
struct ElemResult {
  double value = 0;
  bool keep = false;
};
ElemResult VectorElemBinop(BinaryOp op, double lhs, double rhs);
// The same when either operand is a native histogram (Prometheus's
// vectorElemBinop): h*f, f*h and h/f scale, h+h and h-h combine, h==h and
// h!=h compare, h</f and h>/f trim; every other combination keeps nothing and
// says so in an info annotation at `pos`.
struct HistElemResult {
  double value = 0;
  HistogramPtr h = nullptr;
  bool keep = false;
  // The operation does not apply to these operands: no result, not even
  // with `bool`.
  bool incompatible = false;
};
HistElemResult HistogramElemBinop(BinaryOp op, double lf, double rf,
                                  const HistogramPtr& hl,
                                  const HistogramPtr& hr, PositionRange pos,
                                  Annotations* annotations);
double ScalarBinop(BinaryOp op, double lhs, double rhs);
// + - * / % ^ atan2: the operators that change a metric's meaning and so
// drop its name.
bool IsArithmetic(BinaryOp op);
// </ and >/, which apply only to a histogram on the left of a float.
bool IsTrim(BinaryOp op);
// The info annotation for a trim operator between two floats (the spec:
// trim needs a histogram on the left).
void NoteFloatTrim(BinaryOp op, PositionRange pos, Annotations* annotations);

// Calls `fn` on each direct child of `e`.
void VisitChildren(const Expr& e, const std::function<void(const Expr&)>& fn);
// Strips parentheses around an expression.
const Expr& Unparen(const Expr& e);

// A selector's or subquery's duration: the evaluated experimental duration
// expression when there is one, else the plain value.
inline int64_t DurationOr(const QueryState& q, const DurationExpr* d,
                          int64_t plain) {
  if (d != nullptr) {
    auto it = q.durations.find(d);
    if (it != q.durations.end()) return it->second;
  }
  return plain;
}
// The pinned time of `@ <t>`, `@ start()` or `@ end()`; nullopt without `@`.
inline std::optional<int64_t> ResolveAt(const QueryState& q,
                                        std::optional<int64_t> at,
                                        AtModifier m) {
  if (m == AtModifier::kStart) return q.query_start;
  if (m == AtModifier::kEnd) return q.query_end;
  return at;
}

// The time info() reads its info series at, relative to the step it is
// evaluated at: at.value_or(step) - offset. Prometheus derives it from the
// selectors of info()'s first argument (promql/info.go): when every path
// that yields vectors ends in a selector with the same effective `@` and
// offset (composed through enclosing subqueries), enrichment follows that
// time, so that info(metric @ 60) is step invariant; otherwise it is the
// step itself.
struct InfoTimeRef {
  std::optional<int64_t> at;
  int64_t offset = 0;
  int64_t At(int64_t step_ts) const { return at.value_or(step_ts) - offset; }
};
InfoTimeRef ComputeInfoTimeRef(const Expr& arg, const QueryState& q);

// Prometheus's detectHistogramStatsDecoding: the selectors read only for
// histogram_count, histogram_sum or histogram_avg, into
// q->stats_selectors. Prometheus reads those through its
// HistogramStatsIterator, which resolves an Unknown counter reset hint by
// comparing with the previous sample; the hints show in annotations.
void FindStatsSelectors(const Expr& expr, QueryState* q);

// Fills QueryState::step_invariant (step_invariant.cc).
void FindStepInvariant(const Expr& expr, QueryState* q);

// Experimental duration expressions, in milliseconds, with step() and
// range() bound to the query's. Fails as Prometheus's durationVisitor does.
absl::StatusOr<int64_t> EvalDuration(const DurationExpr& d, int64_t step_ms,
                                     int64_t range_ms, bool allow_negative);
// Evaluates every duration expression of `expr` into q->durations.
absl::Status ResolveDurations(const Expr& expr, QueryState* q);
// The time range each selector of `expr` reads into q->select_ranges; returns
// the overall [mint, maxt] ({0, 0} without selectors).
SelectRange ComputeSelectRanges(const Expr& expr, QueryState* q);

}  // namespace vigil::promql::eval

#endif  // VIGIL_PROMQL_EVALUATOR_H_
