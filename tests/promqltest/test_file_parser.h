// Parses a promqltest file (Prometheus's PromQL test language) into
// commands, following upstream's parser in promql/promqltest/test.go line by
// line in behaviour: lines are trimmed, `#` lines count as empty, a block
// ends at the first empty line, and command, expect and range patterns are
// upstream's regular expressions.
//
// Deviation, on purpose: a malformed line inside an eval block fails only
// that eval (EvalCommand::error) instead of the whole file, so one bad line
// does not hide the rest of a file's results.
//
// Thread safety: pure functions.
#ifndef VIGIL_TESTS_PROMQLTEST_TEST_FILE_PARSER_H_
#define VIGIL_TESTS_PROMQLTEST_TEST_FILE_PARSER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/promqltest/test_file.h"
#include "vigil/promql/series_description.h"

namespace vigil::promqltest {

// Parses one `metric{labels} values…` line. The runner passes
// promql::ParseSeriesDescription; tests may pass a stand-in. Unimplemented
// means native histogram values, which the parser records as unsupported
// rather than as an error.
using SeriesParser =
    std::function<absl::StatusOr<promql::SeriesDescription>(std::string_view)>;

// Errors (InvalidArgument) name the 1-based line: "line 12: invalid command
// \"lod 5m\"".
absl::StatusOr<TestFile> ParseTestFile(std::string_view text,
                                       const SeriesParser& parse_series);

// The values of a `metric@st` line (upstream's parseSTSequence): per value
// position of the sample line that follows, the offset of the sample's start
// timestamp from its own time, in ms, or nullopt for none. Items:
//   _             one position without      _xN      N positions without
//   D             one offset                DxN      N+1 copies of D
//   D+ExN, D-ExN  N+1 offsets from D in steps of E
// where D and E are durations with an optional sign (`-1m`, `+1m`, `0`,
// `-59999ms`).
absl::StatusOr<std::vector<std::optional<int64_t>>> ParseStartTimestampOffsets(
    std::string_view text);

// convertnhcb.GetHistogramMetricBaseName and GetHistogramMetricBase: the
// native histogram series with custom buckets that `load_with_nhcb` derives
// from a classic histogram series (`x_bucket{le=..}`, `x_count`, `x_sum`
// become `x`); nullopt for other series and unparsable `le` values.
std::optional<Labels> NhcbSeriesFor(const Labels& classic);

// Reasons recorded in UnsupportedSeries / EvalCommand::unsupported_reason,
// named so that the runner can count cases per reason.
inline constexpr std::string_view kReasonHistogramSeries =
    "native histogram values in a load block";
inline constexpr std::string_view kReasonNhcbSeries =
    "native histograms with custom buckets (load_with_nhcb)";
inline constexpr std::string_view kReasonHistogramExpected =
    "native histogram in the expected result";

}  // namespace vigil::promqltest

#endif  // VIGIL_TESTS_PROMQLTEST_TEST_FILE_PARSER_H_
