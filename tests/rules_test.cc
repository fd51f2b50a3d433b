#include "vigil/rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/noting_appendable.h"
#include "vigil/promql/engine.h"
#include "vigil/rule_file.h"
#include "vigil/tsdb.h"

namespace vigil::rules {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kSec = 1000;
constexpr int64_t kMin = 60 * kSec;

class RulesTest : public ::testing::Test {
 protected:
  void Add(const Labels& l, int64_t t, double v) {
    auto app = head_.NewAppender();
    ASSERT_TRUE(app->Append(l, t, v).ok());
    ASSERT_TRUE(app->Commit().ok());
  }

  // A pod that is running and privileged from t=0 to `until` every 30s.
  void LoadPrivilegedPod(int64_t until) {
    for (int64_t t = 0; t <= until; t += 30 * kSec) {
      Add(Labels::FromStrings({"__name__", "kube_pod_container_status_running",
                               "namespace", "payments", "pod", "ledger-0",
                               "container", "app", "uid", "u1"}),
          t, 1);
      Add(Labels::FromStrings({"__name__", "kube_pod_security_context",
                               "namespace", "payments", "pod", "ledger-0",
                               "privileged", "true"}),
          t, 1);
    }
  }

  std::unique_ptr<RuleGroup> Group(std::string_view yaml, bool restored = true,
                                   int64_t for_grace_period_ms = 10 * kMin) {
    auto specs = ParseRuleFile(yaml, "test.yml");
    EXPECT_TRUE(specs.ok()) << specs.status();
    GroupOptions o;
    o.storage = &head_;
    o.appendable = &head_;
    o.engine = &engine_;
    o.notify = [this](const std::string& expr, const std::vector<Alert>& a) {
      sent_exprs_.push_back(expr);
      sent_.insert(sent_.end(), a.begin(), a.end());
    };
    o.external_url = "http://vigil.example:9090";
    o.for_grace_period_ms = for_grace_period_ms;
    auto group = RuleGroup::Create((*specs)[0], o);
    EXPECT_TRUE(group.ok()) << group.status();
    if (restored) (*group)->SetRestored();
    return std::move(*group);
  }

  promql::Vector Query(std::string_view q, int64_t t) {
    auto r = engine_.InstantQuery(head_, q, t);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return {};
    return std::get<promql::Vector>(r->value);
  }

  tsdb::Head head_;
  promql::Engine engine_;
  std::vector<std::string> sent_exprs_;
  std::vector<Alert> sent_;
};

constexpr std::string_view kPodPrivileged = R"(groups:
- name: security
  interval: 30s
  rules:
  - alert: PodPrivilegedMode
    expr: kube_pod_container_status_running{container!=""} * on(pod,namespace) group_left kube_pod_security_context{privileged="true"} > 0
    for: 5m
    labels:
      severity: critical
    annotations:
      summary: Pod {{ $labels.namespace }}/{{ $labels.pod }} runs a privileged container (value {{ $value }})
)";

TEST_F(RulesTest, PodPrivilegedModePendsThenFires) {
  LoadPrivilegedPod(10 * kMin);
  auto group = Group(kPodPrivileged);
  const Rule& rule = *group->rules()[0];

  group->Eval(0);
  ASSERT_EQ(rule.alerts().size(), 1u);
  EXPECT_EQ(rule.state(), AlertState::kPending);
  EXPECT_TRUE(sent_.empty()) << "pending alerts are not sent";

  group->Eval(4 * kMin + 30 * kSec);
  EXPECT_EQ(rule.state(), AlertState::kPending);

  group->Eval(5 * kMin);
  EXPECT_EQ(rule.state(), AlertState::kFiring);
  EXPECT_EQ(rule.health(), RuleHealth::kGood);
  ASSERT_EQ(sent_.size(), 1u);
  const Alert& a = sent_[0];
  EXPECT_EQ(a.labels.Get("alertname"), "PodPrivilegedMode");
  EXPECT_EQ(a.labels.Get("severity"), "critical");
  EXPECT_EQ(a.labels.Get("pod"), "ledger-0");
  EXPECT_FALSE(a.labels.Has("__name__"));
  EXPECT_EQ(a.active_at_ms, 0);
  EXPECT_EQ(a.fired_at_ms, 5 * kMin);
  EXPECT_EQ(a.valid_until_ms, 5 * kMin + 4 * kMin);  // 4 × resend delay
  ASSERT_EQ(a.annotations.size(), 1u);
  EXPECT_EQ(a.annotations[0].value,
            "Pod payments/ledger-0 runs a privileged container (value 1)");

  // ALERTS and ALERTS_FOR_STATE were written for each evaluation.
  auto alerts = Query("ALERTS", 5 * kMin);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].metric.Get("alertstate"), "firing");
  auto for_state = Query("ALERTS_FOR_STATE", 5 * kMin);
  ASSERT_EQ(for_state.size(), 1u);
  EXPECT_EQ(for_state[0].v, 0);  // active since t=0 s

  // No resend before the resend delay; one after it.
  group->Eval(5 * kMin + 30 * kSec);
  EXPECT_EQ(sent_.size(), 1u);
  group->Eval(6 * kMin + 30 * kSec);
  EXPECT_EQ(sent_.size(), 2u);
}

TEST_F(RulesTest, ResolvedAlertIsSentOnceResolvedAndKeptFifteenMinutes) {
  LoadPrivilegedPod(6 * kMin);
  auto group = Group(kPodPrivileged);
  const Rule& rule = *group->rules()[0];
  group->Eval(0);
  group->Eval(5 * kMin);
  ASSERT_EQ(sent_.size(), 1u);
  // Samples stop at 6m; after the 5m lookback the condition is gone.
  group->Eval(11 * kMin + 30 * kSec);
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_EQ(sent_[1].resolved_at_ms, 11 * kMin + 30 * kSec);
  EXPECT_EQ(rule.state(), AlertState::kInactive);
  EXPECT_EQ(rule.alerts().size(), 1u) << "resolved alerts are retained";
  group->Eval(27 * kMin);
  EXPECT_TRUE(rule.alerts().empty());
  // The ALERTS series went stale when the alert resolved.
  EXPECT_TRUE(Query("ALERTS", 11 * kMin + 30 * kSec).empty());
}

TEST_F(RulesTest, KeepFiringForHoldsTheAlert) {
  LoadPrivilegedPod(6 * kMin);
  auto group = Group(R"(groups:
- name: g
  rules:
  - alert: A
    expr: kube_pod_security_context > 0
    keep_firing_for: 10m
)");
  const Rule& rule = *group->rules()[0];
  group->Eval(6 * kMin);
  EXPECT_EQ(rule.state(), AlertState::kFiring);
  group->Eval(12 * kMin);  // condition gone: keeps firing
  EXPECT_EQ(rule.state(), AlertState::kFiring);
  group->Eval(22 * kMin);  // 10m after the condition cleared: resolved
  EXPECT_EQ(rule.state(), AlertState::kInactive);
}

TEST_F(RulesTest, RecordingRulesFeedLaterRulesAndGoStale) {
  LoadPrivilegedPod(2 * kMin);
  auto group = Group(R"(groups:
- name: g
  rules:
  - record: namespace:privileged_pods:count
    expr: count by (namespace) (kube_pod_security_context{privileged="true"})
    labels:
      source: vigil
  - alert: PrivilegedNamespace
    expr: namespace:privileged_pods:count > 0
)");
  group->Eval(2 * kMin);
  auto recorded = Query("namespace:privileged_pods:count", 2 * kMin);
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].metric.Get("source"), "vigil");
  EXPECT_EQ(recorded[0].metric.Get("namespace"), "payments");
  // The alert in the same evaluation saw the recorded series.
  EXPECT_EQ(group->rules()[1]->alerts().size(), 1u);

  // The inputs vanish after the lookback; the recorded series is marked
  // stale instead of lingering for five minutes.
  group->Eval(8 * kMin);
  EXPECT_TRUE(Query("namespace:privileged_pods:count", 8 * kMin).empty());
  EXPECT_TRUE(
      Query("namespace:privileged_pods:count", 8 * kMin + 30 * kSec).empty());
}

// Passes appends on to the head, noting the ref each came with.
TEST_F(RulesTest, RecordedSeriesAreAppendedByRefAfterTheFirstEvaluation) {
  LoadPrivilegedPod(3 * kMin);
  auto specs = ParseRuleFile(R"(groups:
- name: g
  rules:
  - record: pod:running:sum
    expr: sum by (pod) (kube_pod_container_status_running)
)",
                             "test.yml");
  ASSERT_TRUE(specs.ok()) << specs.status();
  testing::NotingAppendable noting(&head_);
  GroupOptions o;
  o.storage = &head_;
  o.appendable = &noting;
  o.engine = &engine_;
  auto group = RuleGroup::Create((*specs)[0], o);
  ASSERT_TRUE(group.ok()) << group.status();
  (*group)->SetRestored();

  (*group)->Eval(1 * kMin);
  ASSERT_EQ(noting.noted.size(), 1u);
  EXPECT_EQ(noting.noted[0].given, 0u);  // unknown yet: looked up by labels
  const SeriesRef ref = noting.noted[0].returned;
  ASSERT_NE(ref, 0u);

  (*group)->Eval(2 * kMin);
  ASSERT_EQ(noting.noted.size(), 2u);
  EXPECT_EQ(noting.noted[1].given, ref);
  EXPECT_EQ(noting.noted[1].returned, ref);
  // The stale marker for the vanished series goes by ref too.
  (*group)->Eval(9 * kMin);
  ASSERT_EQ(noting.noted.size(), 3u);
  EXPECT_EQ(noting.noted[2].given, ref);
  EXPECT_EQ(noting.noted[2].returned, ref);

  auto at2 = Query("pod:running:sum", 2 * kMin);
  ASSERT_EQ(at2.size(), 1u);
  EXPECT_EQ(at2[0].v, 1);
  EXPECT_TRUE(Query("pod:running:sum", 9 * kMin).empty());
}

TEST_F(RulesTest, LimitAndDuplicateLabelsetAreRuleErrors) {
  Add(Labels::FromStrings({"__name__", "m", "a", "1"}), 0, 1);
  Add(Labels::FromStrings({"__name__", "m", "a", "2"}), 0, 1);
  auto group = Group(R"(groups:
- name: g
  limit: 1
  rules:
  - record: r
    expr: m
  - record: same
    expr: m
    labels:
      a: x
)");
  group->Eval(1 * kMin);
  const Rule& limited = *group->rules()[0];
  EXPECT_EQ(limited.health(), RuleHealth::kBad);
  EXPECT_EQ(limited.last_error(), "exceeded limit of 1 with 2 series");
  EXPECT_TRUE(Query("r", 1 * kMin).empty()) << "output dropped";
  const Rule& dup = *group->rules()[1];
  EXPECT_EQ(dup.health(), RuleHealth::kBad);
  EXPECT_THAT(dup.last_error(),
              HasSubstr("vector contains metrics with the same labelset after "
                        "applying rule labels"));
}

TEST_F(RulesTest, QueryOffsetShiftsTheQueryTime) {
  Add(Labels::FromStrings({"__name__", "m"}), 0, 1);
  auto group = Group(R"(groups:
- name: g
  query_offset: 6m
  rules:
  - record: r
    expr: m
)");
  group->Eval(6 * kMin);  // queries at 0: sees m
  auto r = Query("r", 0);
  ASSERT_EQ(r.size(), 1u);
}

TEST_F(RulesTest, RestoreForStateKeepsThePendingClock) {
  LoadPrivilegedPod(20 * kMin);
  {
    auto before = Group(kPodPrivileged);
    before->Eval(0);
    before->Eval(2 * kMin);  // pending for 2m when "vigil stops"
  }
  // A fresh group writes no ALERTS_FOR_STATE until it has restored. The
  // grace period is below `for`, else Prometheus skips restoring.
  auto after = Group(kPodPrivileged, /*restored=*/false, 1 * kMin);
  after->Eval(3 * kMin);
  after->RestoreForState(3 * kMin);
  const Alert a = after->rules()[0]->alerts().at(0);
  // 2m of pending survived the 1m outage: activeAt moved by the downtime.
  EXPECT_EQ(a.active_at_ms, 0 + (3 * kMin - 2 * kMin));
}

TEST_F(RulesTest, AlignedEvalTimeIsStableAndWithinOneInterval) {
  auto group = Group(kPodPrivileged);
  const int64_t now = 1'700'000'123'456;
  const int64_t t = group->AlignedEvalTime(now);
  EXPECT_LE(t, now);
  EXPECT_GT(t, now - 30 * kSec);
  EXPECT_EQ(group->AlignedEvalTime(t + 30 * kSec), t + 30 * kSec);
  EXPECT_EQ(group->AlignedEvalTime(now), t);
}

TEST_F(RulesTest, BadTemplateFailsGroupCreationWithPosition) {
  auto specs = ParseRuleFile(R"(groups:
- name: g
  rules:
  - alert: A
    expr: up
    annotations:
      summary: "{{ $labels.x "
)",
                             "t.yml");
  ASSERT_TRUE(specs.ok()) << specs.status();
  GroupOptions o;
  o.storage = &head_;
  o.appendable = &head_;
  o.engine = &engine_;
  auto group = RuleGroup::Create((*specs)[0], o);
  ASSERT_FALSE(group.ok());
  EXPECT_THAT(group.status().message(), HasSubstr("t.yml:5:11: group \"g\""));
  EXPECT_THAT(group.status().message(), HasSubstr("annotation \"summary\""));
}

}  // namespace
}  // namespace vigil::rules
