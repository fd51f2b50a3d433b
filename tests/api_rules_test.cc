// /api/v1/rules and /api/v1/alerts over HTTP, from a real RuleManager
// whose group is evaluated once at a known time.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/api_test_support.h"
#include "vigil/rules.h"

namespace vigil::api::testing {
namespace {

constexpr const char* kRules = R"(groups:
- name: example
  interval: 30s
  rules:
  - record: job:up:sum
    expr: sum by (job) (up)
  - alert: InstanceDown
    expr: up == 0
    labels:
      severity: page
    annotations:
      summary: "Instance {{ $labels.instance }} down"
  - alert: NeverFires
    expr: up > 5
    for: 5m
- name: broken
  rules:
  - record: dup
    expr: label_replace(up, "instance", "", "", "")
)";

constexpr int64_t kEvalMs = kT0 + 300000;

class ApiRulesTest : public ApiServerTest {
 protected:
  void SetUp() override {
    ApiServerTest::SetUp();
    dir_ = std::filesystem::temp_directory_path() /
           ("vigil-api-rules-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    file_ = (dir_ / "rules.yml").string();
    std::ofstream(file_) << kRules;
    rules::GroupOptions opts;
    opts.storage = &head_;
    opts.appendable = &head_;
    opts.engine = &engine_;
    manager_ = std::make_unique<rules::RuleManager>(opts);
    absl::Status st = manager_->Update({file_});
    ASSERT_TRUE(st.ok()) << st;
    for (const auto& g : manager_->groups()) {
      g->SetRestored();
      g->Eval(kEvalMs);
    }
    deps_.rules = manager_.get();
  }
  void TearDown() override {
    ApiServerTest::TearDown();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::string file_;
  std::unique_ptr<rules::RuleManager> manager_;
};

const nlohmann::json* FindGroup(const nlohmann::json& groups,
                                const std::string& name) {
  for (const auto& g : groups) {
    if (g["name"] == name) return &g;
  }
  return nullptr;
}

TEST_F(ApiRulesTest, RulesHavePrometheusShape) {
  StartServer();
  Reply r = Get("/api/v1/rules");
  ExpectSuccess(r);
  const auto& groups = r.json["data"]["groups"];
  ASSERT_EQ(groups.size(), 2u) << r.body;
  const nlohmann::json* g = FindGroup(groups, "example");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ((*g)["file"], file_);
  EXPECT_EQ((*g)["interval"], 30);
  EXPECT_EQ((*g)["limit"], 0);
  EXPECT_TRUE((*g)["evaluationTime"].is_number());
  EXPECT_EQ((*g)["lastEvaluation"], "2023-11-14T22:18:20Z");
  const auto& rules = (*g)["rules"];
  ASSERT_EQ(rules.size(), 3u);

  const auto& rec = rules[0];
  EXPECT_EQ(rec["type"], "recording");
  EXPECT_EQ(rec["name"], "job:up:sum");
  EXPECT_EQ(rec["query"], "sum by (job) (up)");
  EXPECT_EQ(rec["health"], "ok");
  EXPECT_FALSE(rec.contains("lastError"));
  EXPECT_FALSE(rec.contains("labels"));  // omitempty for recording rules
  EXPECT_EQ(rec["lastEvaluation"], "2023-11-14T22:18:20Z");

  const auto& alert = rules[1];
  EXPECT_EQ(alert["type"], "alerting");
  EXPECT_EQ(alert["name"], "InstanceDown");
  EXPECT_EQ(alert["query"], "up == 0");
  EXPECT_EQ(alert["state"], "firing");
  EXPECT_EQ(alert["duration"], 0);
  EXPECT_EQ(alert["keepFiringFor"], 0);
  EXPECT_EQ(alert["health"], "ok");
  EXPECT_EQ(alert["labels"], nlohmann::json({{"severity", "page"}}));
  EXPECT_EQ(alert["annotations"]["summary"],
            "Instance {{ $labels.instance }} down");
  ASSERT_EQ(alert["alerts"].size(), 1u);
  const auto& a = alert["alerts"][0];
  EXPECT_EQ(a["labels"]["alertname"], "InstanceDown");
  EXPECT_EQ(a["labels"]["instance"], "b:9090");
  EXPECT_EQ(a["labels"]["severity"], "page");
  EXPECT_EQ(a["annotations"]["summary"], "Instance b:9090 down");
  EXPECT_EQ(a["state"], "firing");
  EXPECT_EQ(a["activeAt"], "2023-11-14T22:18:20Z");
  EXPECT_EQ(a["value"], "0e+00");  // Prometheus prints alert values with %e

  const auto& never = rules[2];
  EXPECT_EQ(never["state"], "inactive");
  EXPECT_EQ(never["duration"], 300);
  EXPECT_EQ(never["alerts"], nlohmann::json::array());
  EXPECT_EQ(never["annotations"], nlohmann::json::object());

  const nlohmann::json* broken = FindGroup(groups, "broken");
  ASSERT_NE(broken, nullptr);
  EXPECT_EQ((*broken)["interval"], 60);  // the default evaluation interval
  EXPECT_EQ((*broken)["rules"][0]["health"], "err");
  EXPECT_THAT((*broken)["rules"][0]["lastError"].get<std::string>(),
              ::testing::HasSubstr(
                  "vector cannot contain metrics with the same labelset"));
}

TEST_F(ApiRulesTest, RuleFilters) {
  StartServer();
  Reply r = Get("/api/v1/rules?type=alert");
  ExpectSuccess(r);
  // "broken" has no alerting rule and is left out.
  ASSERT_EQ(r.json["data"]["groups"].size(), 1u);
  for (const auto& rule : r.json["data"]["groups"][0]["rules"]) {
    EXPECT_EQ(rule["type"], "alerting");
  }
  r = Get("/api/v1/rules?type=RECORD");
  ExpectSuccess(r);
  ASSERT_EQ(r.json["data"]["groups"].size(), 2u);
  EXPECT_EQ(r.json["data"]["groups"][0]["rules"].size(), 1u);
  r = Get("/api/v1/rules?rule_name[]=NeverFires&rule_name[]=dup");
  ExpectSuccess(r);
  ASSERT_EQ(r.json["data"]["groups"].size(), 2u);
  r = Get("/api/v1/rules?rule_group[]=broken");
  ASSERT_EQ(r.json["data"]["groups"].size(), 1u);
  EXPECT_EQ(r.json["data"]["groups"][0]["name"], "broken");
  r = Get("/api/v1/rules?type=alert&exclude_alerts=true");
  EXPECT_TRUE(r.json["data"]["groups"][0]["rules"][0]["alerts"].is_null());
  ExpectError(Get("/api/v1/rules?type=foo"), 400, "bad_data",
              "invalid parameter \"type\": not supported value \"foo\"");
  ExpectError(Get("/api/v1/rules?exclude_alerts=maybe"), 400, "bad_data",
              "invalid parameter \"exclude_alerts\": strconv.ParseBool: "
              "parsing \"maybe\": invalid syntax");
}

TEST_F(ApiRulesTest, AlertsListsActiveAlerts) {
  StartServer();
  Reply r = Get("/api/v1/alerts");
  ExpectSuccess(r);
  ASSERT_EQ(r.json["data"]["alerts"].size(), 1u) << r.body;
  EXPECT_EQ(r.json["data"]["alerts"][0]["labels"]["alertname"], "InstanceDown");
  EXPECT_EQ(r.json["data"]["alerts"][0]["state"], "firing");
}

TEST_F(ApiServerTest, NoRuleManagerMeansNoRules) {
  StartServer();
  Reply r = Get("/api/v1/rules");
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"], nlohmann::json::parse(R"({"groups":[]})"));
  r = Get("/api/v1/alerts");
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"], nlohmann::json::parse(R"({"alerts":[]})"));
}

}  // namespace
}  // namespace vigil::api::testing
