// Summing and averaging native histograms as Prometheus's sum/avg
// aggregations and sum_over_time/avg_over_time do: Kahan-compensated sums,
// and for the mean a direct sum until it overflows, then an incremental mean
// (the float paths' scheme, applied to every count and bucket).
#ifndef VIGIL_PROMQL_FUNCTIONS_HISTOGRAM_SUM_H_
#define VIGIL_PROMQL_FUNCTIONS_HISTOGRAM_SUM_H_

#include "absl/status/status.h"
#include "vigil/histogram.h"

namespace vigil::promql::functions {

class HistogramSummer {
 public:
  HistogramSummer(const FloatHistogram& first, bool mean);
  // Adds the next histogram; fails (leaving the state unusable) when it
  // cannot combine with the others (exponential and custom schemas).
  absl::Status Add(const FloatHistogram& h, FloatHistogram::AddInfo* info);
  // The sum or mean so far, compacted.
  FloatHistogram Result() const;

 private:
  FloatHistogram value_;
  FloatHistogram comp_;
  double count_ = 1;
  bool mean_ = false;
  bool incremental_ = false;
};

}  // namespace vigil::promql::functions

#endif  // VIGIL_PROMQL_FUNCTIONS_HISTOGRAM_SUM_H_
