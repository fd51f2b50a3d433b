// Batched evaluation (Options::window_ms) against step-by-step evaluation:
// the shipped pack over a randomly flapping cluster, and rule files that
// read ALERTS and recording results across rules, groups and query offsets,
// must give the same timeline, the same rule errors and the same samples
// written — every recording result, ALERTS and ALERTS_FOR_STATE sample and
// staleness marker — with every window length and both schedules.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "vigil/replay.h"
#include "vigil/tsdb.h"

namespace vigil::replay {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kMin = 60 * 1000;
constexpr int64_t kScrapeMs = 30 * 1000;

// A series that exists in stretches and switches its value at random: the
// pack's alerts go pending, fire, resolve and lose their inputs.
class Flapper {
 public:
  Flapper(std::mt19937& rng, double switch_p) : rng_(rng), p_(switch_p) {}
  bool Flip() { return std::bernoulli_distribution(p_)(rng_); }

 private:
  std::mt19937& rng_;
  double p_;
};

// Every series the shipped pack reads, for `pods` pods over `minutes`,
// scraped every 30 s, as timestamped OpenMetrics.
std::string RandomCluster(uint32_t seed, int pods, int minutes) {
  std::mt19937 rng(seed);
  Flapper flap(rng, 0.03);
  // Per series: its samples' lines, in time order (backfill wants a series'
  // samples together).
  std::map<std::string, std::string> out;
  auto sample = [&](const std::string& series, double v, int64_t t_ms) {
    absl::StrAppend(&out[series], series, " ", v, " ", t_ms / 1000, "\n");
  };
  auto pick = [&](std::initializer_list<const char*> xs) {
    std::vector<const char*> v(xs);
    return std::string(
        v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)]);
  };
  struct Pod {
    bool exists = true, running = true, app_running = true;
    bool init_running = false, privileged = false, escalation = false;
    bool root = false, host_net = false, cap = false;
    std::string path = "/data", capability = "SYS_ADMIN";
  };
  std::vector<Pod> state(pods);
  double falco_sidekick = 0, falco_matches = 0, auth_failures = 0;
  bool sidekick_seen = false;
  const int steps = minutes * 60 * 1000 / kScrapeMs;
  for (int i = 0; i <= steps; ++i) {
    const int64_t t = static_cast<int64_t>(i) * kScrapeMs;
    for (int p = 0; p < pods; ++p) {
      Pod& s = state[p];
      if (flap.Flip()) s.exists = !s.exists;
      if (flap.Flip()) s.running = !s.running;
      if (flap.Flip()) s.app_running = !s.app_running;
      if (flap.Flip()) s.init_running = !s.init_running;
      if (flap.Flip()) s.privileged = !s.privileged;
      if (flap.Flip()) s.escalation = !s.escalation;
      if (flap.Flip()) s.root = !s.root;
      if (flap.Flip()) s.host_net = !s.host_net;
      if (flap.Flip()) s.cap = !s.cap;
      if (flap.Flip()) s.path = pick({"/data", "/etc", "/var/run/docker.sock"});
      if (flap.Flip()) s.capability = pick({"SYS_ADMIN", "NET_RAW", "BPF"});
      if (!s.exists) continue;  // a gap: the series go stale by lookback
      const std::string pod =
          absl::StrCat("namespace=\"ns", p % 3, "\",pod=\"pod-", p, "\"");
      auto b = [](bool x) { return x ? "true" : "false"; };
      sample(absl::StrCat("kube_pod_status_phase{", pod, ",phase=\"Running\"}"),
             s.running ? 1 : 0, t);
      sample(absl::StrCat("kube_pod_container_status_running{", pod,
                          ",container=\"app\"}"),
             s.app_running ? 1 : 0, t);
      sample(absl::StrCat("kube_pod_init_container_status_running{", pod,
                          ",container=\"init\"}"),
             s.init_running ? 1 : 0, t);
      sample(absl::StrCat("kube_pod_security_context{", pod, ",privileged=\"",
                          b(s.privileged), "\",host_network=\"", b(s.host_net),
                          "\",host_pid=\"false\",host_ipc=\"false\"}"),
             1, t);
      for (const char* type : {"container", "init", "ephemeral"}) {
        const char* container = std::strcmp(type, "container") == 0 ? "app"
                                : std::strcmp(type, "init") == 0    ? "init"
                                                                    : "debug";
        if (std::strcmp(type, "ephemeral") == 0 && p % 4 != 0) continue;
        sample(absl::StrCat("kube_pod_container_security_context{", pod,
                            ",container=\"", container, "\",container_type=\"",
                            type, "\",privileged=\"",
                            b(s.privileged && p % 2 == 0),
                            "\",allow_privilege_escalation=\"", b(s.escalation),
                            "\",run_as_user=\"", s.root ? "0" : "1000", "\"}"),
               1, t);
      }
      if (s.cap) {
        sample(absl::StrCat("kube_pod_container_security_context_capabilities_"
                            "added{",
                            pod, ",container=\"app\",capability=\"",
                            s.capability, "\"}"),
               1, t);
      }
      if (p % 3 == 0) {
        sample(absl::StrCat("kube_pod_spec_volumes_host_path{", pod,
                            ",volume=\"v\",path=\"", s.path, "\"}"),
               1, t);
      }
    }
    // Falco: bursts of detections, a series born mid-range, a counter
    // reset; the apiserver: bursts of failed authentication.
    if (flap.Flip()) sidekick_seen = true;
    if (sidekick_seen) {
      if (flap.Flip()) falco_sidekick += 3;
      sample(
          "falcosecurity_falcosidekick_falco_events_total{rule=\"Terminal "
          "shell in container\",priority=\"Critical\",k8s_ns_name=\"ns1\","
          "k8s_pod_name=\"pod-1\"}",
          falco_sidekick, t);
    }
    if (flap.Flip()) falco_matches = flap.Flip() ? 0 : falco_matches + 2;
    sample(
        "falcosecurity_falco_rules_matches_total{rule_name=\"Run shell "
        "untrusted\",priority=\"3\",instance=\"node-1\"}",
        falco_matches, t);
    auth_failures += (i / 40) % 3 == 1 ? 90 : 5;
    sample("authentication_attempts{result=\"failure\"}", auth_failures, t);
    sample("apiserver_failed_auth_count", auth_failures / 2, t);
  }
  std::string om;
  for (const auto& [series, lines] : out) om += lines;
  return om + "# EOF\n";
}

// Every sample of every series in `head`, staleness markers included (as
// bits, so that they compare equal).
std::map<std::string, std::vector<std::pair<int64_t, uint64_t>>> Dump(
    tsdb::Head& head) {
  std::map<std::string, std::vector<std::pair<int64_t, uint64_t>>> out;
  auto q = head.OpenQuerier(std::numeric_limits<int64_t>::min(),
                            std::numeric_limits<int64_t>::max());
  EXPECT_TRUE(q.ok());
  if (!q.ok()) return out;
  auto all = Matcher::Create(MatchType::kRegexMatch, "__name__", ".+");
  EXPECT_TRUE(all.ok());
  auto series = (*q)->Select({std::numeric_limits<int64_t>::min(),
                              std::numeric_limits<int64_t>::max()},
                             {*all});
  EXPECT_TRUE(series.ok());
  if (!series.ok()) return out;
  for (const auto& s : *series) {
    auto& samples = out[s->labels().ToString()];
    auto it = s->Iterator();
    while (it->Next()) {
      uint64_t bits;
      const double v = it->At().v;
      std::memcpy(&bits, &v, sizeof bits);
      samples.emplace_back(it->At().t, bits);
    }
  }
  return out;
}

struct Outcome {
  Result result;
  std::map<std::string, std::vector<std::pair<int64_t, uint64_t>>> written;
};

class BatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           absl::StrCat(
               "replay_batch_", getpid(), "_",
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& om) {
    const std::string path =
        (dir_ / absl::StrCat("d", files_++, ".om")).string();
    std::ofstream(path) << om;
    return path;
  }

  static Outcome Replay(const std::vector<RuleGroupSpec>& specs,
                        const std::string& data, Options o) {
    Outcome run;
    auto source = OpenLocalFiles({data}, ProducedMetricNames(specs), nullptr);
    EXPECT_TRUE(source.ok()) << source.status();
    if (!source.ok()) return run;
    tsdb::Head record;
    o.record = &record;
    auto r = replay::Run(specs, **source, o);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return run;
    run.result = std::move(*r);
    run.written = Dump(record);
    return run;
  }

  // Replays step by step and batched in windows of every length in
  // `windows`, on `o`'s schedule; the batched runs must match. Returns the
  // step-by-step run and the batched runs' instant query counts.
  static Outcome ExpectSame(const std::vector<RuleGroupSpec>& specs,
                            const std::string& data, Options o,
                            std::vector<uint64_t>* instant_queries = nullptr) {
    o.window_ms = 0;
    Outcome step = Replay(specs, data, o);
    EXPECT_EQ(step.result.range_queries, 0u);
    // Queries ahead on the replay's thread start as early as they may, so a
    // query started before the rules it reads have run reads incomplete
    // data every time; on the second thread they race the rules (and run
    // under TSan, scripts/test.sh).
    for (const auto& [window, ahead] :
         std::vector<std::pair<int64_t, QueriesAhead>>{
             {7 * kMin, QueriesAhead::kOff},
             {7 * kMin, QueriesAhead::kInline},
             {7 * kMin, QueriesAhead::kThread},
             {60 * kMin, QueriesAhead::kInline},
             {60 * kMin, QueriesAhead::kThread},
             {24 * 60 * kMin, QueriesAhead::kOff},
             {24 * 60 * kMin, QueriesAhead::kInline}}) {
      SCOPED_TRACE(absl::StrCat("window ", window / kMin, "m, ahead ",
                                static_cast<int>(ahead)));
      o.window_ms = window;
      o.queries_ahead = ahead;
      Outcome batched = Replay(specs, data, o);
      EXPECT_GT(batched.result.range_queries, 0u);
      if (instant_queries != nullptr) {
        instant_queries->push_back(batched.result.instant_queries);
      }
      EXPECT_EQ(batched.result.evaluations, step.result.evaluations);
      EXPECT_EQ(batched.result.alerts, step.result.alerts);
      EXPECT_EQ(batched.result.errors.size(), step.result.errors.size());
      for (size_t i = 0; i < std::min(batched.result.errors.size(),
                                      step.result.errors.size());
           ++i) {
        const RuleErrors& a = batched.result.errors[i];
        const RuleErrors& b = step.result.errors[i];
        EXPECT_EQ(a.rule, b.rule);
        EXPECT_EQ(a.count, b.count) << a.rule;
        EXPECT_EQ(a.first_ms, b.first_ms) << a.rule;
        EXPECT_EQ(a.first_error, b.first_error) << a.rule;
      }
      EXPECT_EQ(batched.written.size(), step.written.size());
      for (const auto& [series, samples] : step.written) {
        auto it = batched.written.find(series);
        if (it == batched.written.end()) {
          ADD_FAILURE() << "batched run did not write " << series;
          continue;
        }
        EXPECT_EQ(it->second, samples) << series;
      }
    }
    return step;
  }

  fs::path dir_;
  int files_ = 0;
};

std::vector<RuleGroupSpec> PackFile(const char* name) {
  auto groups =
      LoadRuleFile(absl::StrCat(VIGIL_SOURCE_DIR, "/deploy/rules/", name));
  EXPECT_TRUE(groups.ok()) << groups.status();
  return groups.ok() ? *groups : std::vector<RuleGroupSpec>{};
}

TEST_F(BatchTest, ShippedPackOverARandomClusterMatchesStepByStep) {
  const std::vector<RuleGroupSpec> specs =
      PackFile("kubernetes-security.rules.yaml");
  ASSERT_FALSE(specs.empty());
  for (uint32_t seed : {1u, 2u}) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    const std::string data = Write(RandomCluster(seed, 12, 6 * 60));
    // promtool's schedule (every group every minute from the start), and
    // each group on its own grid every 30 s.
    Options every_step;
    every_step.start_ms = 0;
    every_step.end_ms = 6 * 60 * kMin;
    every_step.step_ms = kMin;
    std::vector<uint64_t> instant;
    Outcome run = ExpectSame(specs, data, every_step, &instant);
    // The data exercises every alerting rule: each fires and resolves.
    std::map<std::string, int> fired, resolved;
    for (const AlertInstance& a : run.result.alerts) {
      for (const Episode& e : a.episodes) {
        if (e.fired_ms) ++fired[a.alertname];
        if (e.fired_ms && e.resolved_ms) ++resolved[a.alertname];
      }
    }
    for (const auto& [name, severity] : run.result.alert_rules) {
      EXPECT_GT(fired[name], 0) << name;
      EXPECT_GT(resolved[name], 0) << name;
    }
    // The only failures: PodPrivilegedMode's group_left while a pod's
    // kube_pod_security_context changes labels (both series within the
    // lookback). Only the failing evaluations run as instant queries.
    uint64_t failed = 0;
    for (const RuleErrors& e : run.result.errors) {
      EXPECT_EQ(e.rule, "PodPrivilegedMode") << e.first_error;
      failed += e.count;
    }
    EXPECT_GT(failed, 0u);
    for (uint64_t n : instant) EXPECT_LE(n, failed);
    // The PrometheusRule flavour of PodPrivilegedMode, alone.
    ExpectSame(PackFile("pod-security.yaml"), data, every_step);

    Options own_grid = every_step;
    own_grid.step_ms = 0;
    own_grid.default_interval_ms = 30 * 1000;
    own_grid.start_ms = 7 * 1000;  // off every grid
    ExpectSame(specs, data, own_grid);
  }
}

// Rules that read what rules write: an earlier rule of the group (rule by
// rule), a later one (the group step by step), another group with a larger
// query offset (group by group), a group that evaluates later at the same
// time; and `@ start()`, `limit`, keep_firing_for and a failing rule.
constexpr char kReaders[] = R"(groups:
  - name: a
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: FewUp
        expr: job:up:sum < 2
        for: 2m
  - name: b
    rules:
      - alert: SeesDownAlerts
        expr: count(ALERTS{alertname="Down", alertstate="firing"}) > 0
      - alert: Down
        expr: up == 0
        for: 2m
        keep_firing_for: 3m
      - record: up:at_start
        expr: up @ start()
      - record: broken
        expr: up * on() up
  - name: c
    query_offset: 1m
    rules:
      - alert: ManyDownAlerts
        expr: count(ALERTS{alertname="Down"}) > 1
        for: 1m
      - alert: FewUpSum
        expr: sum(job:up:sum) < 3
)";

constexpr char kLimited[] = R"(
  - name: e
    limit: 1
    rules:
      - alert: Limited
        expr: up == 0
)";

// A group that reads one with a larger query offset: c's sample at t − 1m
// is written by c's evaluation at t, after d's at t − 1m has read.
constexpr char kReadsLaterGroup[] = R"(
  - name: d
    rules:
      - alert: SeesC
        expr: count(ALERTS{alertname="FewUpSum"}) > 0
)";

std::string Flapping(uint32_t seed) {
  std::mt19937 rng(seed);
  std::bernoulli_distribution flip(0.08);
  std::string om;
  for (const char* job : {"a", "b"}) {
    for (int inst = 0; inst < 3; ++inst) {
      bool up = true;
      for (int i = 0; i <= 240; ++i) {
        if (flip(rng)) up = !up;
        if (inst == 2 && i % 50 > 40) continue;  // gaps: lookback expiry
        absl::StrAppend(&om, "up{job=\"", job, "\",instance=\"i", inst, "\"} ",
                        up ? 1 : 0, " ", i * 30, "\n");
      }
    }
  }
  return om + "# EOF\n";
}

TEST_F(BatchTest, RulesReadingRuleOutputMatchStepByStep) {
  const std::string data = Write(Flapping(7));
  for (const std::string& yaml :
       {absl::StrCat(kReaders, kLimited),
        absl::StrCat(kReaders, kLimited, kReadsLaterGroup)}) {
    SCOPED_TRACE(yaml.size());
    auto specs = ParseRuleFile(yaml, "rules.yml");
    ASSERT_TRUE(specs.ok()) << specs.status();
    Options o;
    o.start_ms = 0;
    o.end_ms = 120 * kMin;
    o.step_ms = kMin;
    Outcome step = ExpectSame(*specs, data, o);
    EXPECT_FALSE(step.result.alerts.empty());
    EXPECT_FALSE(step.result.errors.empty());  // `broken` and `Limited`
    o.step_ms = 0;
    o.default_interval_ms = 30 * 1000;
    ExpectSame(*specs, data, o);
  }
}

}  // namespace
}  // namespace vigil::replay
