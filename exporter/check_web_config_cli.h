// `vigil check web-config`: promtool's `check web-config` for the
// --web.config.file format (exporter-toolkit's).
#ifndef VIGIL_EXPORTER_CHECK_WEB_CONFIG_CLI_H_
#define VIGIL_EXPORTER_CHECK_WEB_CONFIG_CLI_H_

namespace vigil::cli {

// Prints as promtool does, on stderr: "FILE SUCCESS" or "FILE FAILED:
// <error>" per file. Exit 0 when all are valid, 1 when one is not, 2 for
// bad flags. argv is main's, so argv[1] and argv[2] are the command words.
int RunCheckWebConfig(int argc, char** argv);

}  // namespace vigil::cli

#endif  // VIGIL_EXPORTER_CHECK_WEB_CONFIG_CLI_H_
