// `vigil run --demo`: vigil's main job end to end on embedded data —
// exposition parsed into the TSDB every 30 s of simulated time, the rule
// pack evaluated on its interval, alerts moving from pending to firing, and
// the Alertmanager API v2 payload they would be sent as.
#ifndef VIGIL_EXPORTER_DEMO_H_
#define VIGIL_EXPORTER_DEMO_H_

#include <ostream>

namespace vigil::demo {

// Returns the process exit code.
int RunDemo(std::ostream& out);

}  // namespace vigil::demo

#endif  // VIGIL_EXPORTER_DEMO_H_
