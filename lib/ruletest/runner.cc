// Running a unit-test file as promtool's cmd/promtool/unittest.go does.
//
// Per test group: a fresh Head; input samples appended lazily, up to each
// evaluation time (promql.LazyLoader's WithSamplesTill), so rules never see
// samples from their future; every rule group evaluated at every
// evaluation_interval step from the start to the largest eval_time, groups
// marked restored so ALERTS is written from the first evaluation; alert
// tests checked right after the evaluation at or before their eval_time;
// promql_expr_test queries run after the last evaluation.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/model/duration.h"
#include "lib/model/go_quote.h"
#include "lib/ruletest/diff.h"
#include "lib/ruletest/expr_walk.h"
#include "lib/ruletest/format.h"
#include "lib/ruletest/test_file.h"
#include "re2/re2.h"
#include "vigil/promql/engine.h"
#include "vigil/promql/parser.h"
#include "vigil/promql/series_description.h"
#include "vigil/rules.h"
#include "vigil/ruletest.h"
#include "vigil/tsdb.h"

namespace vigil::ruletest {
namespace {

struct LoadedSeries {
  Labels labels;
  std::vector<std::optional<double>> values;
  // Native histograms parallel to `values` (empty when none).
  std::vector<HistogramPtr> histograms;
  size_t next = 0;  // first value not appended yet
  SeriesRef ref = 0;
};

Failure BadInput(std::string text) {
  Failure f;
  f.promtool_text = std::move(text);
  f.bad_input = true;
  return f;
}

Failure TestFailure(std::string text, std::string diff = "") {
  Failure f;
  f.promtool_text = std::move(text);
  f.diff = std::move(diff);
  return f;
}

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Go's filepath.Join for a relative path: drops "./" and empty elements.
std::string JoinPath(const std::string& dir, const std::string& rel) {
  std::string joined = dir == "." ? rel : absl::StrCat(dir, "/", rel);
  std::vector<std::string> parts;
  for (absl::string_view p : absl::StrSplit(joined, '/')) {
    if (p == "." || (p.empty() && !parts.empty())) continue;
    parts.emplace_back(p);
  }
  std::string out = absl::StrJoin(parts, "/");
  return out.empty() ? "." : out;
}

// promtool's expected labels: parser.ParseMetric, i.e. `name{a="b"}` or
// `{__name__="name", a="b"}`; "" is the empty label set.
absl::StatusOr<Labels> ParseMetric(const std::string& text) {
  if (text.find_first_not_of(" \t\n") == std::string::npos) return Labels();
  auto desc = promql::ParseSeriesDescription(text);
  if (!desc.ok()) return desc.status();
  if (!desc->values.empty() || !desc->histograms.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected values after the label set in ", text));
  }
  return desc->labels;
}

// An exp_samples `histogram:` as promtool reads it: one `{{…}}` value of
// the series notation, compared through its normalised test expression.
absl::StatusOr<std::string> ParseHistogram(const std::string& text) {
  auto desc = promql::ParseSeriesDescription(absl::StrCat("{} ", text));
  if (!desc.ok()) return desc.status();
  if (desc->values.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected 1 value, got ", desc->values.size()));
  }
  if (desc->histograms.empty() || desc->histograms[0] == nullptr) {
    // promtool prints the value as Go's SequenceValue.String does.
    const std::optional<double>& v = desc->values[0];
    std::string got = "_";
    if (v.has_value()) {
      got = std::isnan(*v)   ? "NaN"
            : std::isinf(*v) ? (*v > 0 ? "+Inf" : "-Inf")
                             : absl::StrFormat("%f", *v);
    }
    return absl::InvalidArgumentError(
        absl::StrCat("expected histogram, got ", got));
  }
  return desc->histograms[0]->TestExpression();
}

std::vector<Label> SortedAnnotations(std::vector<Label> annotations) {
  std::sort(annotations.begin(), annotations.end());
  return annotations;
}

class GroupRunner {
 public:
  GroupRunner(const UnitTestFile& file, const TestGroup& tg,
              const std::vector<RuleGroupSpec>& specs,
              const std::map<std::string, int>& order, int64_t eval_interval)
      : file_(file),
        tg_(tg),
        specs_(specs),
        order_(order),
        eval_interval_(eval_interval),
        interval_(tg.interval_ms != 0 ? tg.interval_ms : eval_interval),
        mint_(tg.start_ms) {}

  std::vector<Failure> Run() {
    std::vector<Failure> errs;
    if (!LoadSeries(&errs)) return errs;
    if (!CreateGroups(&errs)) return errs;
    if (!PrepareAlertTests(&errs)) return errs;

    int64_t maxd = 0;
    for (const auto& t : tg_.alert_rule_test)
      maxd = std::max(maxd, t.eval_time_ms);
    for (const auto& t : tg_.promql_expr_test)
      maxd = std::max(maxd, t.eval_time_ms);
    const int64_t maxt = mint_ + maxd;

    size_t curr = 0;
    for (int64_t ts = mint_; ts <= maxt; ts += eval_interval_) {
      std::vector<Failure> eval_errs;
      absl::Status loaded = AppendSamplesTill(ts);
      if (!loaded.ok()) {
        errs.push_back(TestFailure(std::string(loaded.message())));
      } else {
        for (const auto& g : groups_) {
          g->Eval(ts);
          for (const auto& r : g->rules()) {
            const std::string err = r->last_error();
            if (err.empty()) continue;
            eval_errs.push_back(TestFailure(absl::StrCat(
                "    rule: ", r->name(), ", time: ", GoDuration(ts - mint_),
                ", err: ", err)));
          }
        }
      }
      errs.insert(errs.end(), eval_errs.begin(), eval_errs.end());
      // promtool stops at evaluation errors, but not at test failures.
      if (!eval_errs.empty()) return errs;

      while (curr < alert_times_.size() && ts - mint_ <= alert_times_[curr] &&
             alert_times_[curr] < ts - mint_ + eval_interval_) {
        CheckAlerts(alert_times_[curr], &errs);
        ++curr;
      }
    }
    CheckExpressions(&errs);
    return errs;
  }

 private:
  bool LoadSeries(std::vector<Failure>* errs) {
    for (const InputSeries& s : tg_.input_series) {
      // promtool hands "series values" to the PromQL test loader, so errors
      // carry columns into that joined line.
      auto desc =
          promql::ParseSeriesDescription(absl::StrCat(s.series, " ", s.values));
      if (!desc.ok()) {
        errs->push_back(BadInput(std::string(desc.status().message())));
        return false;
      }
      series_.push_back(
          {desc->labels, std::move(desc->values), std::move(desc->histograms)});
    }
    return true;
  }

  absl::Status AppendSamplesTill(int64_t ts) {
    auto app = store_.NewAppender();
    for (LoadedSeries& s : series_) {
      while (s.next < s.values.size() &&
             mint_ + static_cast<int64_t>(s.next) * interval_ <= ts) {
        const size_t i = s.next;
        const auto& v = s.values[i];
        const int64_t t = mint_ + static_cast<int64_t>(i) * interval_;
        ++s.next;
        if (i < s.histograms.size() && s.histograms[i] != nullptr) {
          auto ref = app->AppendHistogram(s.ref, s.labels, t, *s.histograms[i]);
          if (!ref.ok()) {
            app->Rollback();
            return ref.status();
          }
          s.ref = *ref;
          continue;
        }
        if (!v.has_value()) continue;
        auto ref = app->Append(s.ref, s.labels, t, *v);
        if (!ref.ok()) {
          app->Rollback();
          return ref.status();
        }
        s.ref = *ref;
      }
    }
    return app->Commit();
  }

  bool CreateGroups(std::vector<Failure>* errs) {
    promql::EngineOptions eo;
    // promtool sets the loader's SubqueryInterval to evaluation_interval.
    eo.default_subquery_step_ms = eval_interval_;
    engine_ = std::make_unique<promql::Engine>(eo);
    for (const RuleGroupSpec& spec : specs_) {
      rules::GroupOptions go;
      go.storage = &store_;
      go.appendable = &store_;
      go.engine = engine_.get();
      go.default_interval_ms = interval_;
      go.external_labels = tg_.external_labels;
      go.external_url = tg_.external_url;
      auto g = rules::RuleGroup::Create(spec, std::move(go));
      if (!g.ok()) {
        // Already "file:line:col: group …, rule N, …: template: …".
        errs->push_back(BadInput(std::string(g.status().message())));
        return false;
      }
      (*g)->SetRestored();
      groups_.push_back(std::move(*g));
    }
    // promtool sorts by the group_eval_order index; groups not listed get
    // index 0. A stable sort keeps the rest in file order.
    auto index = [this](const std::unique_ptr<rules::RuleGroup>& g) {
      auto it = order_.find(g->name());
      return it == order_.end() ? 0 : it->second;
    };
    std::stable_sort(
        groups_.begin(), groups_.end(),
        [&](const auto& a, const auto& b) { return index(a) < index(b); });
    return true;
  }

  bool PrepareAlertTests(std::vector<Failure>* errs) {
    std::set<int64_t> times;
    for (const AlertTestCase& t : tg_.alert_rule_test) {
      if (t.alertname.empty()) {
        std::string in_group;
        if (!tg_.name.empty()) {
          in_group = absl::StrCat(" (in TestGroup ", tg_.name, ")");
        }
        errs->push_back(BadInput(absl::StrCat(
            "an item under alert_rule_test misses required attribute "
            "alertname at eval_time ",
            FormatDurationMs(t.eval_time_ms), in_group)));
        return false;
      }
      times.insert(t.eval_time_ms);
    }
    alert_times_.assign(times.begin(), times.end());
    return true;
  }

  void CheckAlerts(int64_t t, std::vector<Failure>* errs) {
    for (const AlertTestCase& tc : tg_.alert_rule_test) {
      if (tc.eval_time_ms != t) continue;
      // The same alert name may be used by rules of several groups: the
      // test lists the union of their firing alerts.
      std::vector<AlertEntry> got;
      int pending = 0;
      for (const auto& g : groups_) {
        for (const auto& r : g->rules()) {
          if (!r->is_alert() || r->name() != tc.alertname) continue;
          for (const rules::Alert& a : r->alerts()) {
            if (a.state == rules::AlertState::kPending) ++pending;
            if (a.state != rules::AlertState::kFiring) continue;
            got.push_back({a.labels, SortedAnnotations(a.annotations)});
          }
        }
      }
      std::vector<AlertEntry> exp;
      for (const ExpectedAlert& ea : tc.exp_alerts) {
        // The test gives the rule's labels; alertname is added by
        // evaluation, so promtool adds it to the expectation.
        LabelsBuilder b;
        for (const auto& [k, v] : ea.labels) b.Set(k, v);
        b.Set(rules::kAlertNameLabel, tc.alertname);
        std::vector<Label> ann;
        for (const auto& [k, v] : ea.annotations) ann.push_back({k, v});
        exp.push_back({b.Build(), std::move(ann)});
      }
      std::sort(got.begin(), got.end(), AlertLess);
      std::sort(exp.begin(), exp.end(), AlertLess);
      bool equal = got.size() == exp.size();
      for (size_t i = 0; equal && i < got.size(); ++i) {
        equal = got[i].labels == exp[i].labels &&
                got[i].annotations == exp[i].annotations;
      }
      if (equal) continue;
      std::string name;
      if (!tg_.name.empty()) name = absl::StrCat("    name: ", tg_.name, ",\n");
      std::string diff = DiffAlerts(exp, got);
      if (pending > 0 && got.size() < exp.size()) {
        absl::StrAppend(&diff, "      note: ", pending, " alert(s) named ",
                        tc.alertname,
                        " are pending at this time (their `for` has not "
                        "elapsed yet)\n");
      }
      errs->push_back(TestFailure(
          absl::StrCat(name, "    alertname: ", tc.alertname, ", time: ",
                       FormatDurationMs(tc.eval_time_ms), ", \n        exp:",
                       IndentLines(AlertsString(exp), "            "),
                       ", \n        got:",
                       IndentLines(AlertsString(got), "            ")),
          std::move(diff)));
    }
  }

  void CheckExpressions(std::vector<Failure>* errs) {
    for (const PromqlTestCase& tc : tg_.promql_expr_test) {
      const std::string head =
          absl::StrCat("    expr: ", QuoteString(tc.expr),
                       ", time: ", FormatDurationMs(tc.eval_time_ms));
      auto res =
          engine_->InstantQuery(store_, tc.expr, mint_ + tc.eval_time_ms);
      if (!res.ok()) {
        errs->push_back(
            TestFailure(absl::StrCat(head, ", err: ", res.status().message())));
        continue;
      }
      std::vector<SampleEntry> got;
      if (const auto* v = std::get_if<promql::Vector>(&res->value)) {
        for (const auto& s : *v) {
          got.push_back(
              {s.metric, s.v, s.h != nullptr ? s.h->TestExpression() : ""});
        }
      } else if (const auto* sc = std::get_if<promql::Scalar>(&res->value)) {
        got.push_back({Labels(), sc->v});
      } else {
        errs->push_back(TestFailure(absl::StrCat(
            head, ", err: rule result is not a vector or scalar")));
        continue;
      }
      std::vector<SampleEntry> exp;
      bool bad = false;
      for (const ExpectedSample& s : tc.exp_samples) {
        auto lb = ParseMetric(s.labels);
        absl::StatusOr<std::string> hist = std::string();
        if (lb.ok() && !s.histogram.empty()) hist = ParseHistogram(s.histogram);
        const absl::Status st = lb.ok() ? hist.status() : lb.status();
        if (!st.ok()) {
          errs->push_back(TestFailure(absl::StrCat(head, ", err: labels ",
                                                   QuoteString(s.labels), ": ",
                                                   st.message())));
          bad = true;
          break;
        }
        exp.push_back({*lb, s.value, std::move(*hist)});
      }
      if (bad) continue;
      auto by_labels = [](const SampleEntry& a, const SampleEntry& b) {
        return a.labels < b.labels;
      };
      std::stable_sort(exp.begin(), exp.end(), by_labels);
      std::stable_sort(got.begin(), got.end(), by_labels);
      bool equal = exp.size() == got.size();
      for (size_t i = 0; equal && i < exp.size(); ++i) {
        equal =
            exp[i].labels == got[i].labels &&
            SampleValueEqual(exp[i].value, got[i].value, file_.fuzzy_compare) &&
            exp[i].histogram == got[i].histogram;
      }
      if (equal) continue;
      errs->push_back(
          TestFailure(absl::StrCat(head, ",\n        exp: ", SamplesString(exp),
                                   "\n        got: ", SamplesString(got)),
                      DiffSamples(exp, got, file_.fuzzy_compare)));
    }
  }

  const UnitTestFile& file_;
  const TestGroup& tg_;
  const std::vector<RuleGroupSpec>& specs_;
  const std::map<std::string, int>& order_;
  const int64_t eval_interval_;
  const int64_t interval_;
  const int64_t mint_;

  // The Head, as promtool's test storage is a real TSDB: out-of-order and
  // duplicate samples are refused, a series may hold floats and histograms.
  tsdb::Head store_;
  std::unique_ptr<promql::Engine> engine_;
  std::vector<std::unique_ptr<rules::RuleGroup>> groups_;
  std::vector<LoadedSeries> series_;
  std::vector<int64_t> alert_times_;
};

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("open ", path, ": no such file or directory"));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    return absl::DataLossError(absl::StrCat("read ", path, ": I/O error"));
  }
  return ss.str();
}

void CollectCoverageInputs(const UnitTestFile& file, const TestGroup& tg,
                           FileResult* r) {
  (void)file;
  for (const AlertTestCase& t : tg.alert_rule_test) {
    r->tested_alerts.push_back(t.alertname);
  }
  for (const PromqlTestCase& t : tg.promql_expr_test) {
    auto expr = promql::ParseExpr(t.expr);
    if (!expr.ok()) continue;
    for (std::string& n : SelectedMetricNames(**expr)) {
      r->queried_metrics.push_back(std::move(n));
    }
  }
}

}  // namespace

FileResult RunTestFile(const std::string& path, const TestOptions& options) {
  FileResult r;
  r.file = path;
  auto fail_file = [&r](std::string text) {
    r.file_errors.push_back(BadInput(std::move(text)));
    r.verdict = Verdict::kBadInput;
    return r;
  };

  auto content = ReadFile(path);
  if (!content.ok()) return fail_file(std::string(content.status().message()));
  auto file = DecodeTestFile(*content, path);
  if (!file.ok()) return fail_file(std::string(file.status().message()));

  // Rule files are relative to the test file, then globbed.
  std::vector<std::string> rule_files;
  for (const std::string& pattern : file->rule_files) {
    std::string p = pattern;
    if (!p.empty() && p[0] != '/') p = JoinPath(DirName(path), p);
    std::vector<std::string> matches = rules::ExpandFileGlobs({p});
    if (matches.empty()) {
      r.warnings.push_back(
          absl::StrCat("  WARNING: no file match pattern ", p));
    }
    rule_files.insert(rule_files.end(), matches.begin(), matches.end());
  }

  const int64_t eval_interval = file->evaluation_interval_ms != 0
                                    ? file->evaluation_interval_ms
                                    : kDefaultEvaluationIntervalMs;
  std::map<std::string, int> order;
  for (size_t i = 0; i < file->group_eval_order.size(); ++i) {
    const std::string& g = file->group_eval_order[i];
    if (!order.emplace(g, static_cast<int>(i)).second) {
      return fail_file(
          absl::StrCat("group name repeated in evaluation order: ", g));
    }
  }

  std::unique_ptr<RE2> run;
  if (!options.run.empty()) {
    run = std::make_unique<RE2>(absl::StrJoin(options.run, "|"), RE2::Quiet);
    if (!run->ok()) {
      return fail_file(
          absl::StrCat("--run: invalid regular expression: ", run->error()));
    }
  }

  // Rule files are parsed once; promtool loads them for every test group
  // and so reports their errors once per group, as we do below.
  RuleFileOptions rfo;
  rfo.ignore_unknown_fields = options.ignore_unknown_fields;
  std::vector<RuleGroupSpec> specs;
  std::vector<std::string> rule_errors;
  for (const std::string& rf : rule_files) {
    auto groups = LoadRuleFile(rf, rfo);
    if (!groups.ok()) {
      rule_errors.emplace_back(groups.status().message());
      continue;
    }
    for (RuleGroupSpec& g : *groups) {
      for (const RuleSpec& rule : g.rules) {
        r.rules.push_back({rf, rule.position, rule.name(), rule.is_alert()});
      }
      specs.push_back(std::move(g));
    }
  }

  for (size_t i = 0; i < file->tests.size(); ++i) {
    const TestGroup& tg = file->tests[i];
    // Like Go's regexp MatchString: a match anywhere in the name.
    if (run != nullptr && !RE2::PartialMatch(tg.name, *run)) continue;
    TestGroupResult gr;
    gr.name = tg.name.empty() ? absl::StrCat("unnamed#", i) : tg.name;
    const auto start = std::chrono::steady_clock::now();
    if (!rule_errors.empty()) {
      for (const std::string& e : rule_errors)
        gr.failures.push_back(BadInput(e));
    } else {
      GroupRunner runner(*file, tg, specs, order, eval_interval);
      gr.failures = runner.Run();
    }
    gr.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    CollectCoverageInputs(*file, tg, &r);
    for (const Failure& f : gr.failures) {
      if (f.bad_input) {
        r.verdict = Verdict::kBadInput;
      } else if (r.verdict == Verdict::kPass) {
        r.verdict = Verdict::kFail;
      }
    }
    r.groups.push_back(std::move(gr));
  }
  return r;
}

}  // namespace vigil::ruletest
