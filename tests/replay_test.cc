// Replay over small recorded data sets: the alert state machine as the
// timeline reports it, --compare, the JSON form, --output, bad input.
#include "vigil/replay.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "vigil/backfill.h"
#include "vigil/replay_report.h"
#include "vigil/tsdb.h"

namespace vigil::replay {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr int64_t kMin = 60 * 1000;

class ReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           absl::StrCat(
               "replay_test_", getpid(), "_",
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // `values[i]` at minute i; a negative value leaves a gap.
  std::string Data(
      const std::vector<std::pair<std::string, std::vector<double>>>& series) {
    std::string om;
    for (const auto& [name, values] : series) {
      for (size_t i = 0; i < values.size(); ++i) {
        if (values[i] < 0) continue;
        absl::StrAppend(&om, name, " ", values[i], " ", i * 60, "\n");
      }
    }
    const std::string path =
        (dir_ / absl::StrCat("d", files_++, ".om")).string();
    std::ofstream(path) << om << "# EOF\n";
    return path;
  }

  static std::vector<RuleGroupSpec> Rules(const std::string& yaml) {
    auto specs = ParseRuleFile(yaml, "rules.yml");
    EXPECT_TRUE(specs.ok()) << specs.status();
    return specs.ok() ? *specs : std::vector<RuleGroupSpec>{};
  }

  static absl::StatusOr<Result> Replay(const std::vector<RuleGroupSpec>& specs,
                                       const std::string& data, Options o) {
    auto source = OpenLocalFiles({data}, ProducedMetricNames(specs), nullptr);
    if (!source.ok()) return source.status();
    return replay::Run(specs, **source, o);
  }

  static Options Minutes(int64_t from, int64_t to) {
    Options o;
    o.start_ms = from * kMin;
    o.end_ms = to * kMin;
    o.step_ms = kMin;
    return o;
  }

  fs::path dir_;
  int files_ = 0;
};

std::string AlertRule(const std::string& extra) {
  return absl::StrCat(R"(groups:
  - name: g
    rules:
      - alert: Up
        expr: up == 1
)",
                      extra);
}

TEST_F(ReplayTest, ForDelaysFiringAndResolutionEndsIt) {
  // up is 1 for minutes 0..9, then 0.
  const std::string data =
      Data({{"up{job=\"a\"}", {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0}}});
  auto r = Replay(Rules(AlertRule("        for: 3m\n")), data, Minutes(0, 14));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->alerts.size(), 1u);
  EXPECT_EQ(r->alerts[0].labels.ToString(), "{alertname=\"Up\", job=\"a\"}");
  ASSERT_EQ(r->alerts[0].episodes.size(), 1u);
  const Episode& e = r->alerts[0].episodes[0];
  EXPECT_EQ(e.pending_ms, 0);
  EXPECT_EQ(e.fired_ms, 3 * kMin);
  EXPECT_EQ(e.resolved_ms, 10 * kMin);
  const auto summary = SummarizeAlerts(*r);
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0].firings, 1u);
  EXPECT_EQ(summary[0].firing_ms, 7 * kMin);
}

TEST_F(ReplayTest, KeepFiringForHoldsAnAlertAfterItsConditionClears) {
  const std::string data = Data({{"up{job=\"a\"}", {1, 1, 0, 0, 0, 0, 0, 0}}});
  auto r = Replay(Rules(AlertRule("        keep_firing_for: 3m\n")), data,
                  Minutes(0, 7));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->alerts.size(), 1u);
  const Episode& e = r->alerts[0].episodes.at(0);
  EXPECT_EQ(e.fired_ms, 0);  // for: 0 fires at once, here at the epoch
  EXPECT_EQ(e.resolved_ms, 5 * kMin);
}

TEST_F(ReplayTest, PendingThatClearsNeverFires) {
  const std::string data = Data({{"up{job=\"a\"}", {1, 1, 0, 0, 1, 1, 1, 1}}});
  auto r = Replay(Rules(AlertRule("        for: 2m\n")), data, Minutes(0, 7));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->alerts.size(), 1u);
  const auto& eps = r->alerts[0].episodes;
  ASSERT_EQ(eps.size(), 2u);
  EXPECT_EQ(eps[0].fired_ms, std::nullopt);
  EXPECT_EQ(eps[0].resolved_ms, 2 * kMin);
  EXPECT_EQ(eps[1].pending_ms, 4 * kMin);
  EXPECT_EQ(eps[1].fired_ms, 6 * kMin);
  EXPECT_EQ(eps[1].resolved_ms, std::nullopt);  // still firing at the end
  const auto s = SummarizeAlerts(*r).at(0);
  EXPECT_EQ(s.pending_only, 1u);
  EXPECT_EQ(s.firing_ms, 1 * kMin);
}

TEST_F(ReplayTest, AlertsFeedLaterEvaluations) {
  // A second group reads ALERTS: the replay's own output, not the data's.
  const std::string rules = R"(groups:
  - name: a
    rules:
      - alert: Up
        expr: up == 1
  - name: b
    rules:
      - record: up_alerts
        expr: count(ALERTS{alertname="Up", alertstate="firing"})
      - alert: ManyUp
        expr: up_alerts >= 2
)";
  const std::string data =
      Data({{"up{job=\"a\"}", {1, 1, 1, 1}},
            {"up{job=\"b\"}", {0, 1, 1, 1}},
            // Left out: the rules produce ALERTS themselves.
            {"ALERTS{alertname=\"Up\",alertstate=\"firing\",job=\"c\"}",
             {1, 1, 1, 1}}});
  LoadReport load;
  auto source =
      OpenLocalFiles({data}, ProducedMetricNames(Rules(rules)), &load);
  ASSERT_TRUE(source.ok()) << source.status();
  ASSERT_EQ(load.skipped.size(), 1u);
  EXPECT_EQ(load.skipped[0].first, "ALERTS");
  EXPECT_EQ(load.skipped[0].second, 4u);
  EXPECT_EQ(load.series, 2u);
  auto r = replay::Run(Rules(rules), **source, Minutes(0, 3));
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<std::string> names;
  for (const auto& a : r->alerts) names.push_back(a.alertname);
  EXPECT_THAT(names, ::testing::ElementsAre("ManyUp", "Up", "Up"));
  EXPECT_EQ(r->alerts[0].episodes.at(0).fired_ms, 1 * kMin);
}

TEST_F(ReplayTest, LimitExceededDropsTheRulesAlerts) {
  const std::string rules = R"(groups:
  - name: g
    limit: 1
    rules:
      - alert: Up
        expr: up == 1
)";
  const std::string data = Data({{"up{job=\"a\"}", {1, 1, 1, 1, 1}},
                                 {"up{job=\"b\"}", {-1, -1, 1, 1, 1}}});
  auto r = Replay(Rules(rules), data, Minutes(0, 4));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->alerts.size(), 1u);
  EXPECT_EQ(r->alerts[0].episodes.at(0).resolved_ms, 2 * kMin);
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].count, 3u);
  EXPECT_EQ(r->errors[0].first_ms, 2 * kMin);
  EXPECT_THAT(r->errors[0].first_error, HasSubstr("exceeded limit of 1"));
}

TEST_F(ReplayTest, QueryOffsetShiftsWhatTheRuleSees) {
  const std::string rules = R"(groups:
  - name: g
    query_offset: 2m
    rules:
      - alert: Up
        expr: up == 1
)";
  // Fresh samples only: a 1m lookback keeps old ones from matching.
  const std::string data = Data({{"up{job=\"a\"}", {0, 0, 0, 1, 1, 1, 1, 1}}});
  Options o = Minutes(0, 7);
  o.engine.lookback_delta_ms = 30 * 1000;
  auto r = Replay(Rules(rules), data, o);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->alerts.size(), 1u);
  EXPECT_EQ(r->alerts[0].episodes.at(0).pending_ms, 5 * kMin);
}

TEST_F(ReplayTest, GroupsRunOnTheirOwnGridWithoutAStep) {
  const std::string rules = R"(groups:
  - name: g
    interval: 30s
    rules:
      - alert: Up
        expr: up == 1
        for: 1m
)";
  const std::string data = Data({{"up{job=\"a\"}", {1, 1, 1, 1, 1, 1}}});
  Options o = Minutes(0, 5);
  o.step_ms = 0;
  std::vector<int64_t> times;
  o.after_eval = [&](int64_t ts, const rules::RuleGroup&) {
    times.push_back(ts);
  };
  auto r = Replay(Rules(rules), data, o);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_GE(times.size(), 2u);
  // Every 30 s, at the group's offset, within the range.
  EXPECT_GE(times.front(), 0);
  EXPECT_LT(times.front(), 30 * 1000);
  for (size_t i = 1; i < times.size(); ++i) {
    EXPECT_EQ(times[i] - times[i - 1], 30 * 1000);
  }
  EXPECT_LE(times.back(), 5 * kMin);
  EXPECT_EQ(r->evaluations, times.size());
}

TEST_F(ReplayTest, CompareShowsTheFiringsALongerForRemoves) {
  // Five minutes up, five down, three times: `for: 1m` fires each time,
  // `for: 10m` never.
  std::vector<double> flapping;
  for (int cycle = 0; cycle < 3; ++cycle) {
    for (int i = 0; i < 5; ++i) flapping.push_back(1);
    for (int i = 0; i < 5; ++i) flapping.push_back(0);
  }
  const std::string data =
      Data({{"up{job=\"a\"}", flapping},
            {"up{job=\"b\"}", std::vector<double>(30, 1)}});
  auto before =
      Replay(Rules(AlertRule("        for: 1m\n")), data, Minutes(0, 29));
  auto after =
      Replay(Rules(AlertRule("        for: 10m\n")), data, Minutes(0, 29));
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_TRUE(after.ok()) << after.status();
  const std::vector<AlertChange> changes = Compare(*before, *after);
  ASSERT_EQ(changes.size(), 1u);
  const AlertChange& c = changes[0];
  EXPECT_EQ(c.firings_before, 4u);  // three for a, one for b
  EXPECT_EQ(c.firings_after, 1u);   // b only
  ASSERT_EQ(c.no_longer_fire.size(), 1u);
  EXPECT_EQ(c.no_longer_fire[0].ToString(), "{alertname=\"Up\", job=\"a\"}");
  EXPECT_TRUE(c.newly_fire.empty());
  std::ostringstream text;
  PrintComparison(changes, text);
  EXPECT_EQ(text.str(),
            "Up: 4 → 1 firing, firing time 40m → 19m; 1 instance no longer "
            "fires: {job=\"a\"}\n0 alerts unchanged.\n");
}

TEST_F(ReplayTest, JsonCarriesTheTimelineAndTheSummary) {
  const std::string data =
      Data({{"up{job=\"a\",severity=\"page\"}", {1, 1, 1, 1, 1, 0, 0}}});
  auto r = Replay(Rules(AlertRule("        for: 2m\n")), data, Minutes(0, 6));
  ASSERT_TRUE(r.ok()) << r.status();
  const auto j = nlohmann::json::parse(ToJson(*r));
  EXPECT_EQ(j["start"], "1970-01-01T00:00:00Z");
  EXPECT_EQ(j["end"], "1970-01-01T00:06:00Z");
  EXPECT_EQ(j["step_seconds"], 60);
  EXPECT_EQ(j["evaluations"], 7);
  ASSERT_EQ(j["alerts"].size(), 1u);
  const auto& a = j["alerts"][0];
  EXPECT_EQ(a["alertname"], "Up");
  EXPECT_EQ(a["group"], "g");
  EXPECT_EQ(a["file"], "rules.yml");
  EXPECT_EQ(a["labels"]["job"], "a");
  ASSERT_EQ(a["episodes"].size(), 1u);
  EXPECT_EQ(a["episodes"][0]["pending"], "1970-01-01T00:00:00Z");
  EXPECT_EQ(a["episodes"][0]["fired"], "1970-01-01T00:02:00Z");
  EXPECT_EQ(a["episodes"][0]["resolved"], "1970-01-01T00:05:00Z");
  EXPECT_EQ(a["episodes"][0]["firing_seconds"], 180);
  ASSERT_EQ(j["summary"].size(), 1u);
  EXPECT_EQ(j["summary"][0]["severity"], "page");
  EXPECT_EQ(j["summary"][0]["firings"], 1);
  EXPECT_EQ(j["severities"][0]["firing_seconds"], 180);
  EXPECT_TRUE(j["errors"].empty());
}

TEST_F(ReplayTest, OutputIsBackfillInput) {
  const std::string rules = R"(groups:
  - name: g
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: Up
        expr: up == 1
        for: 1m
)";
  const std::string data = Data({{"up{job=\"a\"}", {1, 1, 1, 0}}});
  tsdb::Head record;
  Options o = Minutes(0, 3);
  o.record = &record;
  auto r = Replay(Rules(rules), data, o);
  ASSERT_TRUE(r.ok()) << r.status();
  const std::string out = (dir_ / "out.om").string();
  ASSERT_TRUE(WriteOpenMetrics(record, 0, 3 * kMin, out).ok());
  tsdb::Head back;
  auto stats = backfill::LoadOpenMetricsFile(out, back);
  ASSERT_TRUE(stats.ok()) << stats.status();
  // job:up:sum ×4; ALERTS pending at 0, firing 1..2; ALERTS_FOR_STATE ×3.
  EXPECT_EQ(stats->samples, 4u + 3u + 3u);
  EXPECT_EQ(stats->series, 4u);
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_THAT(
      text.str(),
      HasSubstr("# TYPE job:up:sum gauge\njob:up:sum{job=\"a\"} 1 0\n"));
  EXPECT_THAT(text.str(), HasSubstr("ALERTS{alertname=\"Up\",alertstate="
                                    "\"firing\",job=\"a\"} 1 60\n"));
}

TEST_F(ReplayTest, RangeWithoutDataSaysSo) {
  const std::string data = Data({{"up{job=\"a\"}", {1, 1}}});
  Options o = Minutes(600, 700);
  auto r = Replay(Rules(AlertRule("")), data, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(),
            "no data in the range: the data runs from 1970-01-01T00:00:00Z "
            "to 1970-01-01T00:01:00Z");
  const std::string empty = (dir_ / "empty.om").string();
  std::ofstream(empty) << "# EOF\n";
  r = Replay(Rules(AlertRule("")), empty, Minutes(0, 1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "no data in the range: the data holds no samples");
}

TEST_F(ReplayTest, BadInputSaysWhere) {
  // A template that does not compile: caught before any data is read.
  const std::string rules = R"(groups:
  - name: g
    rules:
      - alert: Up
        expr: up == 1
        annotations:
          summary: "{{ $labels.job"
)";
  absl::Status st = CheckGroups(Rules(rules), Options());
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("rules.yml:5:15: "));

  const std::string bad = (dir_ / "bad.om").string();
  std::ofstream(bad) << "up{job=\"a\"} 1 60\nup{job=\"a\"} 1 0\n# EOF\n";
  auto source = OpenLocalFiles({bad}, {}, nullptr);
  ASSERT_FALSE(source.ok());
  EXPECT_THAT(source.status().message(), HasSubstr("bad.om:2:"));

  const std::string data = Data({{"up{job=\"a\"}", {1, 1}}});
  Options backwards = Minutes(1, 0);
  EXPECT_FALSE(Replay(Rules(AlertRule("")), data, backwards).ok());

  Options tiny_step = Minutes(0, 1);
  tiny_step.step_ms = 1;
  tiny_step.max_evaluations = 1000;
  auto r = Replay(Rules(AlertRule("")), data, tiny_step);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "the range needs more than 1000 group evaluations: shorten it or "
            "use a longer step");
}

// Records the pieces asked for, fails from the `fail_at`-th on.
class RecordingFetcher : public Fetcher {
 public:
  RecordingFetcher(Storage& storage, int fail_at)
      : inner_(StorageFetcher(storage)), fail_at_(fail_at) {}
  absl::Status Fetch(const Matchers& selector, int64_t from_ms, int64_t to_ms,
                     Appendable& into) override {
    pieces.emplace_back(from_ms, to_ms);
    if (static_cast<int>(pieces.size()) >= fail_at_) {
      return absl::UnavailableError(
          absl::StrCat("query up from ", from_ms, " to ", to_ms, ": refused"));
    }
    return inner_->Fetch(selector, from_ms, to_ms, into);
  }
  std::vector<std::pair<int64_t, int64_t>> pieces;

 private:
  std::unique_ptr<Fetcher> inner_;
  int fail_at_;
};

TEST_F(ReplayTest, FetchingSourceAsksForBoundedPiecesInOrder) {
  std::vector<double> up(60, 1);
  const std::string data = Data({{"up{job=\"a\"}", up}});
  tsdb::Head remote;
  ASSERT_TRUE(backfill::LoadOpenMetricsFile(data, remote).ok());
  const auto specs = Rules(AlertRule("        for: 5m\n"));
  FetchOptions fo;
  fo.selectors = RuleSelectors(specs);
  fo.reach_ms = 5 * kMin;
  fo.piece_ms = 20 * kMin;
  auto fetcher = std::make_unique<RecordingFetcher>(remote, 1000);
  RecordingFetcher* seen = fetcher.get();
  auto source = OpenFetching(std::move(fetcher), fo);
  auto r = replay::Run(specs, *source, Minutes(10, 59));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(seen->pieces.size(), 3u);
  EXPECT_EQ(seen->pieces[0].first, 5 * kMin);  // the first evaluation's reach
  for (size_t i = 0; i < seen->pieces.size(); ++i) {
    EXPECT_EQ(seen->pieces[i].second - seen->pieces[i].first, 20 * kMin - 1);
    if (i > 0) {
      EXPECT_EQ(seen->pieces[i].first, seen->pieces[i - 1].second + 1);
    }
  }
  ASSERT_EQ(r->alerts.size(), 1u);
  EXPECT_EQ(r->alerts[0].episodes.at(0).fired_ms, 15 * kMin);
}

TEST_F(ReplayTest, FetchErrorStopsTheReplay) {
  const std::string data =
      Data({{"up{job=\"a\"}", std::vector<double>(60, 1)}});
  tsdb::Head remote;
  ASSERT_TRUE(backfill::LoadOpenMetricsFile(data, remote).ok());
  const auto specs = Rules(AlertRule(""));
  FetchOptions fo;
  fo.selectors = RuleSelectors(specs);
  fo.piece_ms = 10 * kMin;
  auto source = OpenFetching(std::make_unique<RecordingFetcher>(remote, 2), fo);
  auto r = replay::Run(specs, *source, Minutes(0, 59));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "query up from 600000 to 1199999: refused");
}

TEST_F(ReplayTest, QueryReachBoundsWhatIsKept) {
  const auto specs = Rules(R"(groups:
  - name: g
    query_offset: 1m
    rules:
      - record: r
        expr: rate(x[10m] offset 5m)
)");
  promql::EngineOptions eo;
  EXPECT_EQ(QueryReach(specs, eo, 0), (5 + 1 + 10 + 5) * kMin);
  const auto at = Rules(R"(groups:
  - name: g
    rules:
      - record: r
        expr: x @ 100
)");
  EXPECT_EQ(QueryReach(at, eo, 0), std::nullopt);
}

}  // namespace
}  // namespace vigil::replay
