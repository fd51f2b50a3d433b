// The unit-test file of `promtool test rules`, decoded strictly as promtool
// decodes it (yaml.UnmarshalStrict): unknown fields and values of the wrong
// kind are errors, each with "file:line:col: ". Internal to vigil_ruletest.
#ifndef VIGIL_LIB_RULETEST_TEST_FILE_H_
#define VIGIL_LIB_RULETEST_TEST_FILE_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "vigil/labels.h"
#include "vigil/rule_file.h"

namespace vigil::ruletest {

// promtool's default evaluation_interval.
inline constexpr int64_t kDefaultEvaluationIntervalMs = 60 * 1000;

struct InputSeries {
  std::string series;
  std::string values;
  SourcePosition position;
};

struct ExpectedAlert {
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

struct AlertTestCase {
  int64_t eval_time_ms = 0;
  std::string alertname;
  std::vector<ExpectedAlert> exp_alerts;
  SourcePosition position;
};

struct ExpectedSample {
  std::string labels;
  double value = 0;
  std::string histogram;  // `{{…}}` notation; when set, it is compared
};

struct PromqlTestCase {
  std::string expr;
  int64_t eval_time_ms = 0;
  std::vector<ExpectedSample> exp_samples;
  SourcePosition position;
};

struct TestGroup {
  int64_t interval_ms = 0;  // 0: the file's evaluation_interval
  std::vector<InputSeries> input_series;
  std::vector<AlertTestCase> alert_rule_test;
  std::vector<PromqlTestCase> promql_expr_test;
  Labels external_labels;
  std::string external_url;
  std::string name;
  int64_t start_ms = 0;  // start_timestamp; 0 is the Unix epoch
  SourcePosition position;
};

struct UnitTestFile {
  std::vector<std::string> rule_files;
  int64_t evaluation_interval_ms = 0;  // 0: kDefaultEvaluationIntervalMs
  std::vector<std::string> group_eval_order;
  bool fuzzy_compare = false;
  std::vector<TestGroup> tests;
};

// On failure: InvalidArgument listing every error, one per line.
absl::StatusOr<UnitTestFile> DecodeTestFile(std::string_view content,
                                            std::string_view filename);

}  // namespace vigil::ruletest

#endif  // VIGIL_LIB_RULETEST_TEST_FILE_H_
