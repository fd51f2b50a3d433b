// SeriesLabelsBuilder: unescaped, normalised, sorted labels of the current
// series without per-series allocations once its buffers are warm.
#include <algorithm>

#include "lib/textparse/lexer.h"
#include "lib/textparse/parser_state.h"
#include "vigil/textparse.h"

namespace vigil::textparse {
namespace {

// Room a normalised float may need beyond the raw value ("1" -> "1.0",
// "1e6" -> "1e+06"); the longest Go 'g' float is 24 bytes.
constexpr size_t kNormalisedFloatSlack = 32;
// Insertion sort beats std::sort on the short label sets that dominate.
constexpr size_t kInsertionSortMax = 24;

// Prometheus's normalizeFloatsInLabelValues: `le` of classic histograms and
// `quantile` of summaries, keyed on the last TYPE seen.
bool NeedsFloatNormalisation(MetricType type, std::string_view name) {
  return (type == MetricType::kHistogram && name == "le") ||
         (type == MetricType::kSummary && name == "quantile");
}

}  // namespace

const std::vector<SeriesLabelsBuilder::Pair>& SeriesLabelsBuilder::View(
    const Parser& parser) {
  const Parser::State& s = *parser.state_;
  pairs_.clear();
  arena_.clear();
  if (s.entry.type != EntryType::kSeries &&
      s.entry.type != EntryType::kHistogram) {
    return pairs_;
  }
  // Protobuf labels are neither escaped nor in need of normalising: the
  // reader formats le/quantile itself.
  const bool raw = s.format == Format::kProtobuf;
  // Views into arena_ must stay valid while it grows: unescaping only
  // shrinks, so the series text plus the float slack bounds it.
  arena_.reserve(s.entry.series.size() +
                 kNormalisedFloatSlack * (s.labels.size() + 1));
  auto stash = [this](size_t start) {
    return std::string_view(arena_).substr(start, arena_.size() - start);
  };
  pairs_.push_back(Pair{kMetricName, s.entry.metric_name});
  for (const LabelRef& l : s.labels) {
    Pair pair{l.name, l.value};
    if (raw) {
      pairs_.push_back(pair);
      continue;
    }
    if (l.name.find('\\') != std::string_view::npos) {
      size_t start = arena_.size();
      internal::AppendUnescaped(l.name, true, &arena_);
      pair.name = stash(start);
    }
    if (l.value.find('\\') != std::string_view::npos) {
      size_t start = arena_.size();
      internal::AppendUnescaped(l.value, true, &arena_);
      pair.value = stash(start);
    }
    if (NeedsFloatNormalisation(s.declared_type, pair.name)) {
      double f;
      if (internal::ParseFloat(pair.value, &f) == internal::FloatStatus::kOk) {
        size_t start = arena_.size();
        internal::AppendOpenMetricsFloat(f, &arena_);
        pair.value = stash(start);
      }
    }
    pairs_.push_back(pair);
  }
  auto by_name = [](const Pair& a, const Pair& b) { return a.name < b.name; };
  if (pairs_.size() <= kInsertionSortMax) {
    for (size_t i = 1; i < pairs_.size(); ++i) {
      Pair x = pairs_[i];
      size_t j = i;
      for (; j > 0 && by_name(x, pairs_[j - 1]); --j) pairs_[j] = pairs_[j - 1];
      pairs_[j] = x;
    }
  } else {
    std::sort(pairs_.begin(), pairs_.end(), by_name);
  }
  return pairs_;
}

Labels SeriesLabelsBuilder::Build(const Parser& parser) {
  const std::vector<Pair>& pairs = View(parser);
  std::vector<Label> out;
  out.reserve(pairs.size());
  for (const Pair& p : pairs) {
    out.push_back(Label{std::string(p.name), std::string(p.value)});
  }
  return Labels::FromVector(std::move(out));
}

}  // namespace vigil::textparse
