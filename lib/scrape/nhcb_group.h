// NhcbGroup: one text-format classic histogram being collected for
// convert_classic_histograms_to_nhcb — its _bucket, _count and _sum series
// with the same other labels, which the exposition formats keep together —
// then built into one custom-bucket histogram (Prometheus's NHCBParser).
// Internal to vigil_scrape.
#ifndef VIGIL_LIB_SCRAPE_NHCB_GROUP_H_
#define VIGIL_LIB_SCRAPE_NHCB_GROUP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "vigil/histogram.h"
#include "vigil/labels.h"
#include "vigil/textparse.h"

namespace vigil::scrape {

struct NhcbGroup {
  using Pairs = std::vector<textparse::SeriesLabelsBuilder::Pair>;

  // Names the histogram's series in the scrape cache; empty while nothing
  // is collected.
  std::string series_key;
  Labels labels;  // the family's name and the other labels
  std::optional<int64_t> timestamp_ms;  // of its first series
  bool gauge = false;
  std::vector<textparse::ClassicBucket> buckets;
  std::optional<double> count;
  std::optional<double> sum;
  std::string bad_le;  // an `le` that is not a number

  // Whether series `e` (labels `pairs`, SeriesLabelsBuilder::View) belongs
  // to the histogram being collected.
  bool Continues(const textparse::Entry& e, const Pairs& pairs) const;
  // Adds `e` when it is a classic histogram's series (starting a histogram
  // when none is collected); false when it is not one.
  bool Add(const textparse::Entry& e, const Pairs& pairs);
  // The custom-bucket histogram; an error for unusable buckets.
  absl::Status Build(FloatHistogram* out);
};

}  // namespace vigil::scrape

#endif  // VIGIL_LIB_SCRAPE_NHCB_GROUP_H_
