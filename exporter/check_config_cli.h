// `vigil check config`: promtool's `check config` for vigil's configuration
// file (exporter/config.h) and the rule files it names. argv is main's, so
// argv[1] and argv[2] are the command words.
#ifndef VIGIL_EXPORTER_CHECK_CONFIG_CLI_H_
#define VIGIL_EXPORTER_CHECK_CONFIG_CLI_H_

namespace vigil::cli {

// Prints as promtool does: "Checking FILE", "  SUCCESS: N rule files
// found", " SUCCESS: FILE is valid prometheus config file syntax" on
// stdout, "  FAILED: <file:line:col: error>" on stderr, then each rule
// file as `check rules` prints it. Exit codes as promtool's: 0 valid, 1 a
// config or rule file is invalid, 3 lint findings with --lint-fatal; 2 for
// bad flags.
int RunCheckConfig(int argc, char** argv);

}  // namespace vigil::cli

#endif  // VIGIL_EXPORTER_CHECK_CONFIG_CLI_H_
