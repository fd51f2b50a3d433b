#include "tests/promqltest/runner.h"

#include <chrono>
#include <limits>
#include <map>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "re2/re2.h"
#include "tests/promqltest/at_modifier_variants.h"
#include "tests/promqltest/expectations.h"
#include "tests/promqltest/go_literals.h"
#include "tests/promqltest/test_file_parser.h"
#include "tests/promqltest/text_util.h"
#include "tests/support/memory_storage.h"
#include "vigil/promql/parser.h"

namespace vigil::promqltest {
namespace {

using promql::NodeKind;

// upstream's DefaultMaxSamplesPerQuery and the test engine's other settings.
constexpr int64_t kMaxSamplesPerQuery = 10000;
constexpr auto kQueryTimeout = std::chrono::seconds(100);
constexpr int64_t kMinuteMs = 60 * 1000;
constexpr int64_t kLookbackMs = 5 * kMinuteMs;

// Instant queries using these are not re-run as range queries: they would
// resolve differently (upstream's reQueryContextFuncs).
const RE2& QueryContextFuncs() {
  static const RE2 re("(start|end|range|step)\\(\\)");
  return re;
}

// One step's verdict: unset means this query passed.
struct Verdict {
  Outcome outcome = Outcome::kPass;
  std::string message;
};

Verdict Pass() { return {}; }
Verdict FailWith(std::string message) {
  return {Outcome::kFail, std::move(message)};
}
Verdict FailWith(const absl::Status& s) {
  return FailWith(std::string(FromAbsl(s.message())));
}
Verdict UnsupportedBy(const absl::Status& s) {
  return {Outcome::kUnsupported,
          absl::StrCat("engine returned Unimplemented: ", s.message())};
}

void CollectSelectors(const promql::Expr& e,
                      std::vector<const promql::VectorSelector*>* out) {
  switch (e.kind) {
    case NodeKind::kVectorSelector:
      out->push_back(&e.As<promql::VectorSelector>());
      break;
    case NodeKind::kMatrixSelector:
      out->push_back(e.As<promql::MatrixSelector>().selector.get());
      break;
    case NodeKind::kSubquery:
      CollectSelectors(*e.As<promql::SubqueryExpr>().expr, out);
      break;
    case NodeKind::kCall:
      for (const auto& arg : e.As<promql::Call>().args) {
        CollectSelectors(*arg, out);
      }
      break;
    case NodeKind::kParen:
      CollectSelectors(*e.As<promql::ParenExpr>().expr, out);
      break;
    case NodeKind::kUnary:
      CollectSelectors(*e.As<promql::UnaryExpr>().expr, out);
      break;
    case NodeKind::kBinary:
      CollectSelectors(*e.As<promql::BinaryExpr>().lhs, out);
      CollectSelectors(*e.As<promql::BinaryExpr>().rhs, out);
      break;
    case NodeKind::kAggregate: {
      const auto& a = e.As<promql::AggregateExpr>();
      if (a.param != nullptr) CollectSelectors(*a.param, out);
      CollectSelectors(*a.expr, out);
      break;
    }
    case NodeKind::kDuration:
    case NodeKind::kNumber:
    case NodeKind::kString:
      break;
  }
}

// The reason the query could read a series vigil cannot hold, if any.
std::optional<std::string> TouchesUnsupported(
    const promql::Expr& expr, const std::vector<UnsupportedSeries>& series) {
  if (series.empty()) return std::nullopt;
  std::vector<const promql::VectorSelector*> selectors;
  CollectSelectors(expr, &selectors);
  for (const auto* vs : selectors) {
    for (const UnsupportedSeries& u : series) {
      bool all = true;
      for (const Matcher& m : vs->matchers) {
        if (!m.Matches(u.labels.Get(m.name()))) {
          all = false;
          break;
        }
      }
      if (all) return u.reason;
    }
  }
  return std::nullopt;
}

class FileRunner {
 public:
  explicit FileRunner(const promql::Engine& engine) : engine_(engine) {}

  void Load(const LoadCommand& cmd) {
    for (size_t k = 0; k < cmd.series.size(); ++k) {
      const auto& s = cmd.series[k];
      const auto& offsets = cmd.start_offsets[k];
      for (size_t i = 0; i < s.values.size(); ++i) {
        if (!s.values[i].has_value()) continue;
        const int64_t t = static_cast<int64_t>(i) * cmd.step_ms;
        // upstream: the sample's start timestamp is its time plus the @st
        // line's offset; 0 (none) where the line has `_`.
        int64_t st = 0;
        if (i < offsets.size() && offsets[i].has_value()) st = t + *offsets[i];
        storage_.Add(s.labels, t, *s.values[i], st);
      }
      for (size_t i = 0; i < s.histograms.size(); ++i) {
        if (s.histograms[i] == nullptr) continue;
        const int64_t t = static_cast<int64_t>(i) * cmd.step_ms;
        int64_t st = 0;
        if (i < offsets.size() && offsets[i].has_value()) st = t + *offsets[i];
        storage_.AddHistogram(s.labels, t, *s.histograms[i], st);
      }
    }
    if (cmd.with_nhcb) LoadNhcb(cmd);
    unsupported_.insert(unsupported_.end(), cmd.unsupported.begin(),
                        cmd.unsupported.end());
  }

  // upstream's appendCustomHistogram: the classic histograms of the block
  // also loaded as native histograms with custom buckets, one per series
  // and step (convertnhcb.TempHistogram).
  void LoadNhcb(const LoadCommand& cmd) {
    struct Temp {
      std::map<double, double> buckets;  // le -> cumulative count
      std::optional<double> count;
      double sum = 0;
    };
    std::map<Labels, std::map<int64_t, Temp>> by_series;
    for (const auto& s : cmd.series) {
      std::optional<Labels> base = NhcbSeriesFor(s.labels);
      if (!base.has_value()) continue;
      const std::string_view name = s.labels.MetricName();
      const std::optional<double> le = name.ends_with("_bucket")
                                           ? ParseGoFloat(s.labels.Get("le"))
                                           : std::nullopt;
      for (size_t i = 0; i < s.values.size(); ++i) {
        if (!s.values[i].has_value() || IsStaleNaN(*s.values[i])) continue;
        Temp& t = by_series[*base][static_cast<int64_t>(i) * cmd.step_ms];
        if (le.has_value()) {
          t.buckets[*le] = *s.values[i];
        } else if (name.ends_with("_count")) {
          t.count = *s.values[i];
        } else {
          t.sum = *s.values[i];
        }
      }
    }
    const double inf = std::numeric_limits<double>::infinity();
    for (auto& [labels, by_time] : by_series) {
      for (auto& [t, temp] : by_time) {
        if (temp.buckets.empty() || temp.buckets.rbegin()->first != inf) {
          // No +Inf bucket: it holds the count (or the last bucket's).
          double c = temp.count.value_or(
              temp.buckets.empty() ? 0 : temp.buckets.rbegin()->second);
          temp.buckets[inf] = c;
        }
        FloatHistogram h;
        h.schema = kCustomBucketsSchema;
        h.count = temp.count.value_or(temp.buckets.rbegin()->second);
        h.sum = temp.sum;
        double prev = 0;
        for (const auto& [bound, c] : temp.buckets) {
          h.positive_buckets.push_back(c - prev);
          prev = c;
          if (bound != inf) h.custom_values.push_back(bound);
        }
        h.positive_spans.push_back(
            {0, static_cast<uint32_t>(h.positive_buckets.size())});
        h.Compact(0);
        storage_.AddHistogram(labels, t, h);
      }
    }
  }

  void Clear() {
    storage_.Clear();
    unsupported_.clear();
  }

  Verdict Eval(const EvalCommand& ev) {
    if (!ev.error.empty()) return FailWith(ev.error);
    if (!ev.unsupported_reason.empty()) {
      return {Outcome::kUnsupported, ev.unsupported_reason};
    }
    auto parsed =
        promql::ParseExpr(ev.expr, promql::ParseOptions::AllExperimental());
    if (absl::IsUnimplemented(parsed.status())) {
      return UnsupportedBy(parsed.status());
    }
    if (!parsed.ok()) {
      // Upstream parses every eval's expression up front and rejects the
      // file when one does not parse, `expect fail` or not.
      return FailWith(absl::StrCat("expression does not parse: ",
                                   parsed.status().message()));
    }
    if (auto reason = TouchesUnsupported(**parsed, unsupported_)) {
      return {Outcome::kUnsupported, *reason};
    }
    return ev.is_range ? RangeEval(ev) : InstantEval(ev);
  }

 private:
  Verdict RangeEval(const EvalCommand& ev) {
    auto res = engine_.RangeQuery(storage_, ev.expr, ev.start_ms, ev.end_ms,
                                  ev.step_ms);
    if (absl::IsUnimplemented(res.status())) return UnsupportedBy(res.status());
    if (!res.ok()) {
      if (ev.IsFail()) {
        absl::Status s =
            CheckExpectedFailure(ev, FromAbsl(res.status().message()));
        return s.ok() ? Pass() : FailWith(s);
      }
      return FailWith(absl::StrCat("error evaluating query \"", ev.expr,
                                   "\" (line ", ev.line,
                                   "): ", res.status().message()));
    }
    if (ev.IsFail()) {
      return FailWith(absl::StrCat("expected error evaluating query \"",
                                   ev.expr, "\" (line ", ev.line,
                                   ") but got none"));
    }
    if (absl::Status s =
            CheckAnnotations(ev, ev.expr, res->warnings, res->infos);
        !s.ok()) {
      return FailWith(s);
    }
    if (absl::Status s = CompareResult(ev, res->value); !s.ok()) {
      return FailWith(absl::StrCat("error in eval ", ev.expr, " (line ",
                                   ev.line, "): ", s.message()));
    }
    return Pass();
  }

  Verdict InstantEval(const EvalCommand& ev) {
    auto variants = AtModifierVariants(ev.expr, ev.eval_ms);
    if (absl::IsUnimplemented(variants.status())) {
      return UnsupportedBy(variants.status());
    }
    if (!variants.ok()) return FailWith(variants.status());
    std::vector<InstantQuery> queries = {{ev.expr, ev.eval_ms}};
    queries.insert(queries.end(), variants->begin(), variants->end());
    for (const InstantQuery& iq : queries) {
      Verdict v = RunInstantQuery(ev, iq);
      if (v.outcome != Outcome::kPass) return v;
    }
    return Pass();
  }

  Verdict RunInstantQuery(const EvalCommand& ev, const InstantQuery& iq) {
    auto res = engine_.InstantQuery(storage_, iq.expr, iq.eval_ms);
    if (absl::IsUnimplemented(res.status())) return UnsupportedBy(res.status());
    if (!res.ok()) {
      if (ev.IsFail()) {
        absl::Status s =
            CheckExpectedFailure(ev, FromAbsl(res.status().message()));
        return s.ok() ? Pass() : FailWith(s);
      }
      return FailWith(absl::StrCat("error evaluating query \"", iq.expr,
                                   "\" at ", iq.eval_ms, "ms (line ", ev.line,
                                   "): ", res.status().message()));
    }
    if (ev.IsFail()) {
      return FailWith(absl::StrCat("expected error evaluating query \"",
                                   iq.expr, "\" (line ", ev.line,
                                   ") but got none"));
    }
    if (absl::Status s =
            CheckAnnotations(ev, iq.expr, res->warnings, res->infos);
        !s.ok()) {
      return FailWith(s);
    }
    if (absl::Status s = CompareResult(ev, res->value); !s.ok()) {
      return FailWith(absl::StrCat("error in eval ", iq.expr, " at ",
                                   iq.eval_ms, "ms (line ", ev.line,
                                   "): ", s.message()));
    }
    if (ev.exclude_from_range_query ||
        RE2::PartialMatch(iq.expr, QueryContextFuncs())) {
      return Pass();
    }
    return RangeModeCheck(ev, iq, res->value);
  }

  // The same query as a range query around t: its point at t must equal the
  // instant result.
  Verdict RangeModeCheck(const EvalCommand& ev, const InstantQuery& iq,
                         const QueryValue& instant_value) {
    auto res = engine_.RangeQuery(storage_, iq.expr, iq.eval_ms - kMinuteMs,
                                  iq.eval_ms + kMinuteMs, kMinuteMs);
    if (absl::IsUnimplemented(res.status())) return UnsupportedBy(res.status());
    if (!res.ok()) {
      return FailWith(
          absl::StrCat("error evaluating query \"", iq.expr, "\" (line ",
                       ev.line, ") in range mode: ", res.status().message()));
    }
    // Range results are sorted by labels, so `ordered` cannot be checked.
    if (ev.IsOrdered()) return Pass();
    const auto* matrix = std::get_if<promql::Matrix>(&res->value);
    if (matrix == nullptr) {
      return FailWith(absl::StrCat("range query \"", iq.expr, "\" (line ",
                                   ev.line, ") did not return a matrix"));
    }
    if (absl::Status s = AssertMatrixSorted(*matrix); !s.ok()) {
      return FailWith(s);
    }
    promql::Vector vec;
    for (const auto& series : *matrix) {
      for (const Sample& p : series.samples) {
        if (p.t == iq.eval_ms) {
          vec.push_back({series.metric, p.t, p.v});
          break;
        }
      }
      for (const promql::HistogramPoint& p : series.histograms) {
        if (p.t == iq.eval_ms) {
          vec.push_back({series.metric, p.t, 0, p.h});
          break;
        }
      }
    }
    absl::Status s;
    if (std::holds_alternative<promql::Scalar>(instant_value)) {
      if (vec.empty()) {
        return FailWith(absl::StrCat("error in eval ", iq.expr, " (line ",
                                     ev.line,
                                     ") range mode: no point at the "
                                     "evaluation time"));
      }
      s = CompareResult(ev, promql::Scalar{vec[0].t, vec[0].v});
    } else {
      s = CompareResult(ev, vec);
    }
    if (!s.ok()) {
      return FailWith(absl::StrCat("error in eval ", iq.expr, " at ",
                                   iq.eval_ms, "ms (line ", ev.line,
                                   ") range mode: ", s.message()));
    }
    return Pass();
  }

  const promql::Engine& engine_;
  testing::MemoryStorage storage_;
  std::vector<UnsupportedSeries> unsupported_;
};

}  // namespace

promql::EngineOptions ReferenceEngineOptions() {
  promql::EngineOptions o;
  o.lookback_delta_ms = kLookbackMs;
  o.max_samples = kMaxSamplesPerQuery;
  o.timeout = kQueryTimeout;
  o.default_subquery_step_ms = kMinuteMs;
  o.enable_delayed_name_removal = true;
  o.parse_options = promql::ParseOptions::AllExperimental();
  return o;
}

FileReport RunTestFile(const TestFile& file, const promql::Engine& engine) {
  FileReport report;
  FileRunner runner(engine);
  for (const Command& cmd : file.commands) {
    if (const auto* load = std::get_if<LoadCommand>(&cmd)) {
      runner.Load(*load);
    } else if (std::holds_alternative<ClearCommand>(cmd)) {
      runner.Clear();
    } else {
      const auto& ev = std::get<EvalCommand>(cmd);
      Verdict v = runner.Eval(ev);
      switch (v.outcome) {
        case Outcome::kPass:
          ++report.passed;
          continue;
        case Outcome::kFail:
          ++report.failed;
          break;
        case Outcome::kUnsupported:
          ++report.unsupported;
          ++report.unsupported_by_reason[v.message];
          break;
      }
      report.results.push_back({v.outcome, ev.line, ev.expr, v.message});
    }
  }
  return report;
}

}  // namespace vigil::promqltest
