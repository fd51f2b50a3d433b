// Replay of the shipped rule pack over its own unit-test series: every
// test group's input_series written out as OpenMetrics (the format `vigil
// replay --data` reads), replayed at the file's evaluation_interval, must
// give at each alert_rule_test's eval_time exactly the firing alerts the
// test expects — from the replay's timeline (labels) and from the groups
// the replay evaluated (annotations).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "lib/model/go_float.h"
#include "lib/ruletest/test_file.h"
#include "vigil/backfill.h"
#include "vigil/promql/series_description.h"
#include "vigil/replay.h"
#include "vigil/tsdb.h"

namespace vigil::replay {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The OpenMetrics line of one sample: `name{a="b"} v t` (t in seconds).
std::string SampleLine(const Labels& labels, double v, int64_t t_ms) {
  std::string line(labels.MetricName());
  bool first = true;
  for (const Label& l : labels) {
    if (l.name == kMetricName) continue;
    absl::StrAppend(&line, first ? "{" : ",", l.name, "=\"", l.value, "\"");
    first = false;
  }
  if (!first) line += "}";
  absl::StrAppend(&line, " ", GoFormatFloat(v), " ");
  absl::StrAppend(&line, t_ms / 1000);
  if (t_ms % 1000 != 0) absl::StrAppend(&line, ".", t_ms % 1000);
  return line;
}

// input_series → OpenMetrics, with promtool's expansion (the series
// description notation) and timestamps (start + i·interval).
std::string ToOpenMetrics(const ruletest::TestGroup& tg, int64_t interval) {
  std::map<Labels, std::vector<std::string>> by_series;
  for (const ruletest::InputSeries& s : tg.input_series) {
    auto desc =
        promql::ParseSeriesDescription(absl::StrCat(s.series, " ", s.values));
    EXPECT_TRUE(desc.ok()) << desc.status();
    if (!desc.ok()) continue;
    for (size_t i = 0; i < desc->values.size(); ++i) {
      if (!desc->values[i].has_value()) continue;
      // OpenMetrics text has no staleness marker; the pack does not use one.
      EXPECT_FALSE(IsStaleNaN(*desc->values[i])) << s.series;
      by_series[desc->labels].push_back(
          SampleLine(desc->labels, *desc->values[i],
                     tg.start_ms + static_cast<int64_t>(i) * interval));
    }
  }
  std::string om;
  for (const auto& [labels, lines] : by_series) {
    for (const std::string& l : lines) absl::StrAppend(&om, l, "\n");
  }
  return om + "# EOF\n";
}

struct Firing {
  Labels labels;
  std::vector<Label> annotations;
  friend bool operator==(const Firing&, const Firing&) = default;
};

class PackReplayTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PackReplayTest, ReproducesEveryAlertRuleTest) {
  const std::string test_path =
      absl::StrCat(VIGIL_SOURCE_DIR, "/deploy/rules/", GetParam());
  auto file = ruletest::DecodeTestFile(ReadAll(test_path), test_path);
  ASSERT_TRUE(file.ok()) << file.status();
  std::vector<RuleGroupSpec> specs;
  for (const std::string& rf : file->rule_files) {
    auto groups =
        LoadRuleFile(absl::StrCat(VIGIL_SOURCE_DIR, "/deploy/rules/", rf));
    ASSERT_TRUE(groups.ok()) << groups.status();
    specs.insert(specs.end(), groups->begin(), groups->end());
  }
  const int64_t eval_interval = file->evaluation_interval_ms != 0
                                    ? file->evaluation_interval_ms
                                    : ruletest::kDefaultEvaluationIntervalMs;
  const fs::path dir =
      fs::path(::testing::TempDir()) / absl::StrCat("replay_pack_", getpid());
  fs::create_directories(dir);

  int checked = 0;
  for (size_t gi = 0; gi < file->tests.size(); ++gi) {
    const ruletest::TestGroup& tg = file->tests[gi];
    SCOPED_TRACE(tg.name);
    const std::string data = (dir / absl::StrCat("group", gi, ".om")).string();
    std::ofstream(data) << ToOpenMetrics(
        tg, tg.interval_ms != 0 ? tg.interval_ms : eval_interval);

    int64_t max_eval = 0;
    for (const auto& t : tg.alert_rule_test) {
      max_eval = std::max(max_eval, t.eval_time_ms);
    }
    // promtool checks an alert at the evaluation at or before eval_time.
    auto eval_at = [&](int64_t eval_time) {
      return tg.start_ms + eval_time / eval_interval * eval_interval;
    };
    std::set<int64_t> wanted;
    for (const auto& t : tg.alert_rule_test)
      wanted.insert(eval_at(t.eval_time_ms));

    // What the evaluated groups hold after the last group at each wanted
    // time: firing alerts by name, annotations included.
    std::map<int64_t, std::map<std::string, std::vector<Firing>>> seen;
    std::vector<const rules::RuleGroup*> groups;
    Options o;
    o.start_ms = tg.start_ms;
    o.end_ms = eval_at(max_eval);
    o.step_ms = eval_interval;
    o.group_order = file->group_eval_order;
    o.external_labels = tg.external_labels;
    o.external_url = tg.external_url;
    o.after_eval = [&](int64_t ts, const rules::RuleGroup& g) {
      if (std::find(groups.begin(), groups.end(), &g) == groups.end()) {
        groups.push_back(&g);
      }
      if (!wanted.contains(ts)) return;
      auto& at = seen[ts];
      at.clear();
      for (const rules::RuleGroup* group : groups) {
        for (const auto& r : group->rules()) {
          if (!r->is_alert()) continue;
          for (const rules::Alert& a : r->alerts()) {
            if (a.state != rules::AlertState::kFiring) continue;
            std::vector<Label> ann = a.annotations;
            std::sort(ann.begin(), ann.end());
            at[r->name()].push_back({a.labels, std::move(ann)});
          }
        }
      }
    };
    auto source = OpenLocalFiles({data}, ProducedMetricNames(specs), nullptr);
    ASSERT_TRUE(source.ok()) << source.status();
    auto result = replay::Run(specs, **source, o);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_TRUE(result->errors.empty()) << result->errors[0].first_error;

    // The same data fetched in five-minute pieces, as a remote datasource
    // would serve it: the same timeline.
    tsdb::Head remote;
    ASSERT_TRUE(backfill::LoadOpenMetricsFile(data, remote).ok());
    FetchOptions fo;
    fo.selectors = RuleSelectors(specs);
    fo.reach_ms = QueryReach(specs, o.engine, 0).value();
    fo.piece_ms = 5 * 60 * 1000;
    fo.produced_names = ProducedMetricNames(specs);
    auto fetching = OpenFetching(StorageFetcher(remote), fo);
    Options fetch_options = o;
    fetch_options.after_eval = nullptr;
    auto fetched = replay::Run(specs, *fetching, fetch_options);
    ASSERT_TRUE(fetched.ok()) << fetched.status();
    EXPECT_EQ(fetched->alerts, result->alerts);

    for (const ruletest::AlertTestCase& tc : tg.alert_rule_test) {
      SCOPED_TRACE(absl::StrCat(tc.alertname, " at ", tc.eval_time_ms, "ms"));
      const int64_t ts = eval_at(tc.eval_time_ms);
      std::vector<Firing> want;
      for (const ruletest::ExpectedAlert& ea : tc.exp_alerts) {
        LabelsBuilder b;
        for (const auto& [k, v] : ea.labels) b.Set(k, v);
        b.Set(rules::kAlertNameLabel, tc.alertname);
        std::vector<Label> ann;
        for (const auto& [k, v] : ea.annotations) ann.push_back({k, v});
        want.push_back({b.Build(), std::move(ann)});
      }
      auto by_labels = [](const Firing& a, const Firing& b) {
        return a.labels < b.labels;
      };
      std::sort(want.begin(), want.end(), by_labels);

      // The timeline: instances firing at ts.
      std::vector<Labels> timeline;
      for (const AlertInstance& a : result->alerts) {
        if (a.alertname != tc.alertname) continue;
        for (const Episode& e : a.episodes) {
          if (e.fired_ms && *e.fired_ms <= ts &&
              (!e.resolved_ms || *e.resolved_ms > ts)) {
            timeline.push_back(a.labels);
          }
        }
      }
      std::sort(timeline.begin(), timeline.end());
      std::vector<Labels> want_labels;
      for (const Firing& f : want) want_labels.push_back(f.labels);
      EXPECT_EQ(timeline, want_labels);

      std::vector<Firing> got = seen[ts][tc.alertname];
      std::sort(got.begin(), got.end(), by_labels);
      EXPECT_EQ(got, want);
      ++checked;
    }
  }
  fs::remove_all(dir);
  EXPECT_GT(checked, 0);
}

INSTANTIATE_TEST_SUITE_P(ShippedPack, PackReplayTest,
                         ::testing::Values("kubernetes-security.test.yaml",
                                           "pod-security.test.yaml"));

}  // namespace
}  // namespace vigil::replay
