#include "promql/functions/common.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"

namespace vigil::promql::functions {

bool IsMetadataLabel(std::string_view name) {
  // Most names are not reserved: one test of the prefix rules them out.
  if (!name.starts_with("__")) return false;
  return name == kMetricName || name == "__type__" || name == "__unit__";
}

namespace {

// `metric` without the labels `drop` selects. Those that sort before every
// other label (the metric name, nearly always) leave a set that shares
// `metric`'s storage (Labels::WithoutFirst); otherwise the kept pairs are
// copied into one vector, already in order.
template <typename Drop>
Labels Without(const Labels& metric, Drop drop) {
  size_t leading = 0;
  while (leading < metric.size() && drop(metric[leading].name)) ++leading;
  size_t keep = 0;
  for (size_t i = leading; i < metric.size(); ++i) {
    keep += drop(metric[i].name) ? 0 : 1;
  }
  if (leading + keep == metric.size()) return metric.WithoutFirst(leading);
  std::vector<Label> out;
  out.reserve(keep);
  for (const Label& l : metric) {
    if (!drop(l.name)) out.push_back(l);
  }
  return Labels::FromVector(std::move(out));
}

// A label set by reference, hashed and compared by its pairs.
struct LabelsRef {
  const Labels* labels;

  template <typename H>
  friend H AbslHashValue(H h, const LabelsRef& r) {
    for (const Label& l : *r.labels) {
      h = H::combine(std::move(h), l.name, l.value);
    }
    return H::combine(std::move(h), r.labels->size());
  }
  friend bool operator==(const LabelsRef& a, const LabelsRef& b) {
    return *a.labels == *b.labels;
  }
};

}  // namespace

Labels DropMetadataLabels(const Labels& metric) {
  return Without(metric, IsMetadataLabel);
}

Labels DropMetricName(const Labels& metric) {
  return Without(metric,
                 [](std::string_view name) { return name == kMetricName; });
}

bool AnySameLabelset(size_t n, absl::FunctionRef<const Labels&(size_t)> at) {
  if (n < 2) return false;
  absl::flat_hash_set<LabelsRef> seen;
  seen.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (!seen.insert(LabelsRef{&at(i)}).second) return true;
  }
  return false;
}

void AppendDroppingName(const FunctionArgs& args, const Labels& metric,
                        double v, EvalVector* out) {
  EvalSample s;
  s.metric = args.delayed_name_removal ? metric : DropMetadataLabels(metric);
  s.t = args.t;
  s.v = v;
  s.drop_name = true;
  out->push_back(std::move(s));
}

void AppendForSeries(const FunctionArgs& args, const WindowSeries& series,
                     NamePolicy policy, double v, EvalVector* out) {
  EvalSample s;
  if (args.values_only) {
    s.t = args.t;
    s.v = v;
    out->push_back(std::move(s));
    return;
  }
  const Labels& metric = series.metric != nullptr ? *series.metric : Labels();
  if (policy == NamePolicy::kKeep) {
    s.metric = metric;
    s.drop_name = series.drop_name;
  } else {
    // Prometheus's range-function path drops only __name__ (DropMetricName),
    // unlike simpleFloatFunc's metadata labels.
    s.metric = args.delayed_name_removal ? metric : DropMetricName(metric);
    s.drop_name = true;
  }
  s.t = args.t;
  s.v = v;
  out->push_back(std::move(s));
}

bool IsStartTimestampReset(int64_t prev_st, int64_t prev_t, int64_t cur_st,
                           int64_t cur_t) {
  // Unset, invalid (after the sample) or OTel's unknown start (ST == T).
  if (cur_st == 0 || cur_st >= cur_t) return false;
  if (cur_st < prev_t) return false;
  if (cur_st > prev_t) return true;
  // The start points at the previous sample: a delta sample, or a cumulative
  // one with an unknown start, which the previous sample's start tells
  // apart. A previous start after its own sample is invalid: unknown.
  if (prev_st > prev_t) return false;
  return prev_st != 0 && prev_st != prev_t;
}

bool StartTimeOverlaps(int64_t prev_st, int64_t prev_t, int64_t cur_st) {
  return cur_st != 0 && cur_st < prev_t && cur_st != prev_st;
}

const EvalVector& VectorArg(const FunctionArgs& args, size_t i) {
  static const EvalVector kEmpty;
  if (i >= args.args.size() || args.args[i].vector == nullptr) return kEmpty;
  return *args.args[i].vector;
}

double ScalarArg(const FunctionArgs& args, size_t i) {
  if (i >= args.args.size()) return std::numeric_limits<double>::quiet_NaN();
  return args.args[i].scalar;
}

std::string_view StringArg(const FunctionArgs& args, size_t i) {
  if (i >= args.args.size()) return {};
  return args.args[i].string;
}

const std::vector<WindowSeries>* MatrixArg(const FunctionArgs& args) {
  for (const ArgValue& a : args.args) {
    if (a.matrix != nullptr) return a.matrix;
  }
  return nullptr;
}

PositionRange ArgPos(const FunctionArgs& args, size_t i) {
  if (i < args.call.args.size() && args.call.args[i] != nullptr) {
    return args.call.args[i]->pos;
  }
  return args.call.pos;
}

void Warn(const FunctionArgs& args, std::string message, PositionRange pos) {
  if (args.annotations != nullptr) args.annotations->Warn(message, pos);
}

void Info(const FunctionArgs& args, std::string message, PositionRange pos) {
  if (args.annotations != nullptr) args.annotations->Info(message, pos);
}

absl::Status CheckNoDuplicateLabelsets(const EvalVector& vec, size_t from) {
  if (vec.size() < from + 2) return absl::OkStatus();
  if (AnySameLabelset(vec.size() - from, [&](size_t i) -> const Labels& {
        return vec[from + i].metric;
      })) {
    return absl::InvalidArgumentError(std::string(kDuplicateLabelsetError));
  }
  return absl::OkStatus();
}

absl::Status CheckDroppedNames(const FunctionArgs& args, const EvalVector& vec,
                               size_t from) {
  if (args.delayed_name_removal) return absl::OkStatus();
  return CheckNoDuplicateLabelsets(vec, from);
}

double GoMax(double x, double y) {
  if (std::isinf(x) && x > 0) return x;
  if (std::isinf(y) && y > 0) return y;
  if (std::isnan(x) || std::isnan(y)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (x == 0 && x == y) return std::signbit(x) ? y : x;
  return x > y ? x : y;
}

double GoMin(double x, double y) {
  if (std::isinf(x) && x < 0) return x;
  if (std::isinf(y) && y < 0) return y;
  if (std::isnan(x) || std::isnan(y)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (x == 0 && x == y) return std::signbit(x) ? x : y;
  return x < y ? x : y;
}

int64_t GoFloatToInt64(double f) {
  constexpr double kLimit = 9223372036854775808.0;  // 2^63
  if (std::isnan(f) || f >= kLimit || f < -kLimit) {
    return std::numeric_limits<int64_t>::min();
  }
  return static_cast<int64_t>(f);
}

}  // namespace vigil::promql::functions
