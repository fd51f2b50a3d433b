// vigil: PromQL rule evaluator and alert exporter.
//
// Subcommands: run (default), query, replay, promql format, test rules, check
// rules, check config, check web-config, version, help.
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/allocator.h"
#include "exporter/check_config_cli.h"
#include "exporter/check_web_config_cli.h"
#include "exporter/flags.h"
#include "exporter/kuberhealthy_cli.h"
#include "exporter/query_cli.h"
#include "exporter/replay_cli.h"
#include "exporter/rules_cli.h"
#include "exporter/server.h"
#include "vigil/promql/parser.h"
#include "vigil/version.h"

namespace {

constexpr std::string_view kUsage = R"(usage: vigil [<command>] [<flags>]

Commands:
  run [<flags>]  Run the exporter (default): scrape, evaluate rules, send
                 alerts, serve the API. `vigil run --help` lists the flags.
                 Without --config.file it runs the built-in demo: targets
                 and a Kubernetes API served by vigil itself, the bundled
                 rule pack; nothing outside this machine is needed.
                 --storage.load FILE loads recorded samples first.
  query [--data FILE]... [--server URL] [--time T | --start S --end E
        --step D] [--lookback-delta D] [--format json|table] EXPR
                 Evaluate EXPR over recorded OpenMetrics files (promtool's
                 backfill format) or a running vigil or Prometheus; print
                 the API's JSON or a table. Exit 1 when the query fails,
                 2 on bad input. `vigil query --help` says more.
  replay --rules FILE... --data FILE... [--start T] [--end T] [--step D]
         [--format text|json] [--output FILE.om] [--compare FILE]...
                 Evaluate rule groups over recorded data as the live
                 evaluator would have; print when each alert went pending,
                 fired and resolved, and per-alert totals. `vigil replay
                 --help` says more.
  promql format EXPR
                 Print EXPR as canonical PromQL, as `promtool promql
                 format` does (experimental syntax accepted). Exits 2
                 with the parse error on stderr when EXPR is invalid.
  test rules [--run RE] [--junit F] [--coverage] [--coverage-min PCT] FILE...
                 Run rule unit tests (promtool's format); exit 1 on a
                 failed test, 2 on bad input.
  check rules [--lint=…] [--lint-fatal] FILE...
                 Validate and lint rule files (or PrometheusRule resources).
  check config [--syntax-only] [--lint=…] [--lint-fatal] FILE...
                 Validate config files and the rule files they reference,
                 as `promtool check config`; exit 1 when invalid.
  check web-config FILE...
                 Validate --web.config.file files (TLS, basic auth,
                 headers) as `promtool check web-config`.
  kuberhealthy [--rules FILE]... [--namespace NS] [--kube.…]
                 Kuberhealthy external check: list the pods, evaluate the
                 security rules once, report OK or one error per alert to
                 KH_REPORTING_URL. `vigil kuberhealthy --help` says more.
  version        Print the version.
  help           Show this text.
)";

// `vigil promql format EXPR`.
int RunPromql(int argc, char** argv) {
  std::string_view sub = argc > 2 ? argv[2] : "";
  if (sub != "format" || argc != 4) {
    std::cerr << "usage: vigil promql format EXPR\n";
    return 2;
  }
  // Formatting evaluates nothing, so every experimental syntax is accepted.
  auto expr = vigil::promql::ParseExpr(
      argv[3], vigil::promql::ParseOptions::AllExperimental());
  if (!expr.ok()) {
    std::cerr << "vigil: " << expr.status().message() << "\n";
    return 2;
  }
  // promtool 3.x prints the prettified form (Pretty(0)).
  std::cout << vigil::promql::Prettify(**expr) << "\n";
  return 0;
}

// Prometheus's `--version` layout, the compiler where Go's version stands.
void PrintVersion() {
  const vigil::VersionInfo& v = vigil::GetVersionInfo();
  std::cout << "vigil, version " << v.version << " (branch: " << v.branch
            << ", revision: " << v.revision << ")\n"
            << "  build user:       " << v.build_user << "\n"
            << "  build date:       " << v.build_date << "\n"
            << "  compiler:         " << v.compiler << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::string_view command = argc > 1 ? argv[1] : "run";
  if (command == "version" || command == "--version") {
    PrintVersion();
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return 0;
  }
  // Like Prometheus, flags alone (`vigil --config.file=x`) mean `run`.
  if (command == "run" || command.starts_with("--")) {
    // Before any thread: the arenas a long-running server keeps.
    vigil::exporter::ConfigureMalloc();
    std::vector<std::string> args(argv + (command == "run" ? 2 : 1),
                                  argv + argc);
    if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
      std::cout << "usage: vigil run [<flags>]\n\n"
                << vigil::exporter::FlagsHelp();
      return 0;
    }
    auto flags = vigil::exporter::ParseFlags(args);
    if (!flags.ok()) {
      std::cerr << "vigil: error: " << flags.status().message()
                << ", try --help\n";
      return 2;
    }
    if (flags->demo && !flags->config_file.empty()) {
      std::cerr << "vigil: error: --demo runs without --config.file\n";
      return 2;
    }
    // Without a config vigil runs the demo; a real cluster's flags then
    // mean a forgotten --config.file, not a wish to mix the two.
    if (flags->config_file.empty() &&
        (flags->kube_in_cluster || !flags->kube_api_url.empty())) {
      std::cerr << "vigil: error: --kube.* needs --config.file (without "
                   "one, vigil runs its built-in demo)\n";
      return 2;
    }
    return vigil::exporter::RunServer(*flags);
  }
  if (command == "promql") return RunPromql(argc, argv);
  if (command == "query") return vigil::cli::RunQuery(argc, argv);
  if (command == "replay") return vigil::cli::RunReplay(argc, argv);
  if (command == "kuberhealthy") return vigil::cli::RunKuberhealthy(argc, argv);
  // `vigil test rules …` / `vigil check rules …` (promtool's commands).
  const std::string_view sub = argc > 2 ? argv[2] : "";
  if (command == "test" && sub == "rules") {
    return vigil::cli::RunTestRules(argc, argv);
  }
  if (command == "check" && sub == "rules") {
    return vigil::cli::RunCheckRules(argc, argv);
  }
  if (command == "check" && sub == "config") {
    return vigil::cli::RunCheckConfig(argc, argv);
  }
  if (command == "check" && sub == "web-config") {
    return vigil::cli::RunCheckWebConfig(argc, argv);
  }
  std::cerr << "vigil: unknown command \"" << command << "\"\n" << kUsage;
  return 2;
}
