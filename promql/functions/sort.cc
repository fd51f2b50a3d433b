// sort, sort_desc (by value, NaN last) and sort_by_label(_desc) (natural
// order of label values, ties broken by the full label set).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>
#include <vector>

#include "promql/functions/common.h"
#include "promql/functions/impls.h"

namespace vigil::promql::functions {
namespace {

// Splits into maximal runs of ASCII digits and of non-digits, as the
// facette/natsort package Prometheus uses (regexp `(\d+|\D+)`).
std::vector<std::string_view> Chunks(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    bool digit = s[i] >= '0' && s[i] <= '9';
    size_t j = i + 1;
    while (j < s.size() && (s[j] >= '0' && s[j] <= '9') == digit) ++j;
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// Go's strconv.Atoi on a run of digits; nullopt on overflow.
std::optional<int64_t> ParseInt(std::string_view s) {
  if (s.empty() || s[0] < '0' || s[0] > '9') return std::nullopt;
  int64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// natsort.Compare: whether a precedes b. Kept with its quirks: equal
// chunks up to the end of a mean "a precedes b".
bool NaturalLess(std::string_view a, std::string_view b) {
  std::vector<std::string_view> ca = Chunks(a);
  std::vector<std::string_view> cb = Chunks(b);
  for (size_t i = 0; i < ca.size(); ++i) {
    if (i >= cb.size()) return false;
    std::optional<int64_t> ia = ParseInt(ca[i]);
    std::optional<int64_t> ib = ParseInt(cb[i]);
    bool equal;
    if (ia.has_value() && ib.has_value()) {
      if (*ia != *ib) return *ia < *ib;
      equal = true;
    } else {
      if (ca[i] != cb[i]) return ca[i] < cb[i];
      equal = true;
    }
    if (equal) {
      if (i == ca.size() - 1) return true;
      if (i == cb.size() - 1) return false;
    }
  }
  return false;
}

// Copies the input; sorting never drops or relabels samples.
EvalVector Floats(const FunctionArgs& args) { return VectorArg(args, 0); }

absl::Status SortByValue(const FunctionArgs& args, EvalVector* out,
                         bool descending) {
  EvalVector v = Floats(args);
  std::stable_sort(v.begin(), v.end(),
                   [&](const EvalSample& a, const EvalSample& b) {
                     if (std::isnan(a.v)) return false;  // NaN sorts last
                     if (std::isnan(b.v)) return true;
                     return descending ? a.v > b.v : a.v < b.v;
                   });
  out->insert(out->end(), v.begin(), v.end());
  return absl::OkStatus();
}

absl::Status SortByLabels(const FunctionArgs& args, EvalVector* out,
                          bool descending) {
  std::vector<std::string_view> names;
  for (size_t i = 1; i < args.args.size(); ++i) {
    names.push_back(StringArg(args, i));
  }
  EvalVector v = Floats(args);
  auto compare = [&](const EvalSample& a, const EvalSample& b) -> int {
    for (std::string_view name : names) {
      std::string_view x = a.metric.Get(name);
      std::string_view y = b.metric.Get(name);
      if (x == y) continue;
      return NaturalLess(x, y) ? -1 : 1;
    }
    auto c = a.metric <=> b.metric;
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  };
  std::stable_sort(v.begin(), v.end(),
                   [&](const EvalSample& a, const EvalSample& b) {
                     int c = compare(a, b);
                     return descending ? c > 0 : c < 0;
                   });
  out->insert(out->end(), v.begin(), v.end());
  return absl::OkStatus();
}

}  // namespace

absl::Status Sort(const FunctionArgs& args, EvalVector* out) {
  return SortByValue(args, out, /*descending=*/false);
}

absl::Status SortDesc(const FunctionArgs& args, EvalVector* out) {
  return SortByValue(args, out, /*descending=*/true);
}

absl::Status SortByLabel(const FunctionArgs& args, EvalVector* out) {
  return SortByLabels(args, out, /*descending=*/false);
}

absl::Status SortByLabelDesc(const FunctionArgs& args, EvalVector* out) {
  return SortByLabels(args, out, /*descending=*/true);
}

}  // namespace vigil::promql::functions
