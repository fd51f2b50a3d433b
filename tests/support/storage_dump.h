// Every series of a Storage with all its samples, keyed by printed labels:
// what tests that write through a scrape or a collector compare against.
#ifndef VIGIL_TESTS_SUPPORT_STORAGE_DUMP_H_
#define VIGIL_TESTS_SUPPORT_STORAGE_DUMP_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "vigil/storage.h"

namespace vigil::testing {

inline std::map<std::string, std::vector<Sample>> DumpAllSeries(
    Storage& storage) {
  std::map<std::string, std::vector<Sample>> out;
  auto q = storage.OpenQuerier(0, INT64_MAX);
  EXPECT_TRUE(q.ok());
  if (!q.ok()) return out;
  auto m = Matcher::Create(MatchType::kRegexMatch, "__name__", ".+");
  auto series = (*q)->Select({0, INT64_MAX}, {*m});
  EXPECT_TRUE(series.ok());
  if (!series.ok()) return out;
  for (const auto& s : *series) {
    auto it = s->Iterator();
    std::vector<Sample> samples;
    while (it->Next()) samples.push_back(it->At());
    out[s->labels().ToString()] = samples;
  }
  return out;
}

}  // namespace vigil::testing

#endif  // VIGIL_TESTS_SUPPORT_STORAGE_DUMP_H_
