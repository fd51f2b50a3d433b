// SeriesFingerprint: a 128-bit hash of a series as its target wrote it, the
// scrape cache's key. Internal to vigil_scrape.
//
// Prometheus keys its scrape cache by the series text itself; for
// kube-state-metrics that is 150-300 bytes per series, a third of what the
// exporter holds per series. 128 bits of MurmurHash3 (x64_128, Austin
// Appleby's public-domain design) make an accidental collision among even
// a million series of one target about 1e-27 likely; and since each target
// has its own cache, a target that crafted a collision could only mix up
// two of its own series, which it can do by exposing other values anyway.
#ifndef VIGIL_LIB_SCRAPE_SERIES_FINGERPRINT_H_
#define VIGIL_LIB_SCRAPE_SERIES_FINGERPRINT_H_

#include <cstdint>
#include <string_view>
#include <utility>

namespace vigil::scrape {

struct SeriesFingerprint {
  uint64_t lo = 0;
  uint64_t hi = 0;

  friend bool operator==(const SeriesFingerprint&,
                         const SeriesFingerprint&) = default;
  // Already uniform: the map needs no further mixing.
  template <typename H>
  friend H AbslHashValue(H h, const SeriesFingerprint& f) {
    return H::combine(std::move(h), f.lo);
  }
};

SeriesFingerprint FingerprintOf(std::string_view series);

}  // namespace vigil::scrape

#endif  // VIGIL_LIB_SCRAPE_SERIES_FINGERPRINT_H_
