#include "lib/tsdb/histogram_layout.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"

namespace vigil::tsdb {
namespace {

absl::Status CheckSpans(const std::vector<HistogramSpan>& spans, size_t buckets,
                        const char* sign) {
  if (spans.size() > kMaxStoredHistogramSpans) {
    return absl::InvalidArgumentError(absl::StrCat(
        "histogram has ", spans.size(), " ", sign, " spans, more than the ",
        kMaxStoredHistogramSpans, " stored"));
  }
  if (buckets > kMaxStoredHistogramBuckets) {
    return absl::InvalidArgumentError(absl::StrCat(
        "histogram has ", buckets, " ", sign, " buckets, more than the ",
        kMaxStoredHistogramBuckets, " stored"));
  }
  uint64_t covered = 0;
  int64_t next = 0;  // the index after the previous span
  for (size_t i = 0; i < spans.size(); ++i) {
    // Prometheus: only the first span's offset may be negative.
    if (i > 0 && spans[i].offset < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("histogram's ", sign, " span ", i,
                       " has a negative offset ", spans[i].offset));
    }
    const int64_t start = (i == 0 ? 0 : next) + spans[i].offset;
    next = start + spans[i].length;
    if (start < std::numeric_limits<int32_t>::min() ||
        next - 1 > std::numeric_limits<int32_t>::max()) {
      return absl::InvalidArgumentError(
          absl::StrCat("histogram's ", sign, " span ", i,
                       " reaches past the bucket index range"));
    }
    covered += spans[i].length;
  }
  if (covered != buckets) {
    return absl::InvalidArgumentError(
        absl::StrCat("histogram spans cover ", covered, " ", sign,
                     " buckets, but it has ", buckets));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateStoredHistogram(const FloatHistogram& h) {
  if (!IsExponentialSchema(h.schema) && !h.UsesCustomBuckets()) {
    return absl::InvalidArgumentError(
        absl::StrCat("histogram has unknown schema ", h.schema));
  }
  if (absl::Status s =
          CheckSpans(h.positive_spans, h.positive_buckets.size(), "positive");
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          CheckSpans(h.negative_spans, h.negative_buckets.size(), "negative");
      !s.ok()) {
    return s;
  }
  if (!h.UsesCustomBuckets()) {
    if (!h.custom_values.empty()) {
      return absl::InvalidArgumentError(
          "histogram with an exponential schema has custom bounds");
    }
    return absl::OkStatus();
  }
  if (!h.negative_spans.empty() || !h.negative_buckets.empty()) {
    return absl::InvalidArgumentError(
        "histogram with custom buckets has negative buckets");
  }
  if (h.custom_values.size() > kMaxStoredCustomValues) {
    return absl::InvalidArgumentError(absl::StrCat(
        "histogram has ", h.custom_values.size(),
        " custom bounds, more than the ", kMaxStoredCustomValues, " stored"));
  }
  for (size_t i = 0; i < h.custom_values.size(); ++i) {
    if (std::isnan(h.custom_values[i]) ||
        (i > 0 && !(h.custom_values[i] > h.custom_values[i - 1]))) {
      return absl::InvalidArgumentError(
          absl::StrCat("histogram's custom bounds are not strictly "
                       "increasing at bound ",
                       i));
    }
  }
  // Bucket i's upper bound is custom_values[i]; the last, +Inf, is one past.
  const std::vector<int32_t> indices = SpanIndices(h.positive_spans);
  if (!indices.empty() &&
      (indices.front() < 0 ||
       static_cast<size_t>(indices.back()) > h.custom_values.size())) {
    return absl::InvalidArgumentError(
        "histogram with custom buckets has a bucket past its bounds");
  }
  return absl::OkStatus();
}

std::vector<int32_t> SpanIndices(const std::vector<HistogramSpan>& spans) {
  std::vector<int32_t> out;
  int64_t next = 0;
  for (size_t i = 0; i < spans.size(); ++i) {
    int64_t index = (i == 0 ? 0 : next) + spans[i].offset;
    for (uint32_t j = 0; j < spans[i].length; ++j) {
      out.push_back(static_cast<int32_t>(index++));
    }
    next = index;
  }
  return out;
}

std::vector<HistogramSpan> IndexSpans(const std::vector<int32_t>& indices) {
  std::vector<HistogramSpan> out;
  int64_t next = 0;
  for (size_t i = 0; i < indices.size(); ++i) {
    if (i > 0 && indices[i] == indices[i - 1] + 1) {
      ++out.back().length;
    } else {
      out.push_back(
          {static_cast<int32_t>(indices[i] - (i == 0 ? 0 : next)), 1});
    }
    next = int64_t{indices[i]} + 1;
  }
  return out;
}

std::vector<int32_t> UnionIndices(const std::vector<int32_t>& a,
                                  const std::vector<int32_t>& b) {
  std::vector<int32_t> out;
  out.reserve(std::max(a.size(), b.size()));
  std::set_union(a.begin(), a.end(), b.begin(), b.end(),
                 std::back_inserter(out));
  return out;
}

std::vector<double> ExpandBuckets(const std::vector<int32_t>& from,
                                  const std::vector<double>& buckets,
                                  const std::vector<int32_t>& to) {
  std::vector<double> out(to.size(), 0.0);
  size_t j = 0;
  for (size_t i = 0; i < to.size() && j < from.size(); ++i) {
    if (to[i] == from[j]) out[i] = buckets[j++];
  }
  return out;
}

}  // namespace vigil::tsdb
