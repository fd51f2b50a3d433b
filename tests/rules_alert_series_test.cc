// The series alerting and recording rules write, now that their label sets
// are built once per alert instance (or input series) and appended by ref:
// what is written must be what building them anew at every evaluation
// wrote — new series when labels change, the same series for an instance
// that resolves and comes back, ALERTS_FOR_STATE values, staleness.
#include <gtest/gtest.h>

#include <cmath>

#include "lib/rules/derived_labels.h"
#include "tests/support/noting_appendable.h"
#include "vigil/promql/engine.h"
#include "vigil/rule_file.h"
#include "vigil/rules.h"
#include "vigil/tsdb.h"

namespace vigil::rules {
namespace {

constexpr int64_t kMin = 60 * 1000;

class AlertSeriesTest : public ::testing::Test {
 protected:
  void Add(const Labels& l, int64_t t, double v) {
    auto app = head_.NewAppender();
    ASSERT_TRUE(app->Append(l, t, v).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  // m{pod="p"} with values[k] at minute k.
  void AddMinutes(const std::vector<double>& values) {
    for (size_t k = 0; k < values.size(); ++k) {
      Add(Labels::FromStrings({"__name__", "m", "pod", "p"}),
          static_cast<int64_t>(k) * kMin, values[k]);
    }
  }

  std::unique_ptr<RuleGroup> Group(std::string_view yaml) {
    auto specs = ParseRuleFile(yaml, "test.yml");
    EXPECT_TRUE(specs.ok()) << specs.status();
    GroupOptions o;
    o.storage = &head_;
    o.appendable = &noting_;
    o.engine = &engine_;
    auto group = RuleGroup::Create((*specs)[0], o);
    EXPECT_TRUE(group.ok()) << group.status();
    (*group)->SetRestored();
    return std::move(*group);
  }

  // What the evaluation at `t` wrote, in order.
  std::vector<testing::NotingAppendable::Noted> WrittenAt(int64_t t) const {
    std::vector<testing::NotingAppendable::Noted> out;
    for (const auto& n : noting_.noted) {
      if (n.t_ms == t) out.push_back(n);
    }
    return out;
  }
  // The value written at `t` to `labels`; NaN when none was.
  double ValueAt(const Labels& labels, int64_t t) const {
    for (const auto& n : noting_.noted) {
      if (n.t_ms == t && n.labels == labels) return n.v;
    }
    return std::nan("");
  }

  static Labels Alerts(std::string_view state,
                       std::initializer_list<std::string_view> extra = {}) {
    LabelsBuilder b(Labels::FromStrings({"__name__", "ALERTS", "alertname",
                                         "High", "alertstate", state, "pod",
                                         "p", "severity", "page"}));
    for (auto it = extra.begin(); it != extra.end(); it += 2) {
      b.Set(*it, *(it + 1));
    }
    return b.Build();
  }
  static Labels ForState(std::initializer_list<std::string_view> extra = {}) {
    LabelsBuilder b(
        Labels::FromStrings({"__name__", "ALERTS_FOR_STATE", "alertname",
                             "High", "pod", "p", "severity", "page"}));
    for (auto it = extra.begin(); it != extra.end(); it += 2) {
      b.Set(*it, *(it + 1));
    }
    return b.Build();
  }

  tsdb::Head head_;
  promql::Engine engine_;
  testing::NotingAppendable noting_{&head_};
};

constexpr std::string_view kHigh = R"(groups:
- name: g
  rules:
  - alert: High
    expr: m > 0
    for: 1m
    labels:
      severity: page
)";

TEST_F(AlertSeriesTest, AlertSeriesGoByRefFromTheSecondEvaluation) {
  AddMinutes({1, 1, 1, 1});
  auto group = Group(kHigh);
  for (int k = 0; k <= 3; ++k) group->Eval(k * kMin);

  // 0: pending, looked up by labels.
  auto at0 = WrittenAt(0);
  ASSERT_EQ(at0.size(), 2u);
  EXPECT_EQ(at0[0].labels, Alerts("pending"));
  EXPECT_EQ(at0[0].given, 0u);
  EXPECT_EQ(at0[1].labels, ForState());
  EXPECT_EQ(at0[1].v, 0);
  // 1m: firing is a new series; ALERTS_FOR_STATE goes by ref; pending
  // goes stale by ref.
  auto at1 = WrittenAt(kMin);
  ASSERT_EQ(at1.size(), 3u);
  EXPECT_EQ(ValueAt(Alerts("firing"), kMin), 1);
  EXPECT_EQ(ValueAt(ForState(), kMin), 0);
  EXPECT_TRUE(IsStaleNaN(ValueAt(Alerts("pending"), kMin)));
  for (const auto& n : at1) {
    if (n.labels == Alerts("firing")) {
      EXPECT_EQ(n.given, 0u);
    } else {
      EXPECT_NE(n.given, 0u) << n.labels.ToString();
    }
  }
  // Later evaluations: every append by the ref the store gave last time.
  for (int k = 2; k <= 3; ++k) {
    auto at = WrittenAt(k * kMin);
    ASSERT_EQ(at.size(), 2u);
    for (const auto& n : at) {
      EXPECT_NE(n.given, 0u) << n.labels.ToString();
      EXPECT_EQ(n.given, n.returned);
    }
  }
  EXPECT_EQ(ValueAt(Alerts("firing"), 3 * kMin), 1);
  EXPECT_EQ(ValueAt(ForState(), 3 * kMin), 0);
}

TEST_F(AlertSeriesTest, ResolvedThenRefiringInstanceWritesItsSeriesAgain) {
  // Above 0 for minutes 0-2, not for 3-5, again from 6.
  AddMinutes({1, 1, 1, 0, 0, 0, 1, 1, 1});
  auto group = Group(kHigh);
  for (int k = 0; k <= 5; ++k) group->Eval(k * kMin);

  EXPECT_EQ(ValueAt(Alerts("firing"), 2 * kMin), 1);
  EXPECT_EQ(ValueAt(ForState(), 2 * kMin), 0);
  // Resolved at 3m: both series go stale, nothing more while resolved
  // (the alert is retained, inactive).
  EXPECT_TRUE(IsStaleNaN(ValueAt(Alerts("firing"), 3 * kMin)));
  EXPECT_TRUE(IsStaleNaN(ValueAt(ForState(), 3 * kMin)));
  EXPECT_TRUE(WrittenAt(4 * kMin).empty());
  EXPECT_TRUE(WrittenAt(5 * kMin).empty());
  ASSERT_EQ(group->rules()[0]->alerts().size(), 1u);
  EXPECT_EQ(group->rules()[0]->alerts()[0].state, AlertState::kInactive);

  for (int k = 6; k <= 8; ++k) group->Eval(k * kMin);
  // Back at 6m: a new alert (active since 6m = 360 s) on the same series.
  auto at6 = WrittenAt(6 * kMin);
  ASSERT_EQ(at6.size(), 2u);
  EXPECT_EQ(ValueAt(Alerts("pending"), 6 * kMin), 1);
  EXPECT_EQ(ValueAt(ForState(), 6 * kMin), 360);
  EXPECT_EQ(ValueAt(Alerts("firing"), 7 * kMin), 1);
  EXPECT_EQ(ValueAt(ForState(), 7 * kMin), 360);
  EXPECT_TRUE(IsStaleNaN(ValueAt(Alerts("pending"), 7 * kMin)));
  EXPECT_EQ(ValueAt(ForState(), 8 * kMin), 360);
  const auto alerts = group->rules()[0]->alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].state, AlertState::kFiring);
  EXPECT_EQ(alerts[0].active_at_ms, 6 * kMin);
  EXPECT_EQ(alerts[0].fired_at_ms, 7 * kMin);

  // The store holds one series per label set, not one per episode.
  auto querier = head_.OpenQuerier(0, 9 * kMin);
  ASSERT_TRUE(querier.ok());
  auto m = Matcher::Create(MatchType::kEqual, "__name__", "ALERTS");
  ASSERT_TRUE(m.ok());
  auto series = (*querier)->Select({0, 9 * kMin}, {*m});
  ASSERT_TRUE(series.ok());
  EXPECT_EQ(series->size(), 2u);  // pending and firing
}

TEST_F(AlertSeriesTest, TemplatedLabelThatChangesMakesANewInstanceAndSeries) {
  AddMinutes({1, 1, 9, 9});
  auto group = Group(R"(groups:
- name: g
  rules:
  - alert: High
    expr: m > 0
    for: 5m
    labels:
      severity: page
      level: '{{ if gt $value 5.0 }}high{{ else }}low{{ end }}'
)");
  for (int k = 0; k <= 3; ++k) group->Eval(k * kMin);

  EXPECT_EQ(ValueAt(Alerts("pending", {"level", "low"}), kMin), 1);
  EXPECT_EQ(ValueAt(ForState({"level", "low"}), kMin), 0);
  // 2m: the low instance is gone (pending alerts vanish at once) and its
  // series go stale; the high one starts its own clock at 120 s.
  EXPECT_TRUE(
      IsStaleNaN(ValueAt(Alerts("pending", {"level", "low"}), 2 * kMin)));
  EXPECT_TRUE(IsStaleNaN(ValueAt(ForState({"level", "low"}), 2 * kMin)));
  EXPECT_EQ(ValueAt(Alerts("pending", {"level", "high"}), 2 * kMin), 1);
  EXPECT_EQ(ValueAt(ForState({"level", "high"}), 2 * kMin), 120);
  EXPECT_EQ(ValueAt(ForState({"level", "high"}), 3 * kMin), 120);
  EXPECT_EQ(WrittenAt(3 * kMin).size(), 2u);
  const auto alerts = group->rules()[0]->alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].labels.Get("level"), "high");
}

TEST_F(AlertSeriesTest, InputSeriesThatChangesLabelsGetsNewOutputSeries) {
  // The recording rule's and the alert's input moves from pod p to pod q.
  for (int k = 0; k <= 3; ++k) {
    Add(Labels::FromStrings({"__name__", "m", "pod", k < 2 ? "p" : "q"}),
        k * kMin, 1);
  }
  auto group = Group(R"(groups:
- name: g
  rules:
  - record: pod:m
    expr: m
    labels:
      source: rule
  - alert: High
    expr: pod:m > 0
    labels:
      severity: page
)");
  for (int k = 0; k <= 3; ++k) group->Eval(k * kMin);
  const auto p =
      Labels::FromStrings({"__name__", "pod:m", "pod", "p", "source", "rule"});
  const auto q =
      Labels::FromStrings({"__name__", "pod:m", "pod", "q", "source", "rule"});
  // m{pod="p"} stays visible for the lookback delta, so both are there.
  EXPECT_EQ(ValueAt(p, kMin), 1);
  EXPECT_EQ(ValueAt(q, 2 * kMin), 1);
  EXPECT_EQ(ValueAt(p, 3 * kMin), 1);
  EXPECT_EQ(ValueAt(Alerts("firing", {"source", "rule", "pod", "q"}), 3 * kMin),
            1);
  EXPECT_EQ(ValueAt(Alerts("firing", {"source", "rule"}), 3 * kMin), 1);
}

TEST(DerivedLabelsTest, BuildsOncePerInputSeriesAndDropsUnusedOnes) {
  DerivedLabels cache;
  int builds = 0;
  auto build = [&](const Labels& in) {
    ++builds;
    LabelsBuilder b(in);
    b.Set("out", "1");
    return b.Build();
  };
  const auto a = Labels::FromStrings({"x", "a"});
  cache.BeginEval();
  const Labels first = cache.Get(a, build);
  EXPECT_EQ(first, Labels::FromStrings({"out", "1", "x", "a"}));
  // An equal set as another object, and the empty set (a scalar's).
  cache.BeginEval();
  EXPECT_EQ(cache.Get(Labels::FromStrings({"x", "a"}), build), first);
  EXPECT_EQ(cache.Get(Labels(), build), Labels::FromStrings({"out", "1"}));
  EXPECT_EQ(cache.Get(Labels(), build), Labels::FromStrings({"out", "1"}));
  EXPECT_EQ(builds, 2);
  EXPECT_EQ(cache.Get(Labels::FromStrings({"x", "b"}), build),
            Labels::FromStrings({"out", "1", "x", "b"}));
  EXPECT_EQ(builds, 3);

  // Series that stop coming are dropped once they clearly outnumber those
  // an evaluation uses.
  for (int i = 0; i < 200; ++i) {
    cache.Get(Labels::FromStrings({"i", std::to_string(i)}), build);
  }
  EXPECT_EQ(cache.size(), 203u);
  cache.BeginEval();
  cache.Get(a, build);
  cache.BeginEval();
  EXPECT_EQ(cache.size(), 1u);
  cache.Get(a, build);
  EXPECT_EQ(builds, 203);
}

}  // namespace
}  // namespace vigil::rules
