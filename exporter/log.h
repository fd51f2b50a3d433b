// Structured logging for the exporter: one line per event on stderr, in
// logfmt (`ts=… level=info msg="…" key=value`) or JSON, filtered by level,
// as Prometheus's --log.level / --log.format do.
#ifndef VIGIL_EXPORTER_LOG_H_
#define VIGIL_EXPORTER_LOG_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace vigil::exporter {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// Configures the process-wide logger; unknown names keep the defaults.
void ConfigureLogging(std::string_view level, std::string_view format);

void Log(LogLevel level, std::string_view msg,
         std::initializer_list<std::pair<std::string_view, std::string>>
             fields = {});

}  // namespace vigil::exporter

#endif  // VIGIL_EXPORTER_LOG_H_
