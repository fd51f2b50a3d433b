// The parsed form of a promqltest file: Prometheus's PromQL test language
// (promql/promqltest/test.go), as a list of load, clear and eval commands.
//
// Everything here is plain data; test_file_parser.h builds it, expectations.h
// judges results against it and runner.h executes it.
#ifndef VIGIL_TESTS_PROMQLTEST_TEST_FILE_H_
#define VIGIL_TESTS_PROMQLTEST_TEST_FILE_H_

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "vigil/labels.h"
#include "vigil/promql/series_description.h"

namespace re2 {
class RE2;
}

namespace vigil::promqltest {

// A series the runner cannot reproduce in vigil's float-only storage:
// native histogram values, or the native histograms with custom buckets that
// `load_with_nhcb` derives. Evals whose selectors can read such a series are
// reported unsupported.
struct UnsupportedSeries {
  Labels labels;
  std::string reason;
};

struct LoadCommand {
  int line = 0;  // 1-based, of the `load` line
  int64_t step_ms = 0;
  bool with_nhcb = false;
  // Float series; a later line with the same labels replaced an earlier one,
  // as upstream keys the block's series by label hash.
  std::vector<promql::SeriesDescription> series;
  // Parallel to `series`: the start timestamps its `metric@st` line gave,
  // per value position the offset from the sample's own time in ms (nullopt
  // for `_`: no start timestamp). Empty for a series without an @st line.
  std::vector<std::vector<std::optional<int64_t>>> start_offsets;
  std::vector<UnsupportedSeries> unsupported;
};

struct ClearCommand {
  int line = 0;
};

// The `expect <kind>` body lines.
enum class ExpectKind { kOrdered, kFail, kWarn, kNoWarn, kInfo, kNoInfo };
inline constexpr size_t kNumExpectKinds = 6;

struct ExpectLine {
  ExpectKind kind = ExpectKind::kFail;
  // `msg: <text>` compares exactly; `regex: <re>` (and no qualifier, which
  // upstream turns into `^.*$`) matches anywhere in the text, as Go's
  // regexp.MatchString does.
  std::string message;
  std::shared_ptr<const re2::RE2> regex;

  bool Matches(std::string_view text) const;
  // "message" or "pattern", and the text itself, for failure messages.
  std::string_view TypeName() const;
  std::string Text() const;
};

struct ExpectedSeries {
  ExpectedSeries() = default;
  ExpectedSeries(Labels labels_in, std::vector<std::optional<double>> values_in,
                 int pos_in, std::vector<HistogramPtr> histograms_in = {})
      : labels(std::move(labels_in)),
        values(std::move(values_in)),
        pos(pos_in),
        histograms(std::move(histograms_in)) {}

  Labels labels;
  // One per step of the eval (a single one for instant evals); nullopt for
  // `_`, which expects no point at that step.
  std::vector<std::optional<double>> values;
  // 1-based position among the eval's result lines, for `ordered`.
  int pos = 0;
  // Expected native histograms, parallel to `values` (empty when none).
  std::vector<HistogramPtr> histograms;
};

// Instant evals have no end time. Upstream leaves it at Go's zero time, which
// precedes every step, so an instant eval expecting matrix points fails
// unless `expect range vector` set a range.
inline constexpr int64_t kNoEnd = std::numeric_limits<int64_t>::min();

struct EvalCommand {
  int line = 0;  // 1-based, of the `eval` line
  std::string expr;
  bool is_range = false;
  int64_t start_ms = 0;
  int64_t end_ms = kNoEnd;
  int64_t step_ms = 0;
  int64_t eval_ms = 0;  // the instant query's time

  // The deprecated eval_fail / eval_warn / eval_ordered / eval_info forms.
  bool fail = false;
  bool warn = false;
  bool ordered = false;
  bool info = false;
  // eval_fail's `expected_fail_message` / `expected_fail_regexp` lines.
  std::string expected_fail_message;
  std::shared_ptr<const re2::RE2> expected_fail_regexp;

  std::array<std::vector<ExpectLine>, kNumExpectKinds> expects;

  bool expect_scalar = false;
  double expected_scalar = 0;
  std::map<Labels, ExpectedSeries> expected;
  std::string expected_string;
  // `expect range vector` and `expect string` evals are not re-run as range
  // queries (their results are not instant vectors or scalars).
  bool exclude_from_range_query = false;

  // Set when the eval cannot be judged by vigil (a native histogram among
  // the expected values); the runner reports it unsupported.
  std::string unsupported_reason;
  // A malformed body line. Upstream rejects the whole file; the runner
  // fails just this eval so that the rest of the file still counts.
  std::string error;

  const std::vector<ExpectLine>& Expects(ExpectKind kind) const {
    return expects[static_cast<size_t>(kind)];
  }
  bool IsOrdered() const {
    return ordered || !Expects(ExpectKind::kOrdered).empty();
  }
  bool IsFail() const { return fail || !Expects(ExpectKind::kFail).empty(); }
};

using Command = std::variant<LoadCommand, ClearCommand, EvalCommand>;

struct TestFile {
  std::vector<Command> commands;
};

}  // namespace vigil::promqltest

#endif  // VIGIL_TESTS_PROMQLTEST_TEST_FILE_H_
