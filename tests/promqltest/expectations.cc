#include "tests/promqltest/expectations.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "re2/re2.h"
#include "tests/promqltest/go_literals.h"
#include "tests/promqltest/text_util.h"

namespace vigil::promqltest {
namespace {

absl::Status Fail(std::string message) {
  return absl::FailedPreconditionError(std::move(message));
}

std::string FormatPoints(const std::vector<Sample>& samples) {
  std::vector<std::string> parts;
  for (const Sample& s : samples) {
    parts.push_back(absl::StrCat(FormatGoFloat(s.v), " @[", s.t, "]"));
  }
  return absl::StrCat(samples.size(), " float point",
                      samples.size() == 1 ? "" : "s", " [",
                      absl::StrJoin(parts, " "), "]");
}

std::string FormatExpectedValues(
    const std::vector<std::optional<double>>& values) {
  std::vector<std::string> parts;
  for (const auto& v : values) {
    parts.push_back(v.has_value() ? FormatGoFloat(*v) : "_");
  }
  return absl::StrCat("[", absl::StrJoin(parts, " "), "]");
}

std::string FormatVector(const promql::Vector& v) {
  std::vector<std::string> parts;
  for (const auto& s : v) {
    parts.push_back(
        absl::StrCat(s.metric.ToString(), " => ", FormatGoFloat(s.v)));
  }
  return absl::StrJoin(parts, "\n");
}

// Prometheus's formatSeriesResult.
std::string FormatSeries(const promql::MatrixSeries& s) {
  std::vector<std::string> hs;
  for (const auto& p : s.histograms) {
    hs.push_back(absl::StrCat(p.h->TestExpression(), " @[", p.t, "]"));
  }
  return absl::StrCat(FormatPoints(s.samples), " and ", s.histograms.size(),
                      " histogram point", s.histograms.size() == 1 ? "" : "s",
                      " [", absl::StrJoin(hs, " "), "]");
}

std::string FormatMatrix(const promql::Matrix& m) {
  std::vector<std::string> parts;
  for (const auto& s : m) {
    parts.push_back(absl::StrCat(s.metric.ToString(), " => ", FormatSeries(s)));
  }
  return absl::StrJoin(parts, "\n");
}

bool BucketsAlmostEqual(const std::vector<double>& a,
                        const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!AlmostEqual(a[i], b[i])) return false;
  }
  return true;
}

// Upstream's compareNativeHistogram over Compact(0) copies: floats within
// the tolerance, the layout exact, the counter reset hint ignored.
bool HistogramsAlmostEqual(const FloatHistogram& want_in,
                           const FloatHistogram& got_in) {
  FloatHistogram want = want_in;
  FloatHistogram got = got_in;
  want.Compact(0);
  got.Compact(0);
  if (want.schema != got.schema || !AlmostEqual(want.count, got.count) ||
      !AlmostEqual(want.sum, got.sum)) {
    return false;
  }
  if (want.UsesCustomBuckets() &&
      !CustomBucketBoundsMatch(want.custom_values, got.custom_values)) {
    return false;
  }
  return want.zero_threshold == got.zero_threshold &&
         AlmostEqual(want.zero_count, got.zero_count) &&
         want.negative_spans == got.negative_spans &&
         BucketsAlmostEqual(want.negative_buckets, got.negative_buckets) &&
         want.positive_spans == got.positive_spans &&
         BucketsAlmostEqual(want.positive_buckets, got.positive_buckets);
}

// An omitted (`_`) instant expectation compares as 0, as upstream's zero
// SequenceValue does.
double ValueOrZero(const std::optional<double>& v) { return v.value_or(0); }

absl::Status CompareMatrix(const EvalCommand& ev, const promql::Matrix& m) {
  if (ev.IsOrdered()) {
    return Fail("expected ordered result, but query returned a matrix");
  }
  if (ev.expect_scalar) {
    return Fail(absl::StrCat("expected scalar result, but got matrix ",
                             FormatMatrix(m)));
  }
  if (absl::Status s = AssertMatrixSorted(m); !s.ok()) return s;
  std::set<Labels> seen;
  for (const auto& series : m) {
    auto it = ev.expected.find(series.metric);
    if (it == ev.expected.end()) {
      return Fail(absl::StrCat("unexpected metric ", series.metric.ToString(),
                               " in result, has ",
                               FormatPoints(series.samples)));
    }
    seen.insert(series.metric);
    const ExpectedSeries& exp = it->second;
    std::vector<Sample> want;
    std::vector<promql::HistogramPoint> want_h;
    for (size_t i = 0; i < exp.values.size(); ++i) {
      int64_t t = ev.start_ms + static_cast<int64_t>(i) * ev.step_ms;
      if (ev.end_ms == kNoEnd || t > ev.end_ms) {
        return Fail(absl::StrCat(
            "expected ", exp.values.size(), " points for ",
            exp.labels.ToString(),
            ", but query time range cannot return this many points"));
      }
      if (i < exp.histograms.size() && exp.histograms[i] != nullptr) {
        want_h.push_back({t, exp.histograms[i]});
      } else if (exp.values[i].has_value()) {
        want.push_back({t, *exp.values[i]});
      }
    }
    if (want.size() != series.samples.size() ||
        want_h.size() != series.histograms.size()) {
      return Fail(absl::StrCat("expected ", want.size(), " float points and ",
                               want_h.size(), " histogram points for ",
                               exp.labels.ToString(), ", but got ",
                               FormatSeries(series)));
    }
    for (size_t i = 0; i < want.size(); ++i) {
      const Sample& got = series.samples[i];
      if (want[i].t != got.t) {
        return Fail(absl::StrCat("expected float value at index ", i, " for ",
                                 exp.labels.ToString(), " to have timestamp ",
                                 want[i].t, ", but it had timestamp ", got.t,
                                 " (result has ", FormatSeries(series), ")"));
      }
      if (!AlmostEqual(got.v, want[i].v)) {
        return Fail(absl::StrCat("expected float value at index ", i,
                                 " (t=", got.t, ") for ", exp.labels.ToString(),
                                 " to be ", FormatGoFloat(want[i].v),
                                 ", but got ", FormatGoFloat(got.v),
                                 " (result has ", FormatSeries(series), ")"));
      }
    }
    for (size_t i = 0; i < want_h.size(); ++i) {
      const promql::HistogramPoint& got = series.histograms[i];
      if (want_h[i].t != got.t) {
        return Fail(absl::StrCat("expected histogram value at index ", i,
                                 " for ", exp.labels.ToString(),
                                 " to have timestamp ", want_h[i].t,
                                 ", but it had timestamp ", got.t,
                                 " (result has ", FormatSeries(series), ")"));
      }
      if (!HistogramsAlmostEqual(*want_h[i].h, *got.h)) {
        return Fail(absl::StrCat("expected histogram value at index ", i,
                                 " (t=", got.t, ") for ", exp.labels.ToString(),
                                 " to be ", want_h[i].h->TestExpression(),
                                 ", but got ", got.h->TestExpression(),
                                 " (result has ", FormatSeries(series), ")"));
      }
    }
  }
  for (const auto& [labels, exp] : ev.expected) {
    if (!seen.contains(labels)) {
      return Fail(
          absl::StrCat("expected metric ", labels.ToString(), " not found"));
    }
  }
  return absl::OkStatus();
}

absl::Status CompareVector(const EvalCommand& ev, const promql::Vector& v) {
  if (ev.expect_scalar) {
    return Fail(absl::StrCat("expected scalar result, but got vector ",
                             FormatVector(v)));
  }
  std::set<Labels> seen;
  for (size_t pos = 0; pos < v.size(); ++pos) {
    const auto& sample = v[pos];
    auto it = ev.expected.find(sample.metric);
    if (it == ev.expected.end()) {
      return Fail(absl::StrCat("unexpected metric ", sample.metric.ToString(),
                               " in result, has value ",
                               sample.h != nullptr ? sample.h->TestExpression()
                                                   : FormatGoFloat(sample.v)));
    }
    const ExpectedSeries& exp = it->second;
    if (ev.IsOrdered() && exp.pos != static_cast<int>(pos) + 1) {
      return Fail(absl::StrCat("expected metric ", sample.metric.ToString(),
                               " with ", FormatExpectedValues(exp.values),
                               " at position ", exp.pos, " but was at ",
                               pos + 1));
    }
    if (exp.values.empty()) {
      return Fail(absl::StrCat("expected metric ", exp.labels.ToString(),
                               " has no value to compare with"));
    }
    const HistogramPtr want_h =
        exp.histograms.empty() ? nullptr : exp.histograms[0];
    if (want_h == nullptr && sample.h != nullptr) {
      return Fail(absl::StrCat(
          "expected float value ", FormatGoFloat(ValueOrZero(exp.values[0])),
          " for ", sample.metric.ToString(), " but got histogram ",
          sample.h->TestExpression()));
    }
    if (want_h != nullptr && sample.h == nullptr) {
      return Fail(absl::StrCat("expected histogram ", want_h->TestExpression(),
                               " for ", sample.metric.ToString(),
                               " but got float value ",
                               FormatGoFloat(sample.v)));
    }
    if (want_h != nullptr) {
      if (!HistogramsAlmostEqual(*want_h, *sample.h)) {
        return Fail(absl::StrCat("expected ", want_h->TestExpression(), " for ",
                                 sample.metric.ToString(), " but got ",
                                 sample.h->TestExpression()));
      }
      seen.insert(sample.metric);
      continue;
    }
    double want = ValueOrZero(exp.values[0]);
    if (!AlmostEqual(want, sample.v)) {
      return Fail(absl::StrCat("expected ", FormatGoFloat(want), " for ",
                               sample.metric.ToString(), " but got ",
                               FormatGoFloat(sample.v)));
    }
    seen.insert(sample.metric);
  }
  for (const auto& [labels, exp] : ev.expected) {
    if (!seen.contains(labels)) {
      return Fail(absl::StrCat("expected metric ", labels.ToString(), " with ",
                               FormatExpectedValues(exp.values), " not found"));
    }
  }
  return absl::OkStatus();
}

absl::Status CompareScalar(const EvalCommand& ev, const promql::Scalar& s) {
  if (!ev.expect_scalar) {
    return Fail(absl::StrCat("expected vector or matrix result, but got ",
                             "scalar: ", FormatGoFloat(s.v), " @[", s.t, "]"));
  }
  if (!AlmostEqual(ev.expected_scalar, s.v)) {
    return Fail(absl::StrCat("expected scalar ",
                             FormatGoFloat(ev.expected_scalar), " but got ",
                             FormatGoFloat(s.v)));
  }
  return absl::OkStatus();
}

absl::Status CompareString(const EvalCommand& ev,
                           const promql::StringResult& s) {
  if (ev.expected_string != s.v) {
    return Fail(absl::StrCat("expected string \"", ev.expected_string,
                             "\" but got \"", s.v, "\""));
  }
  return absl::OkStatus();
}

absl::Status ValidateExpectedOfType(std::string_view expr,
                                    const std::vector<ExpectLine>& expected,
                                    const std::vector<std::string>& actual,
                                    int line, std::string_view type,
                                    const std::vector<std::string>& all) {
  if (expected.empty()) return absl::OkStatus();
  if (actual.empty()) {
    return Fail(absl::StrCat("expected ", ToAbsl(type),
                             " annotations but none were found for query \"",
                             ToAbsl(expr), "\" (line ", line, ")"));
  }
  for (const ExpectLine& e : expected) {
    bool found =
        std::any_of(actual.begin(), actual.end(),
                    [&](const std::string& a) { return e.Matches(a); });
    if (!found) {
      return Fail(absl::StrCat(
          "expected ", ToAbsl(type), " annotation matching ",
          ToAbsl(e.TypeName()), " \"", e.Text(),
          "\" but no matching annotation was found for query \"", ToAbsl(expr),
          "\" (line ", line, "), found: [", absl::StrJoin(all, ", "), "]"));
    }
  }
  for (const std::string& a : actual) {
    bool found = std::any_of(expected.begin(), expected.end(),
                             [&](const ExpectLine& e) { return e.Matches(a); });
    if (!found) {
      return Fail(absl::StrCat("unexpected ", ToAbsl(type), " annotation \"", a,
                               "\" found for query ", ToAbsl(expr), " (line ",
                               line, ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool AlmostEqual(double a, double b, double epsilon) {
  if (IsStaleNaN(a) || IsStaleNaN(b)) return IsStaleNaN(a) && IsStaleNaN(b);
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  constexpr double kMinNormal = std::numeric_limits<double>::min();
  double abs_sum = std::fabs(a) + std::fabs(b);
  double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < kMinNormal) {
    return diff < epsilon * kMinNormal;
  }
  return diff / std::min(abs_sum, std::numeric_limits<double>::max()) < epsilon;
}

absl::Status CompareResult(const EvalCommand& ev, const QueryValue& value) {
  if (const auto* m = std::get_if<promql::Matrix>(&value)) {
    return CompareMatrix(ev, *m);
  }
  if (const auto* v = std::get_if<promql::Vector>(&value)) {
    return CompareVector(ev, *v);
  }
  if (const auto* s = std::get_if<promql::Scalar>(&value)) {
    return CompareScalar(ev, *s);
  }
  return CompareString(ev, std::get<promql::StringResult>(value));
}

absl::Status CheckAnnotations(const EvalCommand& ev, std::string_view expr,
                              const std::vector<std::string>& warnings,
                              const std::vector<std::string>& infos) {
  if (ev.warn && warnings.empty()) {
    return Fail(absl::StrCat("expected warnings evaluating query \"",
                             ToAbsl(expr), "\" (line ", ev.line,
                             ") but got none"));
  }
  if (ev.info && infos.empty()) {
    return Fail(absl::StrCat("expected info annotations evaluating query \"",
                             ToAbsl(expr), "\" (line ", ev.line,
                             ") but got none"));
  }
  std::vector<std::string> all = warnings;
  all.insert(all.end(), infos.begin(), infos.end());
  if (absl::Status s = ValidateExpectedOfType(
          expr, ev.Expects(ExpectKind::kWarn), warnings, ev.line, "warn", all);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateExpectedOfType(
          expr, ev.Expects(ExpectKind::kInfo), infos, ev.line, "info", all);
      !s.ok()) {
    return s;
  }
  if (!ev.Expects(ExpectKind::kNoWarn).empty() && !warnings.empty()) {
    return Fail(absl::StrCat(
        "unexpected warning annotations evaluating query \"", ToAbsl(expr),
        "\" (line ", ev.line, "): [", absl::StrJoin(all, ", "), "]"));
  }
  if (!ev.Expects(ExpectKind::kNoInfo).empty() && !infos.empty()) {
    return Fail(absl::StrCat("unexpected info annotations evaluating query \"",
                             ToAbsl(expr), "\" (line ", ev.line, "): [",
                             absl::StrJoin(all, ", "), "]"));
  }
  return absl::OkStatus();
}

absl::Status CheckExpectedFailure(const EvalCommand& ev,
                                  std::string_view error) {
  if (!ev.expected_fail_message.empty() && ev.expected_fail_message != error) {
    return Fail(absl::StrCat("expected error \"", ev.expected_fail_message,
                             "\" evaluating query \"", ev.expr, "\" (line ",
                             ev.line, "), but got: ", ToAbsl(error)));
  }
  if (ev.expected_fail_regexp != nullptr &&
      !RE2::PartialMatch(ToValidUtf8(error), *ev.expected_fail_regexp)) {
    return Fail(absl::StrCat("expected error matching pattern \"",
                             ev.expected_fail_regexp->pattern(),
                             "\" evaluating query \"", ev.expr, "\" (line ",
                             ev.line, "), but got: ", ToAbsl(error)));
  }
  const auto& fail = ev.Expects(ExpectKind::kFail);
  if (!fail.empty() && !fail[0].Matches(error)) {
    return Fail(absl::StrCat("expected error matching \"", fail[0].Text(),
                             "\" evaluating query \"", ev.expr, "\" (line ",
                             ev.line, "), but got: ", ToAbsl(error)));
  }
  return absl::OkStatus();
}

absl::Status AssertMatrixSorted(const promql::Matrix& matrix) {
  for (size_t i = 0; i + 1 < matrix.size(); ++i) {
    if (matrix[i].metric > matrix[i + 1].metric) {
      return Fail(absl::StrCat(
          "matrix results should always be sorted by labels, but matrix is "
          "not sorted: series at index ",
          i + 1, " with labels ", matrix[i + 1].metric.ToString(),
          " sorts before series at index ", i, " with labels ",
          matrix[i].metric.ToString()));
    }
  }
  return absl::OkStatus();
}

}  // namespace vigil::promqltest
