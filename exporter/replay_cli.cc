// Flags for `vigil replay`. The replay and its reports live in
// vigil_replay; this file maps flags to options and results to output and
// exit codes.
#include "exporter/replay_cli.h"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "exporter/config.h"
#include "lib/model/absl_compat.h"
#include "lib/model/duration.h"
#include "vigil/api.h"
#include "vigil/datasource.h"
#include "vigil/remote_write.h"
#include "vigil/replay.h"
#include "vigil/replay_report.h"
#include "vigil/rules.h"
#include "vigil/tsdb.h"

namespace vigil::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitRuleErrors = 1;
constexpr int kExitBadInput = 2;

// The progress line is redrawn at most this often.
constexpr std::chrono::milliseconds kProgressEvery{200};

constexpr std::string_view kUsage =
    R"(usage: vigil replay --rules FILE... --data FILE|DIR... [<flags>]
       vigil replay --rules FILE... --datasource.url URL --start T --end T
                    [<flags>]

Evaluates rule groups over recorded data as the live evaluator would have
(`for`, keep_firing_for, limit, query_offset, ALERTS feeding later
evaluations) and reports when each alert went pending, fired and resolved.

Flags:
  --rules FILE           Rule file or PrometheusRule resource (globs allowed);
                         repeatable.
  --data FILE|DIR        OpenMetrics file of timestamped samples (promtool's
                         backfill format, as --storage.load), or a `vigil
                         run` storage directory (--storage.tsdb.path: read,
                         never changed); repeatable.
  --datasource.url URL   Fetch the rules' series from this Prometheus-
                         compatible query API instead (raw samples, in
                         pieces); needs --start and --end.
  --config.file FILE     Take the datasource (url, timeout, headers, auth,
                         TLS) from the `datasource:` block of this `vigil
                         run` config; --datasource.url overrides its url.
  --datasource.piece D   Fetch this much time per query (default 2h, at
                         least 1m).
  --keep-going           On a failed fetch, go on without that data and
                         report the gaps (exit 1) instead of stopping.
  --start T, --end T     The range: RFC3339 or unix seconds. Default: the
                         oldest and newest sample of the data.
  --step D               Evaluate every group every D from --start (as
                         promtool's unit tests do). Default: each group at
                         its own interval on the live evaluator's grid.
  --window D             Batch each rule's evaluations over this much
                         replayed time into one range query, with the
                         same results (default 1h); 0s: one instant query
                         per rule and evaluation.
  --eval-interval D      The global evaluation_interval (default 1m).
  --query-offset D       The global rule_query_offset (default 0s).
  --lookback-delta D     The query lookback delta (default 5m).
  --format text|json     Output (default text).
  --no-timeline          Text output: the summary tables only.
  --output FILE.om       Also write the recording results and ALERTS as
                         OpenMetrics for `vigil run --storage.load` or
                         `promtool tsdb create-blocks-from openmetrics`.
  --remote-write URL     Also send the recording results and ALERTS to this
                         remote-write receiver (snappy protobuf, as `vigil
                         run` sends), in time order, retrying 5xx; a
                         refused request stops the replay (exit 2).
  --compare FILE         Replay these rule files too (repeatable) over the
                         same data and print the difference in firings.
  --progress             Progress on stderr even when it is not a terminal.
  --ignore-unknown-fields
                         Ignore unknown fields in rule files.

D is a Prometheus duration (30s, 5m, 1h).
Exit status: 0 replayed, 1 replayed but rule evaluations failed or data
is missing (--keep-going; both listed), 2 bad input (flags, rule or data
files, a range without data) or a failed datasource fetch.
)";

struct ReplayArgs {
  std::vector<std::string> rules, data, compare;
  std::optional<std::string> start, end, step, output, remote_write;
  std::optional<std::string> datasource_url, config_file;
  std::string piece = "2h";
  bool keep_going = false;
  std::string eval_interval = "1m", query_offset = "0s", lookback = "5m";
  std::string window = "1h";
  std::string format = "text";
  bool timeline = true;
  bool progress = false;
  bool ignore_unknown_fields = false;
  bool help = false;
};

int BadInput(absl::string_view message) {
  std::cerr << "vigil replay: " << message << "\n";
  return kExitBadInput;
}

absl::StatusOr<ReplayArgs> ParseArgs(int argc, char** argv) {
  ReplayArgs a;
  for (int i = 2; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      a.help = true;
      continue;
    }
    if (!arg.starts_with("--")) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument \"", ToAbsl(arg),
                       "\" (rule files go after --rules, data after --data)"));
    }
    std::string name(arg.substr(2));
    if (name == "no-timeline") {
      a.timeline = false;
      continue;
    }
    if (name == "progress") {
      a.progress = true;
      continue;
    }
    if (name == "keep-going") {
      a.keep_going = true;
      continue;
    }
    if (name == "ignore-unknown-fields") {
      a.ignore_unknown_fields = true;
      continue;
    }
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    std::vector<std::string>* list = nullptr;
    std::optional<std::string>* opt = nullptr;
    std::string* str = nullptr;
    if (name == "rules")
      list = &a.rules;
    else if (name == "data")
      list = &a.data;
    else if (name == "compare")
      list = &a.compare;
    else if (name == "start")
      opt = &a.start;
    else if (name == "end")
      opt = &a.end;
    else if (name == "step")
      opt = &a.step;
    else if (name == "output")
      opt = &a.output;
    else if (name == "remote-write")
      opt = &a.remote_write;
    else if (name == "datasource.url")
      opt = &a.datasource_url;
    else if (name == "config.file")
      opt = &a.config_file;
    else if (name == "datasource.piece")
      str = &a.piece;
    else if (name == "eval-interval")
      str = &a.eval_interval;
    else if (name == "window")
      str = &a.window;
    else if (name == "query-offset")
      str = &a.query_offset;
    else if (name == "lookback-delta")
      str = &a.lookback;
    else if (name == "format")
      str = &a.format;
    else
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    if (!value) {
      if (i + 1 >= argc) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " needs a value"));
      }
      value = argv[++i];
    }
    if (list != nullptr) list->push_back(*value);
    if (opt != nullptr) *opt = *value;
    if (str != nullptr) *str = *value;
  }
  if (a.help) return a;
  if (a.rules.empty())
    return absl::InvalidArgumentError("missing --rules FILE");
  const bool remote = a.datasource_url || a.config_file;
  if (a.data.empty() && !remote) {
    return absl::InvalidArgumentError(
        "missing --data FILE or --datasource.url URL");
  }
  if (!a.data.empty() && remote) {
    return absl::InvalidArgumentError(
        "--data and a datasource (--datasource.url, --config.file) exclude "
        "each other");
  }
  if (remote && (!a.start || !a.end)) {
    return absl::InvalidArgumentError(
        "a datasource replay needs --start and --end");
  }
  if (a.keep_going && !remote) {
    return absl::InvalidArgumentError(
        "--keep-going is for a datasource replay (local files are read whole "
        "before the replay starts)");
  }
  if (a.format != "text" && a.format != "json") {
    return absl::InvalidArgumentError(
        absl::StrCat("--format is text or json, got \"", a.format, "\""));
  }
  return a;
}

absl::StatusOr<int64_t> Duration(std::string_view flag, const std::string& v,
                                 bool positive) {
  auto ms = ParseDurationMs(v);
  if (!ms.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid --", ToAbsl(flag), ": ", ms.status().message()));
  }
  if (positive && *ms <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid --", ToAbsl(flag), ": must be more than 0"));
  }
  return ms;
}

absl::StatusOr<int64_t> Time(std::string_view flag, const std::string& v) {
  auto ms = api::ParseTimeMs(v);
  if (!ms.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid --", ToAbsl(flag), ": ", ms.status().message()));
  }
  return ms;
}

// Every file of every pattern, parsed; all errors at once, with positions.
absl::StatusOr<std::vector<RuleGroupSpec>> LoadRules(
    std::string_view flag, const std::vector<std::string>& patterns,
    bool ignore_unknown_fields) {
  RuleFileOptions rfo;
  rfo.ignore_unknown_fields = ignore_unknown_fields;
  std::vector<RuleGroupSpec> specs;
  std::string errors;
  for (const std::string& p : patterns) {
    std::vector<std::string> files = rules::ExpandFileGlobs({p});
    if (files.empty()) {
      absl::StrAppend(&errors, "--", ToAbsl(flag), " ", p, ": no such file\n");
    }
    for (const std::string& f : files) {
      auto groups = LoadRuleFile(f, rfo);
      if (!groups.ok()) {
        absl::StrAppend(&errors, groups.status().message(), "\n");
        continue;
      }
      for (RuleGroupSpec& g : *groups) specs.push_back(std::move(g));
    }
  }
  if (!errors.empty()) {
    errors.pop_back();
    return absl::InvalidArgumentError(errors);
  }
  return specs;
}

// "\r"-redrawn on a terminal; one line per update otherwise (--progress
// into a log).
class ProgressLine {
 public:
  explicit ProgressLine(bool tty) : tty_(tty) {}

  void Update(const replay::Progress& p, std::string_view label) {
    const auto now = std::chrono::steady_clock::now();
    if (p.done != p.total && now - last_ < kProgressEvery) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double frac = p.total == 0 ? 1.0 : double(p.done) / double(p.total);
    const double eta = frac > 0 ? elapsed / frac - elapsed : 0;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(frac * kWidth);
    std::cerr << (tty_ ? "\r" : "") << ToAbsl(label) << " ["
              << std::string(filled, '#') << std::string(kWidth - filled, ' ')
              << "] "
              << absl::StrFormat("%d/%d evaluations, %.0f%%, ETA %.0fs", p.done,
                                 p.total, frac * 100, eta)
              << (tty_ ? "\x1b[K" : "\n");
    if (tty_ && p.done == p.total) std::cerr << "\n";
  }

 private:
  bool tty_;
  std::chrono::steady_clock::time_point start_ =
      std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

// The datasource of --config.file's `datasource:` block (with its auth and
// TLS, decoded as `vigil run` decodes it), --datasource.url over its url.
absl::StatusOr<std::shared_ptr<const datasource::Client>> OpenDatasource(
    const ReplayArgs& args) {
  datasource::ClientConfig config;
  if (args.config_file) {
    auto loaded = exporter::LoadConfig(*args.config_file);
    if (!loaded.ok()) return loaded.status();
    config = loaded->datasource;
  }
  if (args.datasource_url) config.url = *args.datasource_url;
  if (config.url.empty()) {
    return absl::InvalidArgumentError(
        args.datasource_url
            ? std::string("--datasource.url is empty")
            : absl::StrCat(*args.config_file,
                           " has no datasource url: set it there or give "
                           "--datasource.url"));
  }
  auto client = datasource::Client::Create(std::move(config));
  if (!client.ok()) return client.status();
  return std::shared_ptr<const datasource::Client>(std::move(*client));
}

// --remote-write: the replay's output through remote write's encoder and
// sender, on the replay's thread, so that a replay faster than the
// receiver waits for it instead of dropping samples.
class RemoteWriteSink : public replay::OutputSink {
 public:
  explicit RemoteWriteSink(const std::string& url)
      : writer_(Config(url), Labels(), {}) {}
  void Write(const Labels& labels, int64_t t_ms, double v) override {
    writer_.Append(labels, t_ms, v);
  }
  void WriteHistogram(const Labels& labels, int64_t t_ms,
                      const FloatHistogram& h) override {
    writer_.AppendHistogram(labels, t_ms, h);
  }
  absl::Status Flush() override { return writer_.Flush(); }
  const remote::BlockingWriter& writer() const { return writer_; }

 private:
  static remote::RemoteWriteConfig Config(const std::string& url) {
    remote::RemoteWriteConfig c;
    c.url = url;
    // What the rules record goes out whole: their histograms too.
    c.send_native_histograms = true;
    return c;
  }
  remote::BlockingWriter writer_;
};

// " and N histograms" when the rules recorded any, and how many custom-
// bucket ones remote write 1.0 could not carry.
std::string HistogramsNote(const remote::BlockingWriter& w) {
  std::string note;
  if (w.histograms_sent() > 0) {
    note = absl::StrCat(" and ", w.histograms_sent(), " histograms");
  }
  if (w.custom_bucket_histograms_dropped() > 0) {
    absl::StrAppend(&note, " (", w.custom_bucket_histograms_dropped(),
                    " custom-bucket histograms left out: remote write 1.0 "
                    "cannot carry them)");
  }
  return note;
}

}  // namespace

int RunReplay(int argc, char** argv) {
  auto args = ParseArgs(argc, argv);
  if (!args.ok()) {
    std::cerr << "vigil replay: " << args.status().message() << "\n\n"
              << kUsage;
    return kExitBadInput;
  }
  if (args->help) {
    std::cout << kUsage;
    return kExitOk;
  }

  replay::Options options;
  std::optional<int64_t> start, end;
  int64_t piece_ms = replay::kDefaultFetchPieceMs;
  {
    auto piece = Duration("datasource.piece", args->piece, true);
    if (!piece.ok()) return BadInput(piece.status().message());
    piece_ms = *piece;
    // Smaller pieces only multiply the requests: a week at 1 ms would be
    // 600 million queries per selector.
    if (piece_ms < replay::kMinFetchSplitMs) {
      return BadInput("invalid --datasource.piece: must be at least 1m");
    }
    auto interval = Duration("eval-interval", args->eval_interval, true);
    if (!interval.ok()) return BadInput(interval.status().message());
    options.default_interval_ms = *interval;
    auto offset = Duration("query-offset", args->query_offset, false);
    if (!offset.ok()) return BadInput(offset.status().message());
    options.default_query_offset_ms = *offset;
    auto window = Duration("window", args->window, false);
    if (!window.ok()) return BadInput(window.status().message());
    if (*window < 0) return BadInput("invalid --window: must not be negative");
    options.window_ms = *window;
    auto lookback = Duration("lookback-delta", args->lookback, true);
    if (!lookback.ok()) return BadInput(lookback.status().message());
    options.engine.lookback_delta_ms = *lookback;
    if (args->step) {
      auto step = Duration("step", *args->step, true);
      if (!step.ok()) return BadInput(step.status().message());
      options.step_ms = *step;
    }
    if (args->start) {
      auto t = Time("start", *args->start);
      if (!t.ok()) return BadInput(t.status().message());
      start = *t;
    }
    if (args->end) {
      auto t = Time("end", *args->end);
      if (!t.ok()) return BadInput(t.status().message());
      end = *t;
    }
    if (start && end && *end < *start) {
      return BadInput("--end is before --start");
    }
  }

  // Rule files first: their errors must not wait behind a large data load.
  auto specs = LoadRules("rules", args->rules, args->ignore_unknown_fields);
  if (!specs.ok()) return BadInput(specs.status().message());
  std::optional<std::vector<RuleGroupSpec>> other;
  if (!args->compare.empty()) {
    auto o = LoadRules("compare", args->compare, args->ignore_unknown_fields);
    if (!o.ok()) return BadInput(o.status().message());
    other = std::move(*o);
  }
  if (absl::Status st = replay::CheckGroups(*specs, options); !st.ok()) {
    return BadInput(st.message());
  }
  if (other) {
    if (absl::Status st = replay::CheckGroups(*other, options); !st.ok()) {
      return BadInput(st.message());
    }
  }
  std::vector<std::string> produced = replay::ProducedMetricNames(*specs);
  if (other) {
    for (std::string& n : replay::ProducedMetricNames(*other)) {
      produced.push_back(std::move(n));
    }
  }

  std::shared_ptr<const datasource::Client> client;
  if (args->data.empty()) {
    auto c = OpenDatasource(*args);
    if (!c.ok()) return BadInput(c.status().message());
    client = *std::move(c);
  }

  const bool show_progress = args->progress || isatty(STDERR_FILENO);
  auto open_source = [&](const std::vector<RuleGroupSpec>& groups,
                         replay::LoadReport* load)
      -> absl::StatusOr<std::unique_ptr<replay::Source>> {
    if (client == nullptr) {
      return replay::OpenLocalFiles(args->data, produced, load);
    }
    const std::optional<int64_t> reach = replay::QueryReach(
        groups, options.engine, options.default_query_offset_ms);
    if (!reach) {
      return absl::InvalidArgumentError(
          "a rule with an @ modifier or a duration expression can read any "
          "time, which a datasource replay does not fetch: replay it from "
          "--data");
    }
    replay::FetchOptions fo;
    fo.selectors = replay::RuleSelectors(groups);
    fo.reach_ms = *reach;
    fo.piece_ms = piece_ms;
    fo.produced_names = produced;
    fo.keep_going = args->keep_going;
    return replay::OpenFetching(replay::DatasourceFetcher(client),
                                std::move(fo));
  };
  auto replay_once = [&](const std::vector<RuleGroupSpec>& groups,
                         std::string_view label, Appendable* record,
                         replay::OutputSink* sink,
                         bool report_load) -> absl::StatusOr<replay::Result> {
    replay::LoadReport load;
    auto source = open_source(groups, &load);
    if (!source.ok()) return source.status();
    if (report_load) {
      for (const std::string& note : load.notes) {
        std::cerr << "vigil replay: " << note << "\n";
      }
      for (const auto& [name, samples] : load.skipped) {
        std::cerr << "vigil replay: ignoring " << samples << " samples of "
                  << name << " in the data: the rules produce it\n";
      }
    }
    replay::Options o = options;
    const auto span = (*source)->DataSpan();
    o.start_ms = start.value_or(span ? span->min_ms : 0);
    o.end_ms = end.value_or(span ? span->max_ms : 0);
    o.record = record;
    o.sink = sink;
    ProgressLine line(isatty(STDERR_FILENO));
    if (show_progress) {
      o.progress = [&line, label](const replay::Progress& p) {
        line.Update(p, label);
      };
    }
    return replay::Run(groups, **source, o);
  };

  std::optional<tsdb::Head> record;
  if (args->output) record.emplace();
  std::optional<RemoteWriteSink> remote_sink;
  if (args->remote_write) {
    if (!args->remote_write->starts_with("http://") &&
        !args->remote_write->starts_with("https://")) {
      return BadInput(absl::StrCat("invalid --remote-write \"",
                                   *args->remote_write,
                                   "\": not an http:// or https:// URL"));
    }
    remote_sink.emplace(*args->remote_write);
  }
  auto result = replay_once(*specs, "replay", record ? &*record : nullptr,
                            remote_sink ? &*remote_sink : nullptr, true);
  if (!result.ok()) return BadInput(result.status().message());
  if (remote_sink) {
    std::cerr << "vigil replay: sent " << remote_sink->writer().samples_sent()
              << " samples" << HistogramsNote(remote_sink->writer()) << " to "
              << *args->remote_write << " in "
              << remote_sink->writer().requests_sent() << " requests\n";
  }
  if (record) {
    // Everything the rules wrote: query offsets put samples before start.
    absl::Status st = replay::WriteOpenMetrics(
        *record, std::numeric_limits<int64_t>::min(),
        std::numeric_limits<int64_t>::max(), *args->output);
    if (!st.ok()) return BadInput(st.message());
  }
  int exit_code = result->errors.empty() && result->gaps.empty()
                      ? kExitOk
                      : kExitRuleErrors;
  if (!result->gaps.empty()) {
    std::cerr << "vigil replay: " << result->gaps.size()
              << " data gaps: the datasource did not answer for some "
                 "selectors and times (listed in the report)\n";
  }

  if (!other) {
    if (args->format == "json") {
      std::cout << replay::ToJson(*result);
    } else {
      replay::TextOptions to;
      to.timeline = args->timeline;
      replay::PrintText(*result, to, std::cout);
    }
    return exit_code;
  }

  auto after = replay_once(*other, "compare", nullptr, nullptr, false);
  if (!after.ok()) return BadInput(after.status().message());
  if (!after->errors.empty() || !after->gaps.empty()) {
    exit_code = kExitRuleErrors;
  }
  const std::vector<replay::AlertChange> changes =
      replay::Compare(*result, *after);
  if (args->format == "json") {
    std::cout << replay::ToJson(*result, *after, changes);
  } else {
    replay::TextOptions to;
    to.timeline = false;
    std::cout << "Before (--rules):\n";
    replay::PrintText(*result, to, std::cout);
    std::cout << "\nAfter (--compare):\n";
    replay::PrintText(*after, to, std::cout);
    std::cout << "\nDifference:\n";
    replay::PrintComparison(changes, std::cout);
  }
  return exit_code;
}

}  // namespace vigil::cli
