#include "promql/functions/common.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <system_error>
#include <vector>

#include "absl/container/flat_hash_set.h"

namespace vigil::promql::functions {

bool IsMetadataLabel(std::string_view name) {
  return name == kMetricName || name == "__type__" || name == "__unit__";
}

Labels DropMetadataLabels(const Labels& metric) {
  bool any = false;
  for (const Label& l : metric) any = any || IsMetadataLabel(l.name);
  if (!any) return metric;
  LabelsBuilder b(metric);
  b.Del(kMetricName).Del("__type__").Del("__unit__");
  return b.Build();
}

Labels DropMetricName(const Labels& metric) {
  if (!metric.Has(kMetricName)) return metric;
  return LabelsBuilder(metric).Del(kMetricName).Build();
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
  if (vec.size() - from < 2) return absl::OkStatus();
  absl::flat_hash_set<uint64_t> seen;
  for (size_t i = from; i < vec.size(); ++i) {
    if (!seen.insert(vec[i].metric.Hash()).second) {
      // A hash collision is not proof; compare for real before failing.
      for (size_t j = from; j < i; ++j) {
        if (vec[j].metric == vec[i].metric) {
          return absl::InvalidArgumentError(
              std::string(kDuplicateLabelsetError));
        }
      }
    }
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

namespace {

// The decimal digits of |v| without trailing zeros and the position of the
// decimal point: |v| = 0.<digits> * 10^point. `digits` < 0 means shortest.
void DecimalDigits(double v, int digits, std::string* out, int* point) {
  char buf[64];
  std::to_chars_result r =
      digits < 0 ? std::to_chars(buf, buf + sizeof(buf), std::fabs(v),
                                 std::chars_format::scientific)
                 : std::to_chars(buf, buf + sizeof(buf), std::fabs(v),
                                 std::chars_format::scientific, digits - 1);
  std::string_view text(buf, r.ptr - buf);
  size_t e = text.find('e');
  std::string mantissa;
  for (char c : text.substr(0, e)) {
    if (c != '.') mantissa.push_back(c);
  }
  int exp = 0;
  std::string_view exp_text = text.substr(e + 1);
  if (!exp_text.empty() && exp_text[0] == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp);
  while (!mantissa.empty() && mantissa.back() == '0') mantissa.pop_back();
  *out = mantissa;
  *point = mantissa.empty() ? 0 : exp + 1;
}

}  // namespace

std::string FormatGoFloat(double v, int prec) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  bool shortest = prec < 0;
  if (prec == 0) prec = 1;
  std::string digs;
  int dp = 0;
  DecimalDigits(v, shortest ? -1 : prec, &digs, &dp);
  int nd = static_cast<int>(digs.size());
  std::string out;
  if (std::signbit(v)) out.push_back('-');
  if (nd == 0) {  // zero
    digs.assign(1, '0');
    nd = 1;
    dp = 1;
  }
  if (shortest) prec = nd;
  int eprec = prec;
  if (eprec > nd && nd >= dp) eprec = nd;
  if (shortest) eprec = 6;
  int exp = dp - 1;
  if (exp < -4 || exp >= eprec) {
    int p = prec > nd ? nd : prec;
    out.push_back(digs[0]);
    if (p > 1) {
      out.push_back('.');
      for (int i = 1; i < p; ++i) out.push_back(i < nd ? digs[i] : '0');
    }
    out.push_back('e');
    out.push_back(exp < 0 ? '-' : '+');
    int a = exp < 0 ? -exp : exp;
    if (a < 10) out.push_back('0');
    out += std::to_string(a);
    return out;
  }
  if (prec > dp) prec = nd;
  int decimals = prec - dp > 0 ? prec - dp : 0;
  if (dp > 0) {
    for (int i = 0; i < dp; ++i) out.push_back(i < nd ? digs[i] : '0');
  } else {
    out.push_back('0');
  }
  if (decimals > 0) {
    out.push_back('.');
    for (int i = 0; i < decimals; ++i) {
      int k = dp + i;
      out.push_back(k >= 0 && k < nd ? digs[k] : '0');
    }
  }
  return out;
}

int64_t GoFloatToInt64(double f) {
  constexpr double kLimit = 9223372036854775808.0;  // 2^63
  if (std::isnan(f) || f >= kLimit || f < -kLimit) {
    return std::numeric_limits<int64_t>::min();
  }
  return static_cast<int64_t>(f);
}

}  // namespace vigil::promql::functions
