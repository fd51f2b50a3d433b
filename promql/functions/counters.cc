// changes() and resets(): counting transitions between neighbouring samples.
// resets() also counts the restarts that start timestamps reveal.
#include <cmath>
#include <optional>
#include <span>
#include <utility>

#include "promql/functions/common.h"
#include "promql/functions/impls.h"

namespace vigil::promql::functions {
namespace {

// Where counting starts. An anchored window also holds the last sample at or
// before the range start, which counts as the baseline (Prometheus's
// pickFirstSampleIndex); nullopt when nothing lies inside the range.
std::optional<size_t> FirstIndex(const FunctionArgs& args,
                                 std::span<const Sample> s) {
  if (!args.anchored) return 0;
  if (s.back().t <= args.range_start) return std::nullopt;
  size_t lo = 0, hi = s.size() - 1;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (s[mid].t > args.range_start) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo > 0 ? lo - 1 : 0;
}

// Counts the indexes i for which counts(series, i) holds, that is the
// transitions from sample i-1 to sample i that count.
template <typename Counts>
absl::Status CountTransitions(const FunctionArgs& args, EvalVector* out,
                              Counts counts) {
  return ForEachWindow(
      args, NamePolicy::kDrop,
      [&](const WindowSeries& series) -> std::optional<double> {
        std::span<const Sample> s = series.samples;
        std::optional<size_t> first = FirstIndex(args, s);
        if (!first.has_value()) return std::nullopt;
        int n = 0;
        for (size_t i = *first + 1; i < s.size(); ++i) {
          if (counts(series, i)) ++n;
        }
        return static_cast<double>(n);
      },
      out);
}

// The native histograms of samples i-1 and i (null for floats).
std::pair<const FloatHistogram*, const FloatHistogram*> HistPair(
    const WindowSeries& w, size_t i) {
  if (w.hists.empty()) return {nullptr, nullptr};
  return {w.hists[i - 1].get(), w.hists[i].get()};
}

}  // namespace

// Two NaNs in a row are not a change, although NaN != NaN. Between float and
// histogram samples a change of type counts, as Prometheus does.
absl::Status Changes(const FunctionArgs& args, EvalVector* out) {
  return CountTransitions(args, out, [](const WindowSeries& w, size_t i) {
    auto [hp, hc] = HistPair(w, i);
    if (hp != nullptr || hc != nullptr) {
      return hp == nullptr || hc == nullptr || !hc->Equals(*hp);
    }
    double prev = w.samples[i - 1].v;
    double cur = w.samples[i].v;
    return cur != prev && !(std::isnan(cur) && std::isnan(prev));
  });
}

// A drop in value, or a start timestamp saying the counter restarted.
absl::Status Resets(const FunctionArgs& args, EvalVector* out) {
  return CountTransitions(args, out, [](const WindowSeries& w, size_t i) {
    const Sample& prev = w.samples[i - 1];
    const Sample& cur = w.samples[i];
    std::span<const int64_t> st = w.start_timestamps;
    const bool st_reset =
        !st.empty() && IsStartTimestampReset(st[i - 1], prev.t, st[i], cur.t);
    auto [hp, hc] = HistPair(w, i);
    if (hp != nullptr || hc != nullptr) {
      return hp == nullptr || hc == nullptr || hc->DetectReset(*hp) || st_reset;
    }
    return cur.v < prev.v || st_reset;
  });
}

}  // namespace vigil::promql::functions
