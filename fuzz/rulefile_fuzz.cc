// libFuzzer target for the rule-file loader: Prometheus rule files and
// PrometheusRule resources (the loader tells them apart by `kind`, so one
// entry point covers both), as a colleague or a cluster's CRD would hand
// them over. Any input must load or fail cleanly — no crash, no sanitizer
// report, no runaway time or memory from YAML nesting or aliases. A
// failure's message starts with the filename, as every error's position
// does; a success holds only groups the loader validated: a non-empty,
// unique name, and rules with exactly one of record and alert and an
// expression that parses again with the same options.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "fuzz/fuzz_die.h"
#include "vigil/promql/parser.h"
#include "vigil/rule_file.h"

namespace {

using vigil::fuzz::Die;

constexpr std::string_view kFilename = "fuzz.rules.yml";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Its own allocation, so ASan sees any read past the content.
  const std::string content(reinterpret_cast<const char*>(data), size);
  vigil::RuleFileOptions options;
  // Experimental functions reach more of the parser from the seeds.
  options.parse_options = vigil::promql::ParseOptions::AllExperimental();
  auto groups = vigil::ParseRuleFile(content, kFilename, options);
  if (!groups.ok()) {
    const std::string message(groups.status().message());
    if (message.rfind(kFilename, 0) != 0) {
      Die("error without the filename", message);
    }
    return 0;
  }
  std::set<std::string> names;
  for (const vigil::RuleGroupSpec& group : *groups) {
    if (group.name.empty()) Die("group without a name", group.file);
    if (!names.insert(group.name).second) Die("repeated group", group.name);
    if (group.file != kFilename) Die("group from another file", group.file);
    for (const vigil::RuleSpec& rule : group.rules) {
      if (rule.record.empty() == rule.alert.empty()) {
        Die("rule with both or neither of record and alert",
            rule.record + "|" + rule.alert);
      }
      auto parsed = vigil::promql::ParseExpr(rule.expr, options.parse_options);
      if (!parsed.ok()) {
        Die("accepted expression does not parse", rule.expr);
      }
    }
  }
  return 0;
}
