// Logs alerts as they change state — pending, firing, resolved — for
// whoever watches vigil's log (the demo's user above all). Prometheus logs
// none of this; vigil logs it at info in the demo and at debug otherwise,
// so a large cluster's flapping alerts do not flood the log by default.
#ifndef VIGIL_EXPORTER_ALERT_LOG_H_
#define VIGIL_EXPORTER_ALERT_LOG_H_

#include <map>
#include <string>

#include "exporter/log.h"
#include "vigil/rules.h"

namespace vigil::exporter {

class AlertTransitionLog {
 public:
  explicit AlertTransitionLog(LogLevel level) : level_(level) {}
  // Logs what changed since the last call. Not thread-safe.
  void Observe(const rules::RuleManager& rules, int64_t now_ms);

 private:
  struct Logged {
    rules::AlertState state = rules::AlertState::kInactive;
    std::string labels;  // alertname included
  };
  LogLevel level_;
  // Active alerts by file, group and labels, as last logged.
  std::map<std::string, Logged> last_;
};

}  // namespace vigil::exporter

#endif  // VIGIL_EXPORTER_ALERT_LOG_H_
