// Rule groups whose queries run elsewhere (GroupOptions::query, a remote
// datasource), and `for` state read from elsewhere when the local store
// has none (GroupOptions::for_state_fallback).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "vigil/promql/engine.h"
#include "vigil/rule_file.h"
#include "vigil/rules.h"
#include "vigil/tsdb.h"

namespace vigil::rules {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kSec = 1000;
constexpr int64_t kMin = 60 * kSec;

constexpr std::string_view kRules = R"(groups:
- name: security
  interval: 30s
  query_offset: 1m
  rules:
  - record: namespace:privileged:count
    expr: count by (namespace) (kube_pod_security_context{privileged="true"})
  - alert: PodPrivilegedMode
    expr: kube_pod_security_context{privileged="true"} > 0
    for: 1m
    labels: {severity: warning}
    annotations:
      summary: "{{ $labels.pod }} of {{ query \"pods_total\" | first | value }}"
)";

// What the fake datasource knows: one privileged pod.
promql::Vector PrivilegedPods(int64_t t) {
  return {{Labels::FromStrings({"__name__", "kube_pod_security_context",
                                "namespace", "shop", "pod", "p1", "privileged",
                                "true"}),
           t, 1}};
}

class RulesQueryHookTest : public ::testing::Test {
 protected:
  struct Call {
    std::string text;
    int64_t t;
  };

  std::unique_ptr<RuleGroup> Group(std::string_view yaml = kRules,
                                   bool restored = true) {
    auto specs = ParseRuleFile(yaml, "test.yml");
    EXPECT_TRUE(specs.ok()) << specs.status();
    GroupOptions o;
    o.storage = &head_;
    o.appendable = &head_;
    o.engine = &engine_;
    o.query = [this](std::string_view text, const promql::Expr&,
                     int64_t t) -> absl::StatusOr<promql::QueryResult> {
      calls_.push_back({std::string(text), t});
      if (!error_.ok()) return error_;
      promql::QueryResult r;
      if (answer_) {
        r.value = *answer_;
      } else if (text == "pods_total") {
        r.value = promql::Vector{{Labels(), t, 7}};
      } else if (text.find("count by") == 0) {
        r.value =
            promql::Vector{{Labels::FromStrings({"namespace", "shop"}), t, 1}};
      } else {
        r.value = PrivilegedPods(t);
      }
      return r;
    };
    o.for_state_fallback = fallback_;
    o.notify = [this](const std::string&, const std::vector<Alert>& a) {
      sent_.insert(sent_.end(), a.begin(), a.end());
    };
    o.on_failure = [this](const RuleFailure& f) { failures_.push_back(f); };
    o.external_labels = Labels::FromStrings({"replica", "a"});
    o.for_grace_period_ms = 30 * kSec;
    auto group = RuleGroup::Create((*specs)[0], o);
    EXPECT_TRUE(group.ok()) << group.status();
    if (restored) (*group)->SetRestored();
    return std::move(*group);
  }

  promql::Vector Local(std::string_view q, int64_t t) {
    auto r = engine_.InstantQuery(head_, q, t);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return {};
    return std::get<promql::Vector>(r->value);
  }

  const Rule& Alerting(const RuleGroup& g) { return *g.rules()[1]; }

  tsdb::Head head_;  // the local store: empty of source data
  promql::Engine engine_;
  std::vector<Call> calls_;
  absl::Status error_;
  std::optional<decltype(promql::QueryResult::value)> answer_;
  LastSampleReader fallback_;
  std::vector<Alert> sent_;
  std::vector<RuleFailure> failures_;
};

TEST_F(RulesQueryHookTest, QueriesRunThroughTheHookAndResultsStayLocal) {
  auto g = Group();
  g->Eval(10 * kMin);
  // Every query at the group's time minus query_offset, as written.
  ASSERT_EQ(calls_.size(), 3u);
  EXPECT_EQ(
      calls_[0].text,
      "count by (namespace) (kube_pod_security_context{privileged=\"true\"})");
  EXPECT_EQ(calls_[0].t, 9 * kMin);
  EXPECT_EQ(calls_[1].text,
            "kube_pod_security_context{privileged=\"true\"} > 0");
  EXPECT_EQ(calls_[2].text, "pods_total");  // the template's `query`
  // The recording and ALERTS land in the local store.
  auto r = Local("namespace:privileged:count", 9 * kMin);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].metric.Get("namespace"), "shop");
  auto alerts = Local("ALERTS", 9 * kMin);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].metric.Get("alertstate"), "pending");
  EXPECT_EQ(Alerting(*g).alerts().at(0).Annotation("summary"), "p1 of 7");

  g->Eval(11 * kMin);
  EXPECT_EQ(Alerting(*g).state(), AlertState::kFiring);
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].labels.Get("pod"), "p1");
  EXPECT_EQ(g->evaluations_total(), 4u);
  EXPECT_EQ(g->evaluation_failures_total(), 0u);
}

TEST_F(RulesQueryHookTest, ScalarIsAVectorWithoutLabels) {
  answer_ = promql::Scalar{9 * kMin, 3};
  auto g = Group(R"(groups:
- name: g
  rules:
  - record: three
    expr: vector(3)
)");
  g->Eval(9 * kMin);
  auto r = Local("three", 9 * kMin);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].metric, Labels::FromStrings({"__name__", "three"}));
  EXPECT_EQ(r[0].v, 3);
}

TEST_F(RulesQueryHookTest, MatrixOrStringFailsTheRuleAndIsCounted) {
  for (auto value :
       {decltype(promql::QueryResult::value)(promql::Matrix{}),
        decltype(promql::QueryResult::value)(promql::StringResult{0, "x"})}) {
    answer_ = value;
    failures_.clear();
    auto g = Group();
    g->Eval(10 * kMin);
    for (const auto& rule : g->rules()) {
      EXPECT_EQ(rule->health(), RuleHealth::kBad);
      EXPECT_EQ(rule->last_error(), "rule result is not a vector or scalar");
    }
    EXPECT_EQ(g->evaluation_failures_total(), 2u);
    ASSERT_EQ(failures_.size(), 2u);
    EXPECT_EQ(failures_[1].rule, "PodPrivilegedMode");
    EXPECT_EQ(failures_[1].group, "security");
    EXPECT_FALSE(failures_[1].restoring);
  }
}

TEST_F(RulesQueryHookTest, FailingDatasourceKeepsAlertsUntilItAnswers) {
  auto g = Group();
  g->Eval(10 * kMin);
  g->Eval(11 * kMin);  // fires
  const Alert fired = Alerting(*g).alerts().at(0);
  ASSERT_EQ(fired.state, AlertState::kFiring);
  sent_.clear();

  error_ =
      absl::UnavailableError("datasource http://p:9090: connection refused");
  for (int64_t t = 12 * kMin; t <= 15 * kMin; t += kMin) g->Eval(t);
  EXPECT_EQ(Alerting(*g).health(), RuleHealth::kBad);
  EXPECT_THAT(Alerting(*g).last_error(), HasSubstr("connection refused"));
  EXPECT_EQ(g->evaluation_failures_total(), 8u);
  // No resolution, nothing sent, the clock untouched.
  Alert during = Alerting(*g).alerts().at(0);
  EXPECT_EQ(during.state, AlertState::kFiring);
  EXPECT_EQ(during.resolved_at_ms, 0);
  EXPECT_TRUE(sent_.empty());

  error_ = absl::OkStatus();
  g->Eval(16 * kMin);
  EXPECT_EQ(Alerting(*g).health(), RuleHealth::kGood);
  const Alert after = Alerting(*g).alerts().at(0);
  EXPECT_EQ(after.state, AlertState::kFiring);
  // The same alert: no new `for`, no re-fire.
  EXPECT_EQ(after.active_at_ms, fired.active_at_ms);
  EXPECT_EQ(after.fired_at_ms, fired.fired_at_ms);
  EXPECT_EQ(g->evaluations_total(), 2u * 7);
}

constexpr std::string_view kLongFor = R"(groups:
- name: security
  rules:
  - alert: PodPrivilegedMode
    expr: kube_pod_security_context{privileged="true"} > 0
    for: 10m
    labels: {severity: warning}
)";

TEST_F(RulesQueryHookTest, RestoresForStateFromTheFallbackWhenLocalHasNone) {
  std::vector<std::string> asked;
  fallback_ = [&asked](const Matchers& ms, int64_t mint,
                       int64_t maxt) -> absl::StatusOr<promql::Vector> {
    std::string s;
    for (const Matcher& m : ms) s += m.ToString() + ",";
    asked.push_back(s);
    EXPECT_EQ(maxt - mint, 60 * kMin);  // the outage tolerance
    // Remote write added the external label replica="a".
    return promql::Vector{
        {Labels::FromStrings({"__name__", "ALERTS_FOR_STATE", "alertname",
                              "PodPrivilegedMode", "namespace", "shop", "pod",
                              "p1", "privileged", "true", "replica", "a",
                              "severity", "warning"}),
         20 * kMin, 14 * 60}};  // pending since 14m when it went down at 20m
  };
  auto g = Group(kLongFor, /*restored=*/false);
  g->Eval(22 * kMin);
  g->RestoreForState(22 * kMin);
  ASSERT_THAT(asked, ElementsAre("__name__=\"ALERTS_FOR_STATE\","
                                 "alertname=\"PodPrivilegedMode\","
                                 "severity=\"warning\","));
  // 6 of 10 minutes were pending; the 2m outage does not count.
  EXPECT_EQ(g->rules()[0]->alerts().at(0).active_at_ms, 16 * kMin);
  EXPECT_TRUE(failures_.empty());
}

TEST_F(RulesQueryHookTest, LocalForStateWinsAndFallbackErrorsAreReported) {
  int asked = 0;
  fallback_ = [&asked](const Matchers&, int64_t,
                       int64_t) -> absl::StatusOr<promql::Vector> {
    ++asked;
    return absl::DeadlineExceededError("datasource: timed out");
  };
  {
    auto g = Group(kLongFor, /*restored=*/false);
    g->Eval(22 * kMin);
    g->RestoreForState(22 * kMin);
    EXPECT_EQ(asked, 1);
    ASSERT_EQ(failures_.size(), 1u);
    EXPECT_TRUE(failures_[0].restoring);
    EXPECT_THAT(failures_[0].status.message(), HasSubstr("timed out"));
    EXPECT_EQ(g->rules()[0]->alerts().at(0).active_at_ms, 22 * kMin);
    g->Eval(23 * kMin);  // writes ALERTS_FOR_STATE locally
  }
  auto again = Group(kLongFor, /*restored=*/false);
  again->Eval(24 * kMin);
  again->RestoreForState(24 * kMin);
  EXPECT_EQ(asked, 1);  // the local store had it
  EXPECT_EQ(again->rules()[0]->alerts().at(0).active_at_ms,
            22 * kMin + kMin);  // the 1m downtime does not count
}

}  // namespace
}  // namespace vigil::rules
