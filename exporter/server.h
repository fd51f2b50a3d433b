// `vigil run`: the exporter process. Wires the layers together — config,
// TSDB, scrape manager, rule manager, notifier, HTTP API and /metrics — and
// handles reload (SIGHUP, /-/reload) and graceful shutdown (SIGTERM,
// SIGINT, /-/quit). Logic lives in the libraries; this file only connects
// them.
#ifndef VIGIL_EXPORTER_SERVER_H_
#define VIGIL_EXPORTER_SERVER_H_

#include "exporter/flags.h"

namespace vigil::exporter {

// Runs until a shutdown signal; returns the process exit code (1 when the
// initial configuration is invalid or the listen address cannot be bound).
int RunServer(const Flags& flags);

}  // namespace vigil::exporter

#endif  // VIGIL_EXPORTER_SERVER_H_
