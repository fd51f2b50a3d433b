// The scrape cache's series fingerprint: MurmurHash3 x64_128, seed 0.
#include <gtest/gtest.h>

#include <string>

#include "absl/container/flat_hash_set.h"
#include "lib/scrape/series_fingerprint.h"

namespace vigil::scrape {
namespace {

TEST(SeriesFingerprintTest, MatchesMurmurHash3Reference) {
  EXPECT_EQ(FingerprintOf(""), (SeriesFingerprint{0, 0}));
  EXPECT_EQ(FingerprintOf("hello"),
            (SeriesFingerprint{0xcbd8a7b341bd9b02ULL, 0x5b1e906a48ae1d19ULL}));
  EXPECT_EQ(FingerprintOf("The quick brown fox jumps over the lazy dog"),
            (SeriesFingerprint{0xe34bbc7bbc071b6cULL, 0x7a433ca9c49a9347ULL}));
}

// Every tail length and a change in any byte position moves both halves.
TEST(SeriesFingerprintTest, EveryByteCounts) {
  const std::string base =
      R"(kube_pod_container_info{namespace="team-1",pod="checkout-1",)"
      R"(container="app"})";
  absl::flat_hash_set<uint64_t> los;
  absl::flat_hash_set<uint64_t> his;
  for (size_t len = 0; len <= base.size(); ++len) {
    const SeriesFingerprint f =
        FingerprintOf(std::string_view(base).substr(0, len));
    EXPECT_TRUE(los.insert(f.lo).second) << len;
    EXPECT_TRUE(his.insert(f.hi).second) << len;
  }
  for (size_t i = 0; i < base.size(); ++i) {
    std::string s = base;
    s[i] ^= 1;
    const SeriesFingerprint f = FingerprintOf(s);
    EXPECT_TRUE(los.insert(f.lo).second) << i;
    EXPECT_TRUE(his.insert(f.hi).second) << i;
  }
}

TEST(SeriesFingerprintTest, NoCollisionsAmongAMillionKsmSeries) {
  absl::flat_hash_set<uint64_t> seen;
  seen.reserve(1'000'000);
  for (int pod = 0; pod < 100'000; ++pod) {
    for (int c = 0; c < 10; ++c) {
      const std::string s =
          "kube_pod_container_status_running{namespace=\"team-" +
          std::to_string(pod % 40) + "\",pod=\"checkout-" +
          std::to_string(pod) + "\",container=\"c" + std::to_string(c) + "\"}";
      // 64 of the 128 bits already separate them all.
      ASSERT_TRUE(seen.insert(FingerprintOf(s).lo).second) << s;
    }
  }
}

}  // namespace
}  // namespace vigil::scrape
