// The one-job scrape config and loop target the scrape loop tests build for
// a test server's address.
#ifndef VIGIL_TESTS_SUPPORT_SCRAPE_LOOP_TARGET_H_
#define VIGIL_TESTS_SUPPORT_SCRAPE_LOOP_TARGET_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "lib/scrape/scrape_loop.h"
#include "vigil/scrape.h"

namespace vigil::testing {

// Job "app" scraping `address` every 10s, plus `extra_yaml` (indented two
// spaces, as fields of the job).
inline std::shared_ptr<const scrape::ScrapeConfig> OneJobConfig(
    const std::string& address, const std::string& extra_yaml) {
  auto cfgs = scrape::ParseScrapeConfigs(
      "- job_name: app\n  scrape_interval: 10s\n  static_configs:\n"
      "  - targets: ['" +
          address + "']\n" + extra_yaml,
      "s.yml");
  EXPECT_TRUE(cfgs.ok()) << cfgs.status();
  return std::make_shared<const scrape::ScrapeConfig>(
      cfgs.ok() ? (*cfgs)[0] : scrape::ScrapeConfig{});
}

// The loop target of the config's first static target.
inline scrape::LoopTarget LoopTargetOf(
    std::shared_ptr<const scrape::ScrapeConfig> config) {
  const scrape::TargetGroup& g = config->static_configs[0];
  auto full = scrape::PopulateLabels(g.targets[0], g.labels, *config);
  EXPECT_TRUE(full.ok() && full->has_value());
  scrape::LoopTarget t;
  t.config = config;
  t.full_labels = **full;
  t.url = scrape::TargetUrl(t.full_labels, config->params);
  t.interval_ms = config->scrape_interval_ms;
  t.timeout_ms = config->scrape_timeout_ms;
  return t;
}

}  // namespace vigil::testing

#endif  // VIGIL_TESTS_SUPPORT_SCRAPE_LOOP_TARGET_H_
