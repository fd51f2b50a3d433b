// Classic histograms to native histograms with custom buckets (Prometheus's
// convertnhcb), for the protobuf reader and the scrape of text formats.
#include <cmath>
#include <limits>

#include "lib/model/absl_compat.h"
#include "lib/textparse/lexer.h"
#include "vigil/textparse.h"

namespace vigil::textparse {
namespace {

std::string OpenMetricsFloat(double f) {
  std::string s;
  internal::AppendOpenMetricsFloat(f, &s);
  return s;
}

}  // namespace

absl::Status ClassicToNhcb(const std::vector<ClassicBucket>& buckets,
                           double count, double sum, bool gauge,
                           FloatHistogram* out) {
  *out = FloatHistogram();
  out->schema = kCustomBucketsSchema;
  out->count = count;
  out->sum = sum;
  out->counter_reset_hint =
      gauge ? CounterResetHint::kGauge : CounterResetHint::kUnknown;
  double previous_bound = -std::numeric_limits<double>::infinity();
  double previous_count = 0;
  double inf_count = count;
  for (const ClassicBucket& b : buckets) {
    if (std::isnan(b.upper_bound) || b.upper_bound <= previous_bound) {
      return absl::InvalidArgumentError(
          Cat("classic histogram bucket le=", OpenMetricsFloat(b.upper_bound),
              " does not follow le=", OpenMetricsFloat(previous_bound),
              " (upper bounds must increase)"));
    }
    if (b.cumulative_count < previous_count) {
      return absl::InvalidArgumentError(
          Cat("classic histogram bucket le=", OpenMetricsFloat(b.upper_bound),
              " has a cumulative count below the previous bucket's"));
    }
    if (std::isinf(b.upper_bound)) {
      inf_count = b.cumulative_count;
      break;
    }
    out->custom_values.push_back(b.upper_bound);
    out->positive_buckets.push_back(b.cumulative_count - previous_count);
    previous_bound = b.upper_bound;
    previous_count = b.cumulative_count;
  }
  if (inf_count < previous_count) {
    return absl::InvalidArgumentError(
        "classic histogram's count is below its last bucket's cumulative "
        "count");
  }
  out->positive_buckets.push_back(inf_count - previous_count);
  out->positive_spans.push_back(
      HistogramSpan{0, static_cast<uint32_t>(out->positive_buckets.size())});
  out->Compact(0);
  return absl::OkStatus();
}

}  // namespace vigil::textparse
