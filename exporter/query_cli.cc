// `vigil query`: flags to an API request, the request to an in-process
// ApiServer (--data: files or storage directories) or a remote one
// (--server), the response to stdout.
// Evaluation, loading and encoding live in the libraries; this file only
// parses flags, picks defaults and prints.
#include "exporter/query_cli.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "lib/model/absl_compat.h"
#include "lib/model/strings.h"
#include "lib/model/url_escape.h"
#include "lib/model/wall_clock.h"
#include "vigil/api.h"
#include "vigil/backfill.h"
#include "vigil/http_client.h"
#include "vigil/promql/engine.h"
#include "vigil/tsdb.h"

namespace vigil::cli {
namespace {

using nlohmann::json;

constexpr int kExitOk = 0;
constexpr int kExitQueryFailed = 1;
constexpr int kExitBadInput = 2;

// promtool query range's defaults: the last five minutes, ~250 steps.
constexpr int64_t kDefaultRangeMs = 5 * 60 * 1000;
constexpr int64_t kDefaultStepsPerRange = 250;
// Longer than the engine's default query timeout (2m), so that a slow
// query reports the server's timeout rather than the client's.
constexpr std::chrono::milliseconds kServerTimeout{130 * 1000};
// A query result is JSON for every sample; bound what a server may send.
constexpr int64_t kMaxResponseBytes = int64_t{1} << 30;

constexpr std::string_view kUsage =
    R"(usage: vigil query [<flags>] EXPR

Evaluates a PromQL expression against recorded data files or a running
vigil or Prometheus, and prints the API's JSON response (or a table).

Flags:
  --data PATH            OpenMetrics file of timestamped samples (the input
                         of `promtool tsdb create-blocks-from openmetrics`,
                         timestamps in seconds, ending in "# EOF"), or a
                         directory `vigil run --storage.tsdb.path` wrote
                         (read only: a running vigil's too); repeatable.
  --server URL           Query this server's HTTP API instead
                         (e.g. http://localhost:9090).
  --time T               Instant query time: RFC3339 or unix seconds.
                         Default: the newest sample of the --data, or
                         the server's current time.
  --start S, --end E, --step D
                         A range query. E defaults as --time does (with
                         --server: now), S to E - 5m, D to (E - S) / 250
                         rounded down to whole seconds (at least 1s).
  --lookback-delta D     The query's lookback delta (default 5m).
  --format json|table    Output: the API's JSON (default) or a table.

D is a Prometheus duration (5m, 1h30m) or seconds.
Exit status: 0 success, 1 the query failed while running, 2 bad input
(flags, expression, data file, unreachable server).
)";

struct QueryArgs {
  std::vector<std::string> data;
  std::string server;
  std::optional<std::string> time, start, end, step, lookback;
  std::string format = "json";
  std::string expr;
};

int BadInput(std::string_view message) {
  std::cerr << "vigil query: " << message << "\n";
  return kExitBadInput;
}

// "--name value" and "--name=value".
absl::StatusOr<QueryArgs> ParseArgs(int argc, char** argv) {
  QueryArgs args;
  bool have_expr = false;
  for (int i = 2; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--" && i + 1 < argc) {
      if (have_expr || i + 2 != argc) {
        return absl::InvalidArgumentError("expected exactly one EXPR");
      }
      args.expr = argv[++i];
      have_expr = true;
      continue;
    }
    if (!arg.starts_with("--")) {
      if (have_expr) {
        return absl::InvalidArgumentError(absl::StrCat(
            "expected exactly one EXPR, got another: ", ToAbsl(arg)));
      }
      args.expr = std::string(arg);
      have_expr = true;
      continue;
    }
    std::string name(arg.substr(2));
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    std::optional<std::string>* target = nullptr;
    if (name == "time") {
      target = &args.time;
    } else if (name == "start") {
      target = &args.start;
    } else if (name == "end") {
      target = &args.end;
    } else if (name == "step") {
      target = &args.step;
    } else if (name == "lookback-delta") {
      target = &args.lookback;
    } else if (name != "data" && name != "server" && name != "format") {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    if (!value) {
      if (i + 1 >= argc) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " needs a value"));
      }
      value = argv[++i];
    }
    if (target != nullptr) {
      *target = *value;
    } else if (name == "data") {
      args.data.push_back(*value);
    } else if (name == "server") {
      args.server = *value;
    } else {
      args.format = *value;
    }
  }
  if (!have_expr) return absl::InvalidArgumentError("missing EXPR");
  if (args.data.empty() == args.server.empty()) {
    return absl::InvalidArgumentError(
        "give either --data PATH (repeatable) or --server URL");
  }
  if (args.time && (args.start || args.end || args.step)) {
    return absl::InvalidArgumentError(
        "--time is for an instant query; --start, --end and --step for a "
        "range query");
  }
  if (args.format != "json" && args.format != "table") {
    return absl::InvalidArgumentError(
        absl::StrCat("--format is json or table, got \"", args.format, "\""));
  }
  return args;
}

// Unix seconds with millisecond precision, as the API's time parameters.
std::string SecondsParam(int64_t ms) {
  const char* sign = ms < 0 ? "-" : "";
  const int64_t abs_ms = ms < 0 ? -ms : ms;
  return absl::StrFormat("%s%d.%03d", sign, abs_ms / 1000, abs_ms % 1000);
}

// The API request's form for `args`; `default_time_ms` is used when no
// time was given (nullopt: let the server pick its now for an instant
// query, use this process's now for a range).
absl::StatusOr<std::string> BuildForm(const QueryArgs& args,
                                      std::optional<int64_t> default_time_ms,
                                      bool* range) {
  std::string form = absl::StrCat("query=", QueryEscape(args.expr));
  auto add = [&form](std::string_view key, std::string_view value) {
    absl::StrAppend(&form, "&", ToAbsl(key), "=", QueryEscape(value));
  };
  auto time_flag = [](std::string_view flag,
                      const std::string& v) -> absl::StatusOr<int64_t> {
    absl::StatusOr<int64_t> ms = api::ParseTimeMs(v);
    if (!ms.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid --", ToAbsl(flag), ": ", ms.status().message()));
    }
    return ms;
  };
  auto duration_flag = [](std::string_view flag,
                          const std::string& v) -> absl::StatusOr<int64_t> {
    absl::StatusOr<int64_t> ns = api::ParseDurationNs(v);
    if (!ns.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid --", ToAbsl(flag), ": ", ns.status().message()));
    }
    return ns;
  };

  *range = args.start || args.end || args.step;
  if (!*range) {
    if (args.time) {
      absl::StatusOr<int64_t> t = time_flag("time", *args.time);
      if (!t.ok()) return t.status();
      add("time", *args.time);
    } else if (default_time_ms) {
      add("time", SecondsParam(*default_time_ms));
    }
  } else {
    int64_t end = default_time_ms.value_or(WallClockMs());
    if (args.end) {
      absl::StatusOr<int64_t> e = time_flag("end", *args.end);
      if (!e.ok()) return e.status();
      end = *e;
    }
    int64_t start = end - kDefaultRangeMs;
    if (args.start) {
      absl::StatusOr<int64_t> s = time_flag("start", *args.start);
      if (!s.ok()) return s.status();
      start = *s;
    }
    std::string step;
    if (args.step) {
      absl::StatusOr<int64_t> d = duration_flag("step", *args.step);
      if (!d.ok()) return d.status();
      step = *args.step;
    } else {
      const int64_t seconds =
          std::max<int64_t>(1, (end - start) / 1000 / kDefaultStepsPerRange);
      step = std::to_string(seconds);
    }
    add("start", args.start ? *args.start : SecondsParam(start));
    add("end", args.end ? *args.end : SecondsParam(end));
    add("step", step);
  }
  if (args.lookback) {
    absl::StatusOr<int64_t> d = duration_flag("lookback-delta", *args.lookback);
    if (!d.ok()) return d.status();
    add("lookback_delta", *args.lookback);
  }
  return form;
}

struct Reply {
  int status = 0;
  std::string body;
};

// Adds a storage directory's series to `head`, read only (nothing
// created, locked or repaired, so a running vigil's directory is fine);
// damage passed over goes to stderr, as the Head found it.
absl::Status LoadDirectory(const std::string& dir, tsdb::Head& head,
                           std::optional<int64_t>& newest) {
  tsdb::StorageReadOptions options;
  options.dir = dir;
  options.log = [&dir](std::string_view line) {
    std::cerr << "vigil query: " << dir << ": " << line << "\n";
  };
  absl::StatusOr<tsdb::StorageReadStats> stats = head.LoadStorage(options);
  if (!stats.ok()) return stats.status();
  if (stats->min_time_ms <= stats->max_time_ms) {
    newest = std::max(newest.value_or(stats->max_time_ms), stats->max_time_ms);
  }
  return absl::OkStatus();
}

// The same ApiServer code `vigil run` serves, in-process over a Head
// filled from the files and directories.
absl::StatusOr<Reply> QueryData(const QueryArgs& args, bool* range) {
  tsdb::Head head;
  std::optional<int64_t> newest;
  for (const std::string& path : args.data) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      if (absl::Status s = LoadDirectory(path, head, newest); !s.ok()) return s;
      continue;
    }
    absl::StatusOr<backfill::LoadStats> stats =
        backfill::LoadOpenMetricsFile(path, head);
    if (!stats.ok()) return stats.status();
    if (stats->samples > 0) {
      newest =
          std::max(newest.value_or(stats->max_time_ms), stats->max_time_ms);
    }
  }
  const int64_t default_time = newest.value_or(WallClockMs());
  absl::StatusOr<std::string> form = BuildForm(args, default_time, range);
  if (!form.ok()) return form.status();

  const promql::Engine engine;
  api::ApiDependencies deps;
  deps.engine = &engine;
  deps.storage = &head;
  deps.now_ms = [default_time] { return default_time; };
  const api::ApiServer server(api::ApiServerOptions{}, std::move(deps));
  api::HttpRequest request;
  request.method = "GET";
  request.path = *range ? "/api/v1/query_range" : "/api/v1/query";
  request.query_string = *form;
  api::HttpResponse response = server.Handle(request);
  return Reply{response.status, std::move(response.body)};
}

absl::StatusOr<Reply> QueryServer(const QueryArgs& args, bool* range) {
  absl::StatusOr<std::string> form = BuildForm(args, std::nullopt, range);
  if (!form.ok()) return form.status();
  std::string base = args.server;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.find("://") == std::string::npos) base = "http://" + base;
  http::Request request;
  request.url = absl::StrCat(
      base, *range ? "/api/v1/query_range?" : "/api/v1/query?", *form);
  request.timeout = kServerTimeout;
  request.max_body_bytes = kMaxResponseBytes;
  request.headers.emplace_back("Accept", "application/json");
  absl::StatusOr<http::Response> response = http::Perform(request);
  if (!response.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot query ", base, ": ", response.status().message()));
  }
  return Reply{response->status, std::move(response->body)};
}

// --- table output ----------------------------------------------------------

std::string FormatTime(const json& t) {
  if (!t.is_number()) return "?";
  const auto ms = static_cast<int64_t>(std::llround(t.get<double>() * 1000));
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", absl::FromUnixMillis(ms),
                          absl::UTCTimeZone());
}

std::string FormatMetric(const json& metric) {
  std::vector<Label> labels;
  if (metric.is_object()) {
    for (const auto& [name, value] : metric.items()) {
      if (value.is_string()) labels.push_back({name, value.get<std::string>()});
    }
  }
  std::string text = Labels::FromVector(std::move(labels)).ToString();
  // A bare metric name reads better without its empty braces.
  if (text.size() > 2 && text.ends_with("{}")) text.resize(text.size() - 2);
  return text.empty() ? "{}" : text;
}

std::string PointValue(const json& point) {
  if (!point.is_array() || point.size() != 2 || !point[1].is_string()) {
    return "?";
  }
  return point[1].get<std::string>();
}

void PrintTable(const json& data, std::ostream& out) {
  std::vector<std::vector<std::string>> rows;
  const std::string type = data.value("resultType", "");
  const json& result = data.contains("result") ? data["result"] : json();
  if (type == "vector" || type == "matrix") {
    rows.push_back({"SERIES", "TIMESTAMP", "VALUE"});
    for (const json& series : result) {
      const std::string name = FormatMetric(series.value("metric", json()));
      if (type == "vector") {
        const json& p = series.value("value", json());
        rows.push_back(
            {name, FormatTime(p.is_array() ? p[0] : json()), PointValue(p)});
        continue;
      }
      for (const json& p : series.value("values", json::array())) {
        rows.push_back(
            {name, FormatTime(p.is_array() ? p[0] : json()), PointValue(p)});
      }
    }
  } else {  // scalar or string: one [t, v] pair
    rows.push_back({"TIMESTAMP", type == "string" ? "STRING" : "VALUE"});
    if (result.is_array() && result.size() == 2) {
      rows.push_back({FormatTime(result[0]), PointValue(result)});
    }
  }
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
}

// Prints a reply; returns the exit code.
int Output(const Reply& reply, const QueryArgs& args) {
  const json body =
      json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object() || !body.contains("status")) {
    std::string excerpt = reply.body.substr(0, 200);
    while (!excerpt.empty() && excerpt.back() == '\n') excerpt.pop_back();
    std::cerr << "vigil query: unexpected response (HTTP " << reply.status
              << "): " << excerpt << "\n";
    return kExitBadInput;
  }
  if (body.value("status", "") != "success") {
    const std::string type = body.value("errorType", "");
    std::cerr << "vigil query: " << (type.empty() ? "error" : type) << ": "
              << body.value("error", "") << "\n";
    return type == "bad_data" ? kExitBadInput : kExitQueryFailed;
  }
  if (args.format == "json") {
    std::cout << reply.body;
    if (reply.body.empty() || reply.body.back() != '\n') std::cout << "\n";
    return kExitOk;
  }
  for (const char* kind : {"warnings", "infos"}) {
    for (const json& a : body.value(kind, json::array())) {
      if (a.is_string()) {
        std::cerr << (kind[0] == 'w' ? "warning: " : "info: ")
                  << a.get<std::string>() << "\n";
      }
    }
  }
  PrintTable(body.value("data", json::object()), std::cout);
  return kExitOk;
}

}  // namespace

int RunQuery(int argc, char** argv) {
  for (int i = 2; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return kExitOk;
    }
  }
  absl::StatusOr<QueryArgs> args = ParseArgs(argc, argv);
  if (!args.ok()) {
    BadInput(FromAbsl(args.status().message()));
    std::cerr << "usage: vigil query [<flags>] EXPR (see vigil query --help)\n";
    return kExitBadInput;
  }
  bool range = false;
  absl::StatusOr<Reply> reply = args->data.empty() ? QueryServer(*args, &range)
                                                   : QueryData(*args, &range);
  if (!reply.ok()) return BadInput(FromAbsl(reply.status().message()));
  return Output(*reply, *args);
}

}  // namespace vigil::cli
