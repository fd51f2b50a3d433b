// Replay: how rule groups would have behaved over recorded data
// (`vigil replay`, vmalert's -replay for recording and alerting rules).
//
// Run() builds real rules::RuleGroups from the specs and calls their Eval()
// at the times a live evaluator would have used over [start, end]: every
// group on its own grid (its interval, or the global one, plus the group's
// stable offset, as RuleGroup::AlignedEvalTime), or every group at start +
// k·step when a step is given (promtool's unit-test schedule). Evaluations
// of all groups run in time order; groups evaluated at the same time run in
// the given order. Nothing here evaluates a rule: `for`, keep_firing_for,
// limit, query_offset, staleness and the ALERTS / ALERTS_FOR_STATE series
// that later evaluations read all come from lib/rules, so a replay is what
// the live evaluator would have done at those times.
//
// The timeline is read from the ALERTS samples the groups write: an alert
// instance (its labels without alertstate) is pending from the evaluation
// that first writes it, firing from the first "firing" sample, and resolved
// (or, never having fired, cleared) at the first evaluation of its group
// that no longer writes it. A rule whose query failed keeps its alerts, as
// the live evaluator does; one whose `limit` was exceeded drops them all.
//
// Data comes from a Source: local OpenMetrics files (OpenLocalFiles) or a
// remote datasource fetched in pieces (OpenFetching over DatasourceFetcher).
// A source owns the store that queries read and
// that the rules' output goes to, so ALERTS and recording results feed
// later evaluations.
//
// Errors: Run() fails (InvalidArgument, "file:line:col: …") when a group
// cannot be built, before anything is evaluated; FailedPrecondition when
// the range is empty or holds no data; a Source error stops the replay
// (unless the source keeps going and reports gaps, FetchOptions).
// Rule evaluation errors do not stop it: they are counted per rule.
//
// Thread safety: Run() uses the source from the calling thread only;
// different replays over different sources are independent.
#ifndef VIGIL_REPLAY_H_
#define VIGIL_REPLAY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "vigil/labels.h"
#include "vigil/promql/engine.h"
#include "vigil/rule_file.h"
#include "vigil/rules.h"
#include "vigil/storage.h"

namespace vigil::datasource {
class Client;
}

namespace vigil::replay {

struct TimeSpan {
  int64_t min_ms = 0;
  int64_t max_ms = 0;
};

// Data a source could not get (FetchOptions::keep_going): the rules saw no
// samples of `selector` in [from_ms, to_ms].
struct DataGap {
  DataGap(std::string selector, int64_t from_ms, int64_t to_ms,
          std::string error)
      : selector(std::move(selector)),
        from_ms(from_ms),
        to_ms(to_ms),
        error(std::move(error)) {}
  std::string selector;
  int64_t from_ms = 0;
  int64_t to_ms = 0;
  std::string error;  // the first failure's message

  friend bool operator==(const DataGap&, const DataGap&) = default;
};

// Where a replay's queries read and its rule output goes.
class Source {
 public:
  virtual ~Source() = default;
  // What the rules' queries read; it shows what was appended to output().
  virtual Storage& storage() = 0;
  // Where recording results, ALERTS and ALERTS_FOR_STATE go.
  virtual Appendable& output() = 0;
  // Called before each evaluation, with `ts_ms` never decreasing; after it,
  // the samples at or before ts_ms that a query may read are in storage().
  // A streaming or remote source fetches its next bounded piece here.
  virtual absl::Status AdvanceTo(int64_t ts_ms) = 0;
  // No query will read samples older than `before_ms` any more; the source
  // may drop them to bound its memory.
  virtual void Forget(int64_t before_ms) = 0;
  // The oldest and newest sample of the input loaded so far; nullopt while
  // there is none. Run() refuses a range the span misses before it starts
  // (a source that loads everything up front) and a replay that ends with
  // no data at all (one that fetches as it goes).
  virtual std::optional<TimeSpan> DataSpan() const = 0;
  // What could not be fetched, in time order per selector.
  virtual std::vector<DataGap> Gaps() const { return {}; }
};

// What OpenLocalFiles loaded.
struct LoadReport {
  uint64_t series = 0;
  uint64_t samples = 0;
  // Input series the rules produce themselves (ALERTS, ALERTS_FOR_STATE and
  // recording rule names), left out so that the replay's own output is the
  // only one; counted by name.
  std::vector<std::pair<std::string, uint64_t>> skipped;
  // What a storage directory's load found and left as it is (damaged log
  // data, a snapshot passed over), "DIR: …" each.
  std::vector<std::string> notes;
};

// Loads timestamped OpenMetrics files (vigil/backfill.h: promtool's backfill
// format, the one `vigil run --storage.load` reads) into an in-memory Head.
// A path that is a directory is read as a vigil storage directory
// (`vigil run --storage.tsdb.path`: its snapshot and write-ahead log) and
// left as it is (tsdb::Head::LoadStorage). Series whose metric name is in
// `produced_names` are skipped. Errors are backfill's, "FILE:LINE:COL: …",
// or the directory's, naming it.
absl::StatusOr<std::unique_ptr<Source>> OpenLocalFiles(
    const std::vector<std::string>& paths,
    const std::vector<std::string>& produced_names, LoadReport* report);

// The metric names a replay of `groups` writes: ALERTS, ALERTS_FOR_STATE
// (when there is an alerting rule) and every recording rule's name.
std::vector<std::string> ProducedMetricNames(
    const std::vector<RuleGroupSpec>& groups);

struct Progress {
  uint64_t done = 0;   // group evaluations
  uint64_t total = 0;  // of the whole range
  int64_t ts_ms = 0;   // the latest evaluation time
};

// A range and step that would take longer than anyone waits (a week at 1 ms)
// are refused up front rather than run for days.
inline constexpr uint64_t kDefaultMaxEvaluations = 100'000'000;

// Receives every sample the rules wrote that the store took (--remote-write):
// Write() as they are written, Flush() at the end of each window of
// evaluations (each hour of replayed time step by step) and of the replay.
// A series' samples come in time order; across series, within a window,
// they do not.
class OutputSink {
 public:
  virtual ~OutputSink() = default;
  virtual void Write(const Labels& labels, int64_t t_ms, double v) = 0;
  // A recording rule's native histogram result; a sink that takes none
  // leaves it dropped.
  virtual void WriteHistogram(const Labels& /*labels*/, int64_t /*t_ms*/,
                              const FloatHistogram& /*h*/) {}
  // An error stops the replay with it.
  virtual absl::Status Flush() = 0;
};

// Batched evaluation's window: long enough that a range query's fixed costs
// (selecting the series, opening chunks) spread over 120 steps of a 30 s
// group, short enough that a window's results of a 10,000-pod cluster stay
// in tens of MB.
inline constexpr int64_t kDefaultWindowMs = 60 * 60 * 1000;

// When a batched range query runs (Options::queries_ahead).
enum class QueriesAhead {
  // When its rule first asks for it.
  kOff,
  // As soon as everything it reads is in the store (the rules whose output
  // it reads have run for the window), on a second thread while the replay
  // evaluates other rules; off on a one-core machine.
  kThread,
  // As kThread, but on the replay's thread as soon as it may: tests use it
  // to see that a query started that early reads complete data every time,
  // not by the luck of timing.
  kInline,
};

struct Options {
  int64_t start_ms = 0;  // inclusive
  int64_t end_ms = 0;    // inclusive
  // 0: each group at its own interval on the live evaluator's grid; else
  // every group at start + k·step_ms.
  int64_t step_ms = 0;
  int64_t default_interval_ms = 60 * 1000;  // global evaluation_interval
  int64_t default_query_offset_ms = 0;      // global rule_query_offset
  promql::EngineOptions engine;
  Labels external_labels;
  std::string external_url;
  // Groups evaluated at the same time run in this order (names; promtool's
  // group_eval_order); groups not named keep file order, first.
  std::vector<std::string> group_order;
  uint64_t max_evaluations = kDefaultMaxEvaluations;  // group evaluations
  // Evaluations are batched per window of this much replayed time: each
  // rule's expression runs as one range query over the window's steps and
  // the rules (state machine, staleness, ALERTS) take it step by step, with
  // the same results as one instant query per evaluation (docs/replay.md,
  // "Batched evaluation"). 0: one instant query per rule and evaluation, in
  // time order. With after_eval set the replay runs step by step.
  int64_t window_ms = kDefaultWindowMs;
  // Batched queries run ahead, on a second core, while the rules evaluate
  // (docs/replay.md, "Performance"); the results do not change.
  QueriesAhead queries_ahead = QueriesAhead::kThread;
  // Also receives every sample the rules write (for --output); may be null.
  Appendable* record = nullptr;
  // Also receives every sample the store took; may be null.
  OutputSink* sink = nullptr;
  // Called after each group evaluation (tests inspect the groups' alerts).
  std::function<void(int64_t ts_ms, const rules::RuleGroup&)> after_eval;
  // Called after each evaluation; keep it cheap.
  std::function<void(const Progress&)> progress;
};

// One stretch of an alert instance being active.
struct Episode {
  int64_t pending_ms = 0;              // the evaluation that first produced it
  std::optional<int64_t> fired_ms;     // none: never fired
  std::optional<int64_t> resolved_ms;  // none: still active at the end

  friend bool operator==(const Episode&, const Episode&) = default;
};

struct AlertInstance {
  std::string alertname;
  std::string group;
  std::string file;
  Labels labels;  // ALERTS' labels without __name__ and alertstate
  std::vector<Episode> episodes;

  friend bool operator==(const AlertInstance&, const AlertInstance&) = default;
};

struct RuleErrors {
  std::string group;
  std::string rule;
  uint64_t count = 0;
  int64_t first_ms = 0;
  std::string first_error;
};

struct Result {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  int64_t step_ms = 0;
  uint64_t evaluations = 0;  // group evaluations
  uint64_t groups = 0;
  uint64_t alerting_rules = 0;
  uint64_t recording_rules = 0;
  // Every alerting rule's name, sorted and unique, with the `severity`
  // label of the first rule of that name (to report zeros).
  std::vector<std::pair<std::string, std::string>> alert_rules;
  // Sorted by alertname, then labels.
  std::vector<AlertInstance> alerts;
  std::vector<RuleErrors> errors;
  // Source::Gaps(): data missing from the replay (--keep-going).
  std::vector<DataGap> gaps;
  double wall_seconds = 0;
  // How the rule queries ran (Options::window_ms): range queries of a
  // window, and instant queries (step by step, templates' `query`, rules
  // that read what is written during a window, batches the engine refused).
  uint64_t range_queries = 0;
  uint64_t instant_queries = 0;
};

absl::StatusOr<Result> Run(const std::vector<RuleGroupSpec>& groups,
                           Source& source, const Options& options);

// Builds every group as Run() would (expressions, templates) and evaluates
// nothing: a caller checks rule files before it loads any data.
absl::Status CheckGroups(const std::vector<RuleGroupSpec>& groups,
                         const Options& options);

// How far before an evaluation the queries of `groups` may read: lookback
// plus every range and offset; nullopt when an `@` modifier can read any
// time.
std::optional<int64_t> QueryReach(const std::vector<RuleGroupSpec>& groups,
                                  const promql::EngineOptions& engine,
                                  int64_t default_query_offset_ms);

// The series selectors of the rules' expressions, each once.
std::vector<Matchers> RuleSelectors(const std::vector<RuleGroupSpec>& groups,
                                    const promql::ParseOptions& parse = {});

// A store read in bounded pieces of time: a remote datasource's client
// implements it (DatasourceFetcher: one query per selector and piece).
class Fetcher {
 public:
  virtual ~Fetcher() = default;
  // Appends to `into` every sample in [from_ms, to_ms] of the series that
  // `selector` matches, each series in time order. An error names the
  // selector (or the query sent) and the time; samples appended before it
  // may stay.
  virtual absl::Status Fetch(const Matchers& selector, int64_t from_ms,
                             int64_t to_ms, Appendable& into) = 0;
};

// Prometheus's own head block span: a piece large enough that a week is
// 84 requests per selector, small enough to keep a piece of a large
// cluster in memory.
inline constexpr int64_t kDefaultFetchPieceMs = 2 * 3600 * 1000;

struct FetchOptions {
  std::vector<Matchers> selectors;  // RuleSelectors() of the rules
  // How far before an evaluation its queries read (QueryReach); the first
  // piece starts this much before the first evaluation.
  int64_t reach_ms = 0;
  int64_t piece_ms = kDefaultFetchPieceMs;
  // As OpenLocalFiles' produced_names: left out of what is fetched.
  std::vector<std::string> produced_names;
  // A failed fetch becomes a DataGap (Source::Gaps) and the replay goes on
  // without that selector's samples in that piece; else it stops the
  // replay with the fetcher's error.
  bool keep_going = false;
};

// A Source that fetches the data piece by piece as the replay advances
// (AdvanceTo fetches whole pieces until one ends at or past the evaluation
// time; one Fetch per selector and piece; a series that two selectors
// match is stored once), into an in-memory Head that also takes the rules'
// output and forgets what the queries no longer reach. Memory: one piece plus
// the reach, plus the rules' output over the reach. DataSpan() covers what was
// fetched so far.
std::unique_ptr<Source> OpenFetching(std::unique_ptr<Fetcher> fetcher,
                                     FetchOptions options);

// A Fetcher over any Storage: tests, and a datasource client that offers a
// Storage (remote read).
std::unique_ptr<Fetcher> StorageFetcher(Storage& storage);

// Below this a piece is not split further (DatasourceFetcher).
inline constexpr int64_t kMinFetchSplitMs = 60 * 1000;

// A Fetcher over a Prometheus-compatible query API (vigil/datasource.h):
// each selector and piece is one instant query of a range selector at the
// piece's end (Client::RawSamples), which returns the raw samples with
// their own timestamps on any Prometheus-compatible server. An answer too
// large for the client (max_response_bytes) or refused by the server for
// its sample limit (Prometheus's --query.max-samples) is asked again as two
// halves, down to kMinFetchSplitMs. Staleness markers are not returned by
// such queries: see docs/replay.md. Errors: "fetching SELECTOR from T to T
// (query "Q" at T): " and the client's error.
std::unique_ptr<Fetcher> DatasourceFetcher(
    std::shared_ptr<const datasource::Client> client);

// Writes every series of `store` with samples in [mint, maxt] to `path` as
// timestamped OpenMetrics, the format vigil/backfill.h reads and `promtool
// tsdb create-blocks-from openmetrics` imports: one family per metric name,
// typed gauge, staleness markers left out (the text cannot carry them).
absl::Status WriteOpenMetrics(Storage& store, int64_t mint_ms, int64_t maxt_ms,
                              const std::string& path);

}  // namespace vigil::replay

#endif  // VIGIL_REPLAY_H_
