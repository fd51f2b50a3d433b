// Bucket layouts of stored native histograms: what the Head accepts, and
// the span arithmetic a histogram chunk needs to put histograms of one
// series on one layout. Internal.
//
// A layout is the schema, zero threshold and custom bounds (fixed for a
// chunk) and the positive and negative spans (which a chunk may widen: a
// histogram with a bucket the chunk has not seen yet rewrites the chunk on
// the union of both, as Prometheus's histogram chunks do).
#ifndef VIGIL_LIB_TSDB_HISTOGRAM_LAYOUT_H_
#define VIGIL_LIB_TSDB_HISTOGRAM_LAYOUT_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "vigil/histogram.h"

namespace vigil::tsdb {

// Buckets of one sign a stored histogram may have: a bound on what a
// stranger's histogram costs per sample (Prometheus's largest schema, 8,
// spans values 2^-65536..2^65536 with 256 buckets per power of two; real
// histograms have tens).
inline constexpr size_t kMaxStoredHistogramBuckets = 1 << 14;
inline constexpr size_t kMaxStoredHistogramSpans = 1 << 14;
inline constexpr size_t kMaxStoredCustomValues = 1 << 14;

// Whether `h` can be stored: a known schema, spans that agree with the
// bucket counts and leave no index out of order or out of int32 range,
// and for custom buckets strictly increasing bounds and no negative
// buckets. The error names what is wrong.
absl::Status ValidateStoredHistogram(const FloatHistogram& h);

// The absolute bucket indices `spans` cover, ascending. Spans must be
// valid (ValidateStoredHistogram).
std::vector<int32_t> SpanIndices(const std::vector<HistogramSpan>& spans);
// The spans of ascending `indices`: one span per run of consecutive ones.
std::vector<HistogramSpan> IndexSpans(const std::vector<int32_t>& indices);
// The sorted union of two ascending index lists.
std::vector<int32_t> UnionIndices(const std::vector<int32_t>& a,
                                  const std::vector<int32_t>& b);
// `buckets` (on `from`) placed on `to`, a superset of `from`: zero where
// `from` has no bucket.
std::vector<double> ExpandBuckets(const std::vector<int32_t>& from,
                                  const std::vector<double>& buckets,
                                  const std::vector<int32_t>& to);

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_HISTOGRAM_LAYOUT_H_
