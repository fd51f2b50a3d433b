// promtool's console layout for `test rules`: "Unit Testing:  FILE" and the
// verdict on stdout, failures on stderr each followed by a blank line on
// stdout (RulesUnitTest prints them that way), then vigil's diff.
#include <ostream>

#include "lib/ruletest/diff.h"
#include "vigil/ruletest.h"

namespace vigil::ruletest {

void PrintFileResult(const FileResult& result, std::ostream& out,
                     std::ostream& err, bool color) {
  out << "Unit Testing:  " << result.file << "\n";
  out.flush();
  for (const std::string& w : result.warnings) err << w << "\n";
  std::vector<const Failure*> failures;
  for (const Failure& f : result.file_errors) failures.push_back(&f);
  for (const TestGroupResult& g : result.groups) {
    for (const Failure& f : g.failures) failures.push_back(&f);
  }
  if (failures.empty()) {
    out << "  SUCCESS\n\n";
    out.flush();
    return;
  }
  err << "  FAILED:\n";
  for (const Failure* f : failures) {
    err << f->promtool_text << "\n";
    if (!f->diff.empty()) err << (color ? ColorizeDiff(f->diff) : f->diff);
    err.flush();
    out << "\n";
    out.flush();
  }
  out << "\n";
  out.flush();
}

}  // namespace vigil::ruletest
