// `vigil replay`: rule files and recorded data to a replay (vigil/replay.h)
// and its report (vigil/replay_report.h). This file parses flags, loads the
// inputs in the order that reports bad input first, and prints.
#ifndef VIGIL_EXPORTER_REPLAY_CLI_H_
#define VIGIL_EXPORTER_REPLAY_CLI_H_

namespace vigil::cli {

// argv is main's: argv[1] is "replay". Exit codes: 0 replayed, 1 replayed
// but some rule evaluations failed (listed in the report), 2 bad input
// (flags, rule files, data files, a range without data) or a failed
// replay.
int RunReplay(int argc, char** argv);

}  // namespace vigil::cli

#endif  // VIGIL_EXPORTER_REPLAY_CLI_H_
