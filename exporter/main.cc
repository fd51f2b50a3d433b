// vigil: PromQL rule evaluator and alert exporter.
//
// Subcommands: run (default), version. Later layers add query, promql, test
// and check.
#include <cstring>
#include <iostream>
#include <string_view>

#include "vigil/labels.h"
#include "vigil/matcher.h"

namespace {

constexpr std::string_view kVersion = "0.1.0";

constexpr std::string_view kUsage = R"(usage: vigil [<command>] [<flags>]

Commands:
  run [--demo]   Run vigil (default). --demo runs on an embedded data set
                 and rule that need nothing outside this machine.
  version        Print the version.
  help           Show this text.
)";

int RunDemo() {
  // The demo grows with vigil: today it shows the PodPrivilegedMode join
  // keys over an embedded kube-state-metrics snapshot.
  const vigil::Labels series[] = {
      vigil::Labels::FromStrings({"__name__", "kube_pod_security_context",
                                  "namespace", "payments", "pod", "ledger-0",
                                  "privileged", "true"}),
      vigil::Labels::FromStrings({"__name__", "kube_pod_security_context",
                                  "namespace", "web", "pod", "frontend-0",
                                  "privileged", "false"}),
  };
  auto privileged =
      vigil::Matcher::Create(vigil::MatchType::kEqual, "privileged", "true");
  if (!privileged.ok()) {
    std::cerr << "vigil: " << privileged.status() << "\n";
    return 1;
  }
  std::cout << "vigil demo: privileged pods in the embedded snapshot\n";
  for (const auto& s : series) {
    if (privileged->Matches(s.Get("privileged"))) {
      std::cout << "  PodPrivilegedMode " << s.ToString() << "\n";
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string_view command = argc > 1 ? argv[1] : "run";
  if (command == "version" || command == "--version") {
    std::cout << "vigil, version " << kVersion << "\n";
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return 0;
  }
  if (command == "run") {
    for (int i = 2; i < argc; ++i) {
      if (std::strcmp(argv[i], "--demo") != 0) {
        std::cerr << "vigil run: unknown flag " << argv[i] << "\n" << kUsage;
        return 2;
      }
    }
    return RunDemo();
  }
  std::cerr << "vigil: unknown command \"" << command << "\"\n" << kUsage;
  return 2;
}
