// `vigil query`: evaluates one PromQL expression, instant or range, against
// recorded data files (--data, loaded with vigil/backfill.h into an
// in-process Head and answered by the same API code that `vigil run`
// serves) or against a running vigil or Prometheus (--server, over its
// HTTP API). Prints the API's JSON response, or a table.
//
// Without --time/--start/--end the query runs at the newest sample of the
// --data files (a recording is usually older than now), or at the server's
// "now" with --server.
#ifndef VIGIL_EXPORTER_QUERY_CLI_H_
#define VIGIL_EXPORTER_QUERY_CLI_H_

namespace vigil::cli {

// argv is main's: argv[1] is "query". Exit codes: 0 success, 1 the query
// failed while running (execution error, timeout, server-side failure), 2
// bad input (flags, expression, data file, unreachable server).
int RunQuery(int argc, char** argv);

}  // namespace vigil::cli

#endif  // VIGIL_EXPORTER_QUERY_CLI_H_
