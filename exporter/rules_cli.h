// `vigil test rules` and `vigil check rules`: flag parsing and exit codes
// over vigil/ruletest.h. argv is main's, so argv[1] and argv[2] are the
// command words.
#ifndef VIGIL_EXPORTER_RULES_CLI_H_
#define VIGIL_EXPORTER_RULES_CLI_H_

namespace vigil::cli {

// Exit codes: 0 every test passed, 1 a test failed (or coverage is below
// --coverage-min), 2 bad input (unreadable or invalid test or rule file,
// bad flags).
int RunTestRules(int argc, char** argv);

// Exit codes as promtool's: 0 valid (lint findings printed), 1 a file is
// invalid, 3 lint findings with --lint-fatal; 2 for bad flags.
int RunCheckRules(int argc, char** argv);

}  // namespace vigil::cli

#endif  // VIGIL_EXPORTER_RULES_CLI_H_
