#include "exporter/log.h"

#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace vigil::exporter {
namespace {

std::mutex g_mu;
LogLevel g_level = LogLevel::kInfo;
bool g_json = false;

std::string_view LevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

// logfmt quotes values holding spaces, quotes or '=' (go-kit's rules).
std::string LogfmtValue(std::string_view v) {
  bool quote =
      v.empty() || v.find_first_of(" \"=\n\t") != std::string_view::npos;
  if (!quote) return std::string(v);
  return nlohmann::json(std::string(v))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void ConfigureLogging(std::string_view level, std::string_view format) {
  std::lock_guard lock(g_mu);
  for (LogLevel l :
       {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (LevelName(l) == level) g_level = l;
  }
  g_json = format == "json";
}

void Log(
    LogLevel level, std::string_view msg,
    std::initializer_list<std::pair<std::string_view, std::string>> fields) {
  std::lock_guard lock(g_mu);
  if (level < g_level) return;
  const std::string ts = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                          absl::UTCTimeZone());
  std::string line;
  if (g_json) {
    nlohmann::json j;
    j["time"] = ts;
    j["level"] = std::string(LevelName(level));
    j["msg"] = std::string(msg);
    for (const auto& [k, v] : fields) j[std::string(k)] = v;
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = "time=" + ts + " level=" + std::string(LevelName(level)) +
           " msg=" + LogfmtValue(msg);
    for (const auto& [k, v] : fields) {
      line += " " + std::string(k) + "=" + LogfmtValue(v);
    }
  }
  line.push_back('\n');
  std::fputs(line.c_str(), stderr);
}

}  // namespace vigil::exporter
