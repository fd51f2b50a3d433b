#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "vigil/rules.h"
#include "vigil/tsdb.h"

namespace vigil::rules {
namespace {

using ::testing::HasSubstr;

class RuleManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vigil-rules-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    options_.storage = &head_;
    options_.appendable = &head_;
    options_.engine = &engine_;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  std::filesystem::path dir_;
  tsdb::Head head_;
  promql::Engine engine_;
  GroupOptions options_;
};

TEST_F(RuleManagerTest, LoadsGlobsAndKeepsOldGroupsOnBadUpdate) {
  Write("a.yml",
        "groups:\n- name: a\n  rules:\n  - record: r\n    expr: '1'\n");
  Write("b.yaml",
        "groups:\n- name: b\n  rules:\n  - alert: X\n    expr: vector(1)\n");
  RuleManager m(options_);
  ASSERT_TRUE(
      m.Update({(dir_ / "*.yml").string(), (dir_ / "*.yaml").string()}).ok());
  ASSERT_EQ(m.groups().size(), 2u);
  EXPECT_EQ(m.groups()[0]->name(), "a");

  Write("c.yml",
        "groups:\n- name: c\n  rules:\n  - record: r\n    expr: 'sum('\n");
  absl::Status bad = m.Update({(dir_ / "*.yml").string()});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.message(), HasSubstr("c.yml:5:11: group \"c\", rule 1"));
  EXPECT_EQ(m.groups().size(), 2u) << "a failed reload changes nothing";
}

TEST_F(RuleManagerTest, ReloadCarriesAlertStateOver) {
  std::string file = Write(
      "r.yml",
      "groups:\n- name: g\n  rules:\n  - alert: Always\n    expr: vector(1)\n"
      "    for: 1h\n");
  RuleManager m(options_);
  ASSERT_TRUE(m.Update({file}).ok());
  m.groups()[0]->SetRestored();
  m.groups()[0]->Eval(1000);
  ASSERT_EQ(m.groups()[0]->rules()[0]->alerts().size(), 1u);
  ASSERT_TRUE(m.Update({file}).ok());
  auto alerts = m.groups()[0]->rules()[0]->alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].active_at_ms, 1000) << "the pending clock survived";
}

TEST_F(RuleManagerTest, StartEvaluatesOnTheGroupInterval) {
  std::string file =
      Write("r.yml",
            "groups:\n- name: g\n  interval: 1s\n  rules:\n  - record: one\n"
            "    expr: vector(1)\n");
  RuleManager m(options_);
  ASSERT_TRUE(m.Update({file}).ok());
  m.Start();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (m.groups()[0]->last_eval_ms() == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  m.Stop();
  const int64_t t = m.groups()[0]->last_eval_ms();
  ASSERT_GT(t, 0) << "no evaluation within 10s";
  EXPECT_EQ(t, m.groups()[0]->AlignedEvalTime(t)) << "evaluated on its grid";
  EXPECT_EQ(m.groups()[0]->rules()[0]->health(), RuleHealth::kGood);
}

}  // namespace
}  // namespace vigil::rules
