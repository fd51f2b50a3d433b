// libFuzzer target for the configuration file of `vigil run` (Prometheus's
// prometheus.yml: global, scrape_configs with relabeling and service
// discovery, rule_files, alerting), as a colleague or a generator writes
// it. Any input must load or fail cleanly — no crash, no sanitizer report,
// no runaway time or memory from YAML nesting or aliases — and a failure's
// message starts with the filename, as every error's position does. What
// loads holds what the loader promised: every timeout within its
// interval, named, unique jobs; and its static targets go through target
// relabeling (PopulateLabels) and into scrape URLs as the scrape manager
// would put them.
//
// The loader lives in the exporter (exporter/config.cc), which this build
// leaves out; fuzz/CMakeLists.txt compiles that one file in.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "exporter/config.h"
#include "fuzz/fuzz_die.h"
#include "vigil/scrape.h"

namespace {

using vigil::fuzz::Die;

constexpr std::string_view kFilename = "fuzz.yml";
// Relabeling every target of a large accepted config adds nothing that a
// few do not.
constexpr size_t kMaxTargetsRelabeled = 64;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Its own allocation, so ASan sees any read past the content.
  const std::string content(reinterpret_cast<const char*>(data), size);
  // No base directory: relative paths stay relative and nothing outside
  // the working directory is named on the fuzzer's behalf.
  auto config = vigil::exporter::ParseConfig(content, kFilename, "");
  if (!config.ok()) {
    const std::string message(config.status().message());
    if (message.rfind(kFilename, 0) != 0) {
      Die("error without the filename", message);
    }
    return 0;
  }
  const vigil::exporter::GlobalConfig& global = config->global;
  if (global.scrape_timeout_ms > global.scrape_interval_ms) {
    Die("global timeout above the interval", "");
  }
  std::set<std::string> jobs;
  size_t relabeled = 0;
  for (const vigil::scrape::ScrapeConfig& sc : config->scrape_configs) {
    if (sc.job_name.empty()) Die("job without a name", "");
    if (!jobs.insert(sc.job_name).second) Die("repeated job", sc.job_name);
    if (sc.scrape_timeout_ms > sc.scrape_interval_ms) {
      Die("timeout above the interval", sc.job_name);
    }
    for (const vigil::discovery::TargetGroup& group : sc.static_configs) {
      for (const vigil::Labels& target : group.targets) {
        if (relabeled++ == kMaxTargetsRelabeled) return 0;
        // Errors are the target's problem (Prometheus skips it); only a
        // crash or a sanitizer report is a finding.
        auto populated =
            vigil::scrape::PopulateLabels(target, group.labels, sc);
        if (populated.ok() && populated->has_value()) {
          (void)vigil::scrape::TargetUrl(**populated, sc.params);
        }
      }
    }
  }
  return 0;
}
