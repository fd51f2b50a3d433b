// The alert state file (--state.file): RuleManager::SaveState and LoadState
// across a simulated restart — two RuleManagers over two stores, the second
// started from what the first saved.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "lib/rules/alert_state_file.h"
#include "vigil/rules.h"
#include "vigil/tsdb.h"

namespace vigil::rules {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kSec = 1000;
constexpr int64_t kMin = 60 * kSec;
constexpr int64_t kT0 = 1'700'000'000'000;  // when the alerts first match

// `Slow` has a `for` above the 10m grace period, `Quick` one below it;
// `ApiDown` fires at once while up{job="api"} is 0.
constexpr std::string_view kRules = R"(groups:
- name: g
  interval: 1m
  rules:
  - record: one
    expr: vector(1)
  - alert: Slow
    expr: vector(1)
    for: 30m
    labels:
      severity: page
    annotations:
      summary: "value {{ $value }}"
  - alert: Quick
    expr: vector(1)
    for: 5m
  - alert: ApiDown
    expr: up{job="api"} == 0
)";

// One vigil process: its store, engine and rule manager, and the alerts it
// handed to the notifier.
struct Vigil {
  explicit Vigil(const std::string& rule_file) {
    GroupOptions o;
    o.storage = &head;
    o.appendable = &head;
    o.engine = &engine;
    o.notify = [this](const std::string&, const std::vector<Alert>& a) {
      sent.insert(sent.end(), a.begin(), a.end());
    };
    manager = std::make_unique<RuleManager>(o);
    absl::Status s = manager->Update({rule_file});
    EXPECT_TRUE(s.ok()) << s;
  }

  RuleGroup& group() { return *manager->groups().at(0); }
  const Rule& rule(std::string_view name) {
    for (const auto& r : group().rules()) {
      if (r->name() == name) return *r;
    }
    ADD_FAILURE() << "no rule " << name;
    return *group().rules().at(0);
  }
  // The rule's only alert.
  Alert alert(std::string_view name) {
    auto alerts = rule(name).alerts();
    EXPECT_EQ(alerts.size(), 1u) << name;
    return alerts.empty() ? Alert{} : alerts[0];
  }
  // What RuleManager's loop does: the first evaluation after a start is
  // followed by the ALERTS_FOR_STATE restore.
  void FirstEval(int64_t t) {
    group().Eval(t);
    group().RestoreForState(t);
  }
  void Up(std::string_view job, int64_t from, int64_t to, double v) {
    auto app = head.NewAppender();
    for (int64_t t = from; t <= to; t += 30 * kSec) {
      ASSERT_TRUE(
          app->Append(Labels::FromStrings({"__name__", "up", "job", job}), t, v)
              .ok());
    }
    ASSERT_TRUE(app->Commit().ok());
  }

  tsdb::Head head;
  promql::Engine engine;
  std::vector<Alert> sent;
  std::unique_ptr<RuleManager> manager;
};

class StateFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vigil-state-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    rules_ = Write("rules.yml", kRules);
    state_ = (dir_ / "state.json").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, std::string_view text) {
    auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }
  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::vector<std::string> Files() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      out.push_back(e.path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // A first vigil that evaluates at each of `evals` and saves at `save_at`.
  void RunAndSave(const std::vector<int64_t>& evals, int64_t save_at,
                  const std::function<void(Vigil&)>& setup = nullptr) {
    Vigil before(rules_);
    if (setup) setup(before);
    before.group().SetRestored();
    for (int64_t t : evals) before.group().Eval(t);
    absl::Status s = before.manager->SaveState(state_, save_at);
    ASSERT_TRUE(s.ok()) << s;
  }

  std::filesystem::path dir_;
  std::string rules_;
  std::string state_;
};

TEST_F(StateFileTest, EncodeDecodeRoundTripKeepsEveryField) {
  Alert a;
  a.state = AlertState::kFiring;
  a.labels = Labels::FromStrings({"alertname", "X", "pod", "p\"0\n"});
  a.annotations = {{"summary", "héllo {{"}, {"runbook", "r"}};
  a.value = -0.1;
  a.active_at_ms = 1;
  a.fired_at_ms = 2;
  a.resolved_at_ms = 3;
  a.keep_firing_since_ms = 4;
  a.last_sent_at_ms = 5;
  a.valid_until_ms = 6;
  Alert nan = a;
  nan.labels = Labels::FromStrings({"alertname", "X", "pod", "p1"});
  nan.value = std::nan("");
  Alert inf = a;
  inf.labels = Labels::FromStrings({"alertname", "X", "pod", "p2"});
  inf.value = -HUGE_VAL;
  inf.state = AlertState::kInactive;
  SavedAlertState in{kT0,
                     {{"rules.yml",
                       "g",
                       kT0 - 1,
                       {{"X", Labels::FromStrings({"a", "b"}), {a, nan, inf}},
                        {"Y", {}, {}}}}}};

  auto out = DecodeAlertState(EncodeAlertState(in), "mem");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->saved_at_ms, kT0);
  ASSERT_EQ(out->groups.size(), 1u);
  EXPECT_EQ(out->groups[0].file, "rules.yml");
  EXPECT_EQ(out->groups[0].evaluated_at_ms, kT0 - 1);
  ASSERT_EQ(out->groups[0].rules.size(), 2u);
  const SavedRule& x = out->groups[0].rules[0];
  EXPECT_EQ(x.labels, Labels::FromStrings({"a", "b"}));
  ASSERT_EQ(x.alerts.size(), 3u);
  const Alert& b = x.alerts[0];
  EXPECT_EQ(b.state, AlertState::kFiring);
  EXPECT_EQ(b.labels, a.labels);
  EXPECT_EQ(b.value, -0.1);
  EXPECT_EQ(b.active_at_ms, 1);
  EXPECT_EQ(b.fired_at_ms, 2);
  EXPECT_EQ(b.resolved_at_ms, 3);
  EXPECT_EQ(b.keep_firing_since_ms, 4);
  EXPECT_EQ(b.last_sent_at_ms, 5);
  EXPECT_EQ(b.valid_until_ms, 6);
  // Annotations come back by name.
  EXPECT_THAT(b.annotations,
              ::testing::UnorderedElementsAreArray(a.annotations));
  EXPECT_TRUE(std::isnan(x.alerts[1].value));
  EXPECT_EQ(x.alerts[2].value, -HUGE_VAL);
  EXPECT_EQ(x.alerts[2].state, AlertState::kInactive);
  EXPECT_TRUE(out->groups[0].rules[1].alerts.empty());
}

TEST_F(StateFileTest, SaveAndLoadWithoutDowntimeRestoresEveryAlert) {
  RunAndSave({kT0, kT0 + 10 * kMin}, kT0 + 10 * kMin);
  const std::string text = Read(state_);
  EXPECT_THAT(text, HasSubstr("\"format\": \"vigil-alert-state\""));
  EXPECT_THAT(text, HasSubstr("\"version\": 1"));
  EXPECT_THAT(Files(), ::testing::ElementsAre("rules.yml", "state.json"))
      << "no temporary file left";

  Vigil after(rules_);
  auto loaded = after.manager->LoadState(state_, kT0 + 10 * kMin);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->saved_at_ms, kT0 + 10 * kMin);
  EXPECT_EQ(loaded->rules_restored, 3);
  EXPECT_EQ(loaded->rules_unmatched, 0);
  EXPECT_EQ(loaded->alerts_restored, 2);  // Slow pending, Quick firing
  const Alert slow = after.alert("Slow");
  EXPECT_EQ(slow.state, AlertState::kPending);
  EXPECT_EQ(slow.active_at_ms, kT0);
  EXPECT_EQ(slow.labels.Get("severity"), "page");
  ASSERT_EQ(slow.annotations.size(), 1u);
  EXPECT_EQ(slow.annotations[0].value, "value 1");
  const Alert quick = after.alert("Quick");
  EXPECT_EQ(quick.state, AlertState::kFiring);
  EXPECT_EQ(quick.fired_at_ms, kT0 + 10 * kMin);
  EXPECT_EQ(quick.last_sent_at_ms, kT0 + 10 * kMin);
  EXPECT_EQ(quick.valid_until_ms, kT0 + 14 * kMin);
}

TEST_F(StateFileTest, PendingAlertForClockIsShiftedByTheDowntime) {
  // Pending for 10m of its 30m at the last evaluation; saved on the way
  // down 50s later; restarted 10m after that evaluation.
  RunAndSave({kT0, kT0 + 10 * kMin}, kT0 + 10 * kMin + 50 * kSec);
  Vigil after(rules_);
  const int64_t restart = kT0 + 20 * kMin;
  ASSERT_TRUE(after.manager->LoadState(state_, restart).ok());
  // Prometheus: activeAt += downtime, counted from the last evaluation, so
  // the 20m still to wait start now.
  EXPECT_EQ(after.alert("Slow").active_at_ms, kT0 + 10 * kMin);
  after.FirstEval(restart);
  EXPECT_EQ(after.alert("Slow").active_at_ms, kT0 + 10 * kMin)
      << "the ALERTS_FOR_STATE restore leaves file-restored rules alone";
  after.group().Eval(restart + 19 * kMin);
  EXPECT_EQ(after.alert("Slow").state, AlertState::kPending);
  after.group().Eval(restart + 20 * kMin);
  EXPECT_EQ(after.alert("Slow").state, AlertState::kFiring);
  EXPECT_EQ(after.alert("Slow").fired_at_ms, restart + 20 * kMin);
}

TEST_F(StateFileTest, FiringAlertStaysFiringAndIsResent) {
  // Slow fires at +30m, Quick at +5m; saved at +31m, down for 9m.
  RunAndSave({kT0, kT0 + 5 * kMin, kT0 + 30 * kMin, kT0 + 31 * kMin},
             kT0 + 31 * kMin);
  Vigil after(rules_);
  const int64_t restart = kT0 + 40 * kMin;
  ASSERT_TRUE(after.manager->LoadState(state_, restart).ok());
  after.FirstEval(restart);
  const Alert slow = after.alert("Slow");
  EXPECT_EQ(slow.state, AlertState::kFiring) << "no pending gap";
  EXPECT_EQ(slow.active_at_ms, kT0);
  EXPECT_EQ(slow.fired_at_ms, kT0 + 30 * kMin);
  // A `for` under the grace period does not start over either.
  const Alert quick = after.alert("Quick");
  EXPECT_EQ(quick.state, AlertState::kFiring);
  EXPECT_EQ(quick.fired_at_ms, kT0 + 5 * kMin);
  // The resend delay (1m) has passed since the last send: both go out again
  // at the first evaluation, with their original activeAt.
  ASSERT_EQ(after.sent.size(), 2u);
  for (const Alert& a : after.sent) {
    EXPECT_EQ(a.state, AlertState::kFiring);
    EXPECT_EQ(a.active_at_ms, kT0);
  }
}

TEST_F(StateFileTest, GracePeriodDelaysAnAlmostDueAlert) {
  // Pending for 25m of 30m when vigil stops; down for 5m. Only 5m were left,
  // under the 10m grace period: it fires 10m after the restart.
  RunAndSave({kT0, kT0 + 25 * kMin}, kT0 + 25 * kMin);
  Vigil after(rules_);
  const int64_t restart = kT0 + 30 * kMin;
  ASSERT_TRUE(after.manager->LoadState(state_, restart).ok());
  EXPECT_EQ(after.alert("Slow").active_at_ms, restart + 10 * kMin - 30 * kMin);
  // Quick (for 5m < grace) fired before the stop and stays firing.
  EXPECT_EQ(after.alert("Quick").state, AlertState::kFiring);
  after.FirstEval(restart);
  after.group().Eval(restart + 9 * kMin);
  EXPECT_EQ(after.alert("Slow").state, AlertState::kPending);
  after.group().Eval(restart + 10 * kMin);
  EXPECT_EQ(after.alert("Slow").state, AlertState::kFiring);
}

TEST_F(StateFileTest, PendingAlertWithForUnderGracePeriodStartsOver) {
  // Quick (for 5m) pending for 2m; Prometheus does not restore a `for`
  // shorter than the grace period: it waits its full `for` again.
  RunAndSave({kT0, kT0 + 2 * kMin}, kT0 + 2 * kMin);
  Vigil after(rules_);
  const int64_t restart = kT0 + 3 * kMin;
  auto loaded = after.manager->LoadState(state_, restart);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->alerts_dropped, 1);
  EXPECT_TRUE(after.rule("Quick").alerts().empty());
  after.FirstEval(restart);
  EXPECT_EQ(after.alert("Quick").active_at_ms, restart);
  EXPECT_EQ(after.alert("Slow").active_at_ms, kT0 + 1 * kMin);
}

TEST_F(StateFileTest, BeyondOutageToleranceNothingActiveIsRestored) {
  RunAndSave({kT0, kT0 + 5 * kMin, kT0 + 10 * kMin}, kT0 + 10 * kMin);
  Vigil after(rules_);
  // Default outage tolerance 1h; down for 1h and 1ms.
  const int64_t restart = kT0 + 70 * kMin + 1;
  auto loaded = after.manager->LoadState(state_, restart);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->alerts_restored, 0);
  EXPECT_EQ(loaded->alerts_dropped, 2);
  after.FirstEval(restart);
  EXPECT_EQ(after.alert("Slow").active_at_ms, restart);
  EXPECT_EQ(after.alert("Quick").state, AlertState::kPending);
  EXPECT_EQ(after.alert("Quick").active_at_ms, restart);
  EXPECT_TRUE(after.sent.empty());

  // Exactly at the tolerance it is still restored, as Prometheus's query
  // range [ts - tolerance, ts] includes its start.
  Vigil edge(rules_);
  ASSERT_TRUE(edge.manager->LoadState(state_, kT0 + 70 * kMin).ok());
  EXPECT_EQ(edge.alert("Quick").state, AlertState::kFiring);
}

TEST_F(StateFileTest, ResolvedAlertsAreCarriedOverForTheirRetention) {
  // ApiDown fires at +0 while up is 0 until +6m, resolves at +12m (after the
  // 5m lookback), and is saved at +13m.
  RunAndSave({kT0, kT0 + 12 * kMin}, kT0 + 13 * kMin,
             [](Vigil& v) { v.Up("api", kT0, kT0 + 6 * kMin, 0); });
  {
    Vigil after(rules_);
    const int64_t restart = kT0 + 20 * kMin;
    ASSERT_TRUE(after.manager->LoadState(state_, restart).ok());
    const Alert resolved = after.alert("ApiDown");
    EXPECT_EQ(resolved.state, AlertState::kInactive);
    EXPECT_EQ(resolved.resolved_at_ms, kT0 + 12 * kMin);
    after.FirstEval(restart);
    // Prometheus resends resolved alerts for their retention; the restart
    // does not cut that short.
    std::vector<Alert> api;
    for (const Alert& a : after.sent) {
      if (a.labels.Get("alertname") == "ApiDown") api.push_back(a);
    }
    ASSERT_EQ(api.size(), 1u);
    EXPECT_EQ(api[0].resolved_at_ms, kT0 + 12 * kMin);
    EXPECT_EQ(api[0].active_at_ms, kT0);
  }
  {
    // 16m after the resolution the retention is over.
    Vigil late(rules_);
    auto loaded = late.manager->LoadState(state_, kT0 + 28 * kMin);
    ASSERT_TRUE(loaded.ok());
    EXPECT_TRUE(late.rule("ApiDown").alerts().empty());
  }
}

TEST_F(StateFileTest, FiringAlertThatClearedWhileDownIsResolvedAndSent) {
  RunAndSave({kT0}, kT0 + 1 * kMin,
             [](Vigil& v) { v.Up("api", kT0, kT0 + 1 * kMin, 0); });
  Vigil after(rules_);  // its store has no `up`: the API came back
  const int64_t restart = kT0 + 10 * kMin;
  ASSERT_TRUE(after.manager->LoadState(state_, restart).ok());
  EXPECT_EQ(after.alert("ApiDown").state, AlertState::kFiring);
  after.FirstEval(restart);
  EXPECT_EQ(after.alert("ApiDown").state, AlertState::kInactive);
  bool resolution_sent = false;
  for (const Alert& a : after.sent) {
    if (a.labels.Get("alertname") == "ApiDown") {
      resolution_sent = a.resolved_at_ms == restart;
    }
  }
  EXPECT_TRUE(resolution_sent);
}

TEST_F(StateFileTest, RulesNotInTheFileFallBackToAlertsForState) {
  // The file was written by a vigil whose rules had only Slow and Quick.
  rules_ = Write("rules.yml", R"(groups:
- name: g
  interval: 1m
  rules:
  - alert: Slow
    expr: vector(1)
    for: 30m
    labels:
      severity: page
  - alert: Quick
    expr: vector(1)
    for: 5m
)");
  RunAndSave({kT0, kT0 + 10 * kMin}, kT0 + 10 * kMin);
  rules_ = Write("rules.yml", R"(groups:
- name: g
  interval: 1m
  rules:
  - alert: Slow
    expr: vector(1)
    for: 30m
    labels:
      severity: page
  - alert: New
    expr: vector(1)
    for: 30m
  - alert: Quick
    expr: vector(1)
    for: 5m
    labels:
      changed: x
)");
  Vigil after(rules_);
  // ALERTS_FOR_STATE as a persistent store would still hold it: New has
  // been active since +4m, Slow (wrongly) since +8m.
  {
    auto app = after.head.NewAppender();
    ASSERT_TRUE(app->Append(Labels::FromStrings({"__name__", "ALERTS_FOR_STATE",
                                                 "alertname", "New"}),
                            kT0 + 10 * kMin, (kT0 + 4 * kMin) / 1000)
                    .ok());
    ASSERT_TRUE(app->Append(Labels::FromStrings({"__name__", "ALERTS_FOR_STATE",
                                                 "alertname", "Slow",
                                                 "severity", "page"}),
                            kT0 + 10 * kMin, (kT0 + 8 * kMin) / 1000)
                    .ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  const int64_t restart = kT0 + 20 * kMin;
  auto loaded = after.manager->LoadState(state_, restart);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->rules_restored, 1) << "Slow";
  EXPECT_EQ(loaded->rules_unmatched, 1) << "Quick's labels changed";
  after.FirstEval(restart);
  // Slow: from the file, not from ALERTS_FOR_STATE.
  EXPECT_EQ(after.alert("Slow").active_at_ms, kT0 + 10 * kMin);
  // New: from ALERTS_FOR_STATE, shifted by the 10m downtime.
  EXPECT_EQ(after.alert("New").active_at_ms, kT0 + 14 * kMin);
  // Quick: neither; a fresh start.
  EXPECT_EQ(after.alert("Quick").active_at_ms, restart);
}

TEST_F(StateFileTest, RestoredStateSurvivesAReloadBeforeTheFirstEvaluation) {
  RunAndSave({kT0, kT0 + 10 * kMin}, kT0 + 10 * kMin);
  Vigil after(rules_);
  const int64_t restart = kT0 + 20 * kMin;
  ASSERT_TRUE(after.manager->LoadState(state_, restart).ok());
  ASSERT_TRUE(after.manager->Update({rules_}).ok());  // SIGHUP
  EXPECT_EQ(after.alert("Slow").active_at_ms, kT0 + 10 * kMin);
  after.FirstEval(restart);
  EXPECT_EQ(after.alert("Slow").active_at_ms, kT0 + 10 * kMin);
  EXPECT_EQ(after.alert("Quick").state, AlertState::kFiring);
}

TEST_F(StateFileTest, MissingFileIsNotFound) {
  Vigil v(rules_);
  auto loaded = v.manager->LoadState(state_, kT0);
  EXPECT_TRUE(absl::IsNotFound(loaded.status())) << loaded.status();
}

TEST_F(StateFileTest, CorruptFilesAreErrorsThatChangeNothing) {
  RunAndSave({kT0}, kT0);
  const std::string good = Read(state_);
  struct Case {
    std::string text;
    std::string error;
  };
  std::string unknown_state = good;
  unknown_state.replace(unknown_state.find("\"pending\""), 9, "\"pendin\"");
  std::string bad_time = good;
  bad_time.replace(bad_time.find("\"fired_at_ms\": 0"), 16,
                   "\"fired_at_ms\": 1.5");
  const std::vector<Case> cases = {
      {good.substr(0, 40), ": byte 41: parse error"},
      {"", ": byte 1: parse error"},
      {"[1]", ": expected a JSON object"},
      {R"({"format": "x", "version": 1})",
       ": format: not a vigil alert state file (\"x\")"},
      {R"({"format": "vigil-alert-state", "version": 2, "groups": {}})",
       ": version: unsupported version 2 (this vigil reads version 1)"},
      {R"({"format": "vigil-alert-state", "version": 1, "saved_at_ms": 0,
           "groups": [{"file": "f", "name": "g", "evaluated_at_ms": 0,
                       "rules": [{}]}]})",
       ": groups[0].rules[0]: missing field \"name\""},
      {unknown_state,
       ": groups[0].rules[0].alerts[0].state: unknown alert state "
       "\"pendin\""},
      {bad_time,
       ": groups[0].rules[0].alerts[0].fired_at_ms: expected an integer"},
      // Deep nesting must not exhaust the stack.
      {std::string(200000, '['), ": byte 200001: parse error"},
  };
  for (const Case& c : cases) {
    Write("state.json", c.text);
    Vigil v(rules_);
    auto loaded = v.manager->LoadState(state_, kT0);
    ASSERT_FALSE(loaded.ok()) << c.error;
    EXPECT_THAT(loaded.status().message(), HasSubstr(state_ + c.error));
    EXPECT_TRUE(v.rule("Slow").alerts().empty()) << "nothing applied";
  }
}

TEST_F(StateFileTest, OversizedFileIsRefusedUnread) {
  { std::ofstream(state_) << "{}"; }
  std::filesystem::resize_file(state_, kMaxAlertStateFileBytes + 1);  // sparse
  Vigil v(rules_);
  auto loaded = v.manager->LoadState(state_, kT0);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(loaded.status().message(),
              HasSubstr("larger than the limit of 268435456 bytes"));
  auto small = ReadFileWithLimit(rules_, 10);
  EXPECT_EQ(small.status().code(), absl::StatusCode::kOutOfRange);
}

TEST_F(StateFileTest, FailedSaveLeavesTheOldFileWhole) {
  RunAndSave({kT0}, kT0);
  const std::string old = Read(state_);
  // A write that fails midway: the file size limit makes write() fail with
  // EFBIG (SIGXFSZ ignored) after 64 bytes.
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  rlimit small = saved;
  small.rlim_cur = 64;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  Vigil v(rules_);
  v.group().Eval(kT0 + kMin);
  absl::Status s = v.manager->SaveState(state_, kT0 + kMin);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &saved), 0);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("writing " + state_ + ".tmp."));
  EXPECT_EQ(Read(state_), old);
  EXPECT_THAT(Files(), ::testing::ElementsAre("rules.yml", "state.json"));

  // No directory to write into: an error, and nothing created.
  const std::string nowhere = (dir_ / "missing" / "state.json").string();
  s = v.manager->SaveState(nowhere, kT0);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr(nowhere));
  // A directory in the way of the rename.
  std::filesystem::create_directories(dir_ / "busy" / "x");
  s = v.manager->SaveState((dir_ / "busy").string(), kT0);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("renaming"));
  EXPECT_THAT(Files(),
              ::testing::ElementsAre("busy", "rules.yml", "state.json"));
}

TEST_F(StateFileTest, LoadWhileRunningIsRefused) {
  RunAndSave({kT0}, kT0);
  Vigil v(rules_);
  v.manager->Start();
  auto loaded = v.manager->LoadState(state_, kT0);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kFailedPrecondition);
  // Saving while the groups run is fine.
  EXPECT_TRUE(v.manager->SaveState(state_, kT0).ok());
  v.manager->Stop();
  EXPECT_TRUE(v.manager->LoadState(state_, kT0).ok());
}

}  // namespace
}  // namespace vigil::rules
