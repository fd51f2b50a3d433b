// Paths and rendering shared by the ruletest tests.
#ifndef VIGIL_TESTS_RULETEST_SUPPORT_H_
#define VIGIL_TESTS_RULETEST_SUPPORT_H_

#include <cstdlib>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "vigil/ruletest.h"

namespace vigil::ruletest::support {

// promtool's test data, read-only, shared by the project.
// (absl::StrCat rather than operator+: GCC 12 warns falsely on the latter.)
inline std::string PromtoolDir() {
  const char* env = std::getenv("VIGIL_SHARED_DIR");
  return env != nullptr
             ? absl::StrCat(env, "/testdata/promtool")
             : absl::StrCat(VIGIL_SOURCE_DIR, "/../shared/testdata/promtool");
}

inline std::string FixtureDir() {
  return absl::StrCat(VIGIL_SOURCE_DIR, "/tests/ruletest");
}

inline std::string SourceDir() { return VIGIL_SOURCE_DIR; }

struct Rendered {
  std::string out, err;
};

inline Rendered Render(const FileResult& r) {
  std::ostringstream out, err;
  PrintFileResult(r, out, err, /*color=*/false);
  return {out.str(), err.str()};
}

inline std::string Texts(const FileResult& r) {
  std::string s;
  for (const Failure& f : r.file_errors) s += f.promtool_text + "\n";
  for (const TestGroupResult& g : r.groups) {
    for (const Failure& f : g.failures) s += f.promtool_text + "\n";
  }
  return s;
}

}  // namespace vigil::ruletest::support

#endif  // VIGIL_TESTS_RULETEST_SUPPORT_H_
