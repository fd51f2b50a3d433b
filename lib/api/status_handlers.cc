// /api/v1/status/{buildinfo,config,flags,runtimeinfo}, which Grafana's data
// source probes to learn what it talks to.
#include <unistd.h>

#include <climits>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>

#include "lib/api/handlers.h"
#include "lib/api/json_encoding.h"

namespace vigil::api {

namespace {

RuntimeInfo ProcessRuntimeInfo(const ApiContext& ctx) {
  RuntimeInfo info;
  info.start_time_ms = ctx.start_time_ms;
  info.last_config_time_ms = ctx.start_time_ms;
  char buf[PATH_MAX];
  if (getcwd(buf, sizeof(buf)) != nullptr) info.cwd = buf;
  char host[256];
  if (gethostname(host, sizeof(host)) == 0) {
    host[sizeof(host) - 1] = '\0';
    info.hostname = host;
  }
  info.goroutine_count = ctx.options.num_threads;
  info.gomaxprocs = std::thread::hardware_concurrency();
  // Go's GOMEMLIMIT default: no limit.
  info.gomemlimit = std::numeric_limits<int64_t>::max();
  return info;
}

}  // namespace

ApiResult HandleBuildInfo(const ApiContext& ctx, const ApiRequest& /*req*/) {
  const BuildInfo& b = ctx.options.build_info;
  JsonWriter w;
  w.BeginObject();
  w.Key("version");
  w.String(b.version);
  w.Key("revision");
  w.String(b.revision);
  w.Key("branch");
  w.String(b.branch);
  w.Key("buildUser");
  w.String(b.build_user);
  w.Key("buildDate");
  w.String(b.build_date);
  w.Key("goVersion");
  w.String(b.go_version);
  w.EndObject();
  return ApiResult::Data(w.Take());
}

ApiResult HandleConfig(const ApiContext& ctx, const ApiRequest& /*req*/) {
  JsonWriter w;
  w.BeginObject();
  w.Key("yaml");
  w.String(ctx.deps.config_yaml ? ctx.deps.config_yaml() : std::string());
  w.EndObject();
  return ApiResult::Data(w.Take());
}

ApiResult HandleFlags(const ApiContext& ctx, const ApiRequest& /*req*/) {
  JsonWriter w;
  w.BeginObject();
  for (const auto& [name, value] : ctx.options.flags) {
    w.Key(name);
    w.String(value);
  }
  w.EndObject();
  return ApiResult::Data(w.Take());
}

ApiResult HandleRuntimeInfo(const ApiContext& ctx, const ApiRequest& /*req*/) {
  const RuntimeInfo info =
      ctx.deps.runtime_info ? ctx.deps.runtime_info() : ProcessRuntimeInfo(ctx);
  JsonWriter w;
  w.BeginObject();
  w.Key("startTime");
  w.Time(info.start_time_ms);
  w.Key("CWD");
  w.String(info.cwd);
  w.Key("hostname");
  w.String(info.hostname);
  w.Key("serverTime");
  w.Time(ctx.NowMs());
  w.Key("reloadConfigSuccess");
  w.Bool(info.reload_config_success);
  w.Key("lastConfigTime");
  w.Time(info.last_config_time_ms);
  w.Key("corruptionCount");
  w.Int(info.corruption_count);
  w.Key("goroutineCount");
  w.Int(info.goroutine_count);
  w.Key("GOMAXPROCS");
  w.Int(info.gomaxprocs);
  w.Key("GOMEMLIMIT");
  w.Int(info.gomemlimit);
  w.Key("GOGC");
  w.String(info.gogc);
  w.Key("GODEBUG");
  w.String(info.godebug);
  w.Key("storageRetention");
  w.String(info.storage_retention);
  w.EndObject();
  return ApiResult::Data(w.Take());
}

}  // namespace vigil::api
