// The text forms of a FloatHistogram that Prometheus prints: the promqltest
// notation (TestExpression) and String(), used in test failures and error
// messages.
#include <limits>
#include <string>
#include <vector>

#include "lib/model/go_float.h"
#include "vigil/histogram.h"

namespace vigil {
namespace {

std::string FloatList(const std::vector<double>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ' ';
    AppendGoFloat(v[i], &out);
  }
  out += ']';
  return out;
}

std::string BucketString(const HistogramBucket& b) {
  std::string out = b.lower_inclusive ? "[" : "(";
  AppendGoFloat(b.lower, &out);
  out += ',';
  AppendGoFloat(b.upper, &out);
  out += b.upper_inclusive ? "]:" : "):";
  AppendGoFloat(b.count, &out);
  return out;
}

}  // namespace

std::string FloatHistogram::TestExpression() const {
  FloatHistogram m = *this;
  // One span per side, as Prometheus compacts with MaxInt.
  m.Compact(std::numeric_limits<int>::max());
  std::vector<std::string> parts;
  auto add = [&](const char* key, double v) {
    parts.push_back(std::string(key) + GoFormatFloat(v));
  };
  if (m.schema != 0) parts.push_back("schema:" + std::to_string(m.schema));
  if (m.count != 0) add("count:", m.count);
  if (m.sum != 0) add("sum:", m.sum);
  if (m.zero_count != 0) add("z_bucket:", m.zero_count);
  if (m.zero_threshold != 0) add("z_bucket_w:", m.zero_threshold);
  if (m.UsesCustomBuckets()) {
    parts.push_back("custom_values:" + FloatList(m.custom_values));
  }
  switch (m.counter_reset_hint) {
    case CounterResetHint::kUnknown:
      break;
    case CounterResetHint::kCounterReset:
      parts.push_back("counter_reset_hint:reset");
      break;
    case CounterResetHint::kNotCounterReset:
      parts.push_back("counter_reset_hint:not_reset");
      break;
    case CounterResetHint::kGauge:
      parts.push_back("counter_reset_hint:gauge");
      break;
  }
  auto side = [&](const char* buckets_key, const char* offset_key,
                  const std::vector<double>& buckets,
                  const std::vector<HistogramSpan>& spans) {
    for (const HistogramSpan& s : spans) {
      if (s.offset != 0) {
        parts.push_back(std::string(offset_key) + std::to_string(s.offset));
      }
    }
    if (!buckets.empty()) {
      parts.push_back(std::string(buckets_key) + FloatList(buckets));
    }
  };
  side("buckets:", "offset:", m.positive_buckets, m.positive_spans);
  side("n_buckets:", "n_offset:", m.negative_buckets, m.negative_spans);
  std::string out = "{{";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += ' ';
    out += parts[i];
  }
  out += "}}";
  return out;
}

std::string FloatHistogram::String() const {
  std::string out = "{count:";
  AppendGoFloat(count, &out);
  out += ", sum:";
  AppendGoFloat(sum, &out);
  std::vector<HistogramBucket> neg = Buckets(false);
  for (auto it = neg.rbegin(); it != neg.rend(); ++it) {
    if (it->count != 0) out += ", " + BucketString(*it);
  }
  if (zero_count != 0) {
    HistogramBucket z;
    z.lower = -zero_threshold;
    z.upper = zero_threshold;
    z.lower_inclusive = true;
    z.upper_inclusive = true;
    z.count = zero_count;
    out += ", " + BucketString(z);
  }
  for (const HistogramBucket& b : Buckets(true)) {
    if (b.count != 0) out += ", " + BucketString(b);
  }
  out += '}';
  return out;
}

}  // namespace vigil
