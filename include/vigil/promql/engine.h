// Engine: evaluates PromQL over a Storage, instant or range, as Prometheus
// 3.x does.
//
// Errors (absl::Status codes):
//   InvalidArgument   – the query does not parse or type-check ("bad_data").
//   ResourceExhausted – a limit was hit, e.g. "query processing would load
//                       too many samples into memory in query execution".
//   DeadlineExceeded  – the query ran past its timeout.
//   Cancelled         – the caller's stop token was triggered.
//   any other code    – the storage failed, or an execution error such as
//                       "vector cannot contain metrics with the same labelset".
//
// Thread safety: an Engine is immutable after construction; any number of
// queries may run on it concurrently.
#ifndef VIGIL_PROMQL_ENGINE_H_
#define VIGIL_PROMQL_ENGINE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "vigil/labels.h"
#include "vigil/promql/ast.h"
#include "vigil/promql/parser.h"
#include "vigil/storage.h"

namespace vigil::promql {

struct EngineOptions {
  // Prometheus's defaults.
  int64_t lookback_delta_ms = 5 * 60 * 1000;
  int64_t max_samples = 50'000'000;
  std::chrono::milliseconds timeout = std::chrono::minutes(2);
  // Subqueries written `[range:]` use this step.
  int64_t default_subquery_step_ms = 60 * 1000;
  // Keep __name__ until the end of a query so that functions and operators
  // that drop it only do so where Prometheus's delayed removal would.
  bool enable_delayed_name_removal = false;
  ParseOptions parse_options;
  // A range function (rate, *_over_time, …) whose selection holds at least
  // this many samples is evaluated over its series in parts, on the calling
  // thread and a small shared pool of threads (at most one per core, four
  // in all); smaller ones stay on the calling thread. The answer,
  // annotations and errors are the same either way. 0 splits every one
  // (tests), a negative value never.
  int64_t parallel_min_samples = 200'000;
  // The clock `timeout` is measured on; null means std::chrono::steady_clock.
  // Tests inject one so that a deadline passes at a known point instead of
  // racing a query that is "probably slow enough". Called once per query and
  // at every cancellation check, from every thread that queries through this
  // engine (or a copy of these options) at once: it must be thread-safe.
  std::function<std::chrono::steady_clock::time_point()> monotonic_clock;
};

namespace eval {
class Evaluator;
}  // namespace eval

// Selections that queries over the same range share: several of a replay
// window's rules read the same input series over the same steps, and each
// selected and decoded them again. The caller vouches that what a shared
// selector matches does not change while the cache holds its selection
// (a replay shares only input series, loaded before the window's queries).
// Thread-safe: queries on several threads may share one.
class SharedSelections {
 public:
  // `shareable` says which selectors may be shared; from any thread.
  explicit SharedSelections(
      std::function<bool(const VectorSelector&)> shareable);
  ~SharedSelections();
  SharedSelections(const SharedSelections&) = delete;
  SharedSelections& operator=(const SharedSelections&) = delete;

  void Clear();
  size_t size() const;

 private:
  friend class eval::Evaluator;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct QueryOptions {
  std::optional<int64_t> lookback_delta_ms;  // overrides the engine's
  std::stop_token stop;                      // cancels the query
  // The text `Evaluate`'s expression was parsed from, when known: positions
  // in annotations ("... (1:6)") are computed from it. The query methods
  // set it themselves.
  std::string_view query_text;
  // A range query's matrix in the order evaluation left it instead of
  // sorted by labels (Prometheus's order): for a caller that reads it
  // series by series and does not depend on the order (a replay's batched
  // rules, whose instant queries have none either).
  bool unsorted_matrix = false;
  // Selections shared with other queries, or none.
  SharedSelections* shared_selections = nullptr;
};

struct VectorSample {
  VectorSample() = default;
  VectorSample(Labels metric_in, int64_t t_in, double v_in,
               HistogramPtr h_in = nullptr)
      : metric(std::move(metric_in)), t(t_in), v(v_in), h(std::move(h_in)) {}

  Labels metric;
  int64_t t = 0;
  double v = 0;
  // Set for a native histogram sample (then `v` is meaningless).
  HistogramPtr h = nullptr;
};
using Vector = std::vector<VectorSample>;

struct HistogramPoint {
  int64_t t = 0;
  HistogramPtr h = nullptr;
};

// A series' float samples and histogram samples, each sorted by time (as
// Prometheus's Series keeps Floats and Histograms apart).
struct MatrixSeries {
  MatrixSeries() = default;
  MatrixSeries(Labels metric_in, std::vector<Sample> samples_in,
               std::vector<HistogramPoint> histograms_in = {})
      : metric(std::move(metric_in)),
        samples(std::move(samples_in)),
        histograms(std::move(histograms_in)) {}

  Labels metric;
  std::vector<Sample> samples;
  std::vector<HistogramPoint> histograms;
};
using Matrix = std::vector<MatrixSeries>;

struct Scalar {
  int64_t t = 0;
  double v = 0;
};

struct StringResult {
  int64_t t = 0;
  std::string v;
};

struct QueryResult {
  // Instant queries yield a Scalar, Vector or StringResult; range queries
  // always a Matrix, sorted by labels unless QueryOptions::unsorted_matrix.
  std::variant<Scalar, Vector, Matrix, StringResult> value;
  // Prometheus's annotations, e.g. "PromQL info: metric might not be a
  // counter, name does not end in _total/_sum/_count/_bucket: \"foo\"".
  std::vector<std::string> warnings;
  std::vector<std::string> infos;
};

class Engine {
 public:
  explicit Engine(EngineOptions options = {});

  absl::StatusOr<QueryResult> InstantQuery(Storage& storage,
                                           std::string_view query,
                                           int64_t time_ms,
                                           const QueryOptions& opts = {}) const;
  absl::StatusOr<QueryResult> RangeQuery(Storage& storage,
                                         std::string_view query,
                                         int64_t start_ms, int64_t end_ms,
                                         int64_t step_ms,
                                         const QueryOptions& opts = {}) const;

  // The same for an expression parsed beforehand (rule evaluation parses
  // once and evaluates every interval). An instant query is
  // start_ms == end_ms with step_ms == 0.
  absl::StatusOr<QueryResult> Evaluate(Storage& storage, const Expr& expr,
                                       int64_t start_ms, int64_t end_ms,
                                       int64_t step_ms,
                                       const QueryOptions& opts = {}) const;

  const EngineOptions& options() const { return options_; }

 private:
  EngineOptions options_;
};

}  // namespace vigil::promql

#endif  // VIGIL_PROMQL_ENGINE_H_
