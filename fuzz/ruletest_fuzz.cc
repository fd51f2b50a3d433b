// libFuzzer target for promtool-format rule unit-test files (`vigil test
// rules`), as colleagues write them: the strict decoder of the file and
// what the runner parses before it evaluates anything — each input
// series' description and each promql_expr_test's expression. Any input
// must decode or fail cleanly (no crash, no sanitizer report, no runaway
// time or memory from YAML nesting or aliases), and an error starts with
// the filename. Running the tests is left out: a test file may
// ask for any number of evaluation steps, as promtool's does.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_die.h"
#include "lib/ruletest/test_file.h"
#include "vigil/promql/parser.h"
#include "vigil/promql/series_description.h"

namespace {

using vigil::fuzz::Die;

constexpr std::string_view kFilename = "fuzz.test.yml";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Its own allocation, so ASan sees any read past the content.
  const std::string content(reinterpret_cast<const char*>(data), size);
  auto file = vigil::ruletest::DecodeTestFile(content, kFilename);
  if (!file.ok()) {
    // Errors are joined one per line, but a quoted value may hold a
    // newline in Go's messages too: only the first line is known to start
    // with a position.
    const std::string message(file.status().message());
    if (message.rfind(kFilename, 0) != 0) {
      Die("error without the filename", message);
    }
    return 0;
  }
  for (const vigil::ruletest::TestGroup& group : file->tests) {
    for (const vigil::ruletest::InputSeries& in : group.input_series) {
      (void)vigil::promql::ParseSeriesDescription(in.series + " " + in.values);
    }
    for (const vigil::ruletest::PromqlTestCase& t : group.promql_expr_test) {
      (void)vigil::promql::ParseExpr(t.expr);
    }
  }
  return 0;
}
