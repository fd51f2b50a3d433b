// Embedding vigil: feed exposition text into the in-memory TSDB and evaluate
// the PodPrivilegedMode expression with the PromQL engine.
#include <stdlib.h>

#include <filesystem>
#include <iostream>
#include <string_view>
#include <variant>

#include "vigil/promql/engine.h"
#include "vigil/textparse.h"
#include "vigil/tsdb.h"

namespace {

constexpr std::string_view kScrape =
    R"(# TYPE kube_pod_container_status_running gauge
kube_pod_container_status_running{namespace="default",pod="web-0",container="app"} 1
kube_pod_container_status_running{namespace="default",pod="db-0",container="pg"} 1
# TYPE kube_pod_security_context gauge
kube_pod_security_context{namespace="default",pod="web-0",privileged="true"} 1
kube_pod_security_context{namespace="default",pod="db-0",privileged="false"} 1
)";

constexpr std::string_view kAlertExpr =
    R"(kube_pod_container_status_running{container!=""} * on(pod,namespace) group_left kube_pod_security_context{privileged="true"} > 0)";

}  // namespace

int main() {
  vigil::tsdb::Head head;
  const int64_t t = 1'700'000'000'000;  // ms since the epoch
  // Durable: commits go to a write-ahead log in a directory of our own.
  char dir[] = "/tmp/vigil-embed-XXXXXX";
  if (::mkdtemp(dir) == nullptr) return 1;
  vigil::tsdb::WalOptions wal;
  wal.dir = dir;
  if (auto replayed = head.OpenWal(wal, t); !replayed.ok()) {
    std::cerr << replayed.status().message() << "\n";
    return 1;
  }

  vigil::textparse::Parser parser(kScrape,
                                  vigil::textparse::Format::kPrometheusText);
  vigil::textparse::SeriesLabelsBuilder labels;
  auto app = head.NewAppender();
  while (true) {
    auto entry = parser.Next();
    if (!entry.ok()) {
      std::cerr << entry.status().message() << "\n";
      return 1;
    }
    if (*entry == vigil::textparse::EntryType::kEof) break;
    if (*entry != vigil::textparse::EntryType::kSeries) continue;
    if (auto ref = app->Append(labels.Build(parser), t, parser.entry().value);
        !ref.ok()) {
      std::cerr << ref.status().message() << "\n";
      return 1;
    }
  }
  if (auto s = app->Commit(); !s.ok()) {
    std::cerr << s.message() << "\n";
    return 1;
  }

  vigil::promql::Engine engine;
  auto result = engine.InstantQuery(head, kAlertExpr, t);
  if (!result.ok()) {
    std::cerr << result.status().message() << "\n";
    return 1;
  }
  const auto& vector = std::get<vigil::promql::Vector>(result->value);
  std::cout << "PodPrivilegedMode would fire for " << vector.size()
            << " container(s):\n";
  for (const auto& sample : vector) {
    std::cout << "  " << sample.metric.ToString() << " " << sample.v << "\n";
  }
  if (vector.size() != 1) return 1;
  // One process per directory: a second Head is refused while ours lives.
  vigil::tsdb::Head second;
  const bool locked = !second.OpenWal(wal, t).ok();
  std::cout << "a second Head on the same directory is refused: " << locked
            << "\n";
  std::filesystem::remove_all(dir);
  return locked ? 0 : 1;
}
