#include "lib/memstore/memory_storage.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

namespace vigil::memstore {
namespace {

using SeriesData = MemoryStorage::SeriesData;

// The samples of `data` inside [mint, maxt], as a half-open index range.
std::pair<size_t, size_t> SamplesInRange(const SeriesData& data, int64_t mint,
                                         int64_t maxt) {
  const std::vector<Sample>& s = data.samples;
  auto lo =
      std::lower_bound(s.begin(), s.end(), mint,
                       [](const Sample& smp, int64_t t) { return smp.t < t; });
  auto hi =
      std::upper_bound(lo, s.end(), maxt,
                       [](int64_t t, const Sample& smp) { return t < smp.t; });
  return {static_cast<size_t>(lo - s.begin()),
          static_cast<size_t>(hi - s.begin())};
}

class VectorIterator : public SampleIterator {
 public:
  VectorIterator(std::shared_ptr<const SeriesData> data, size_t begin,
                 size_t end)
      : data_(std::move(data)), begin_(begin), end_(end), pos_(begin) {}

  bool Seek(int64_t t) override {
    if (!started_) {
      started_ = true;
      pos_ = begin_;
    }
    // Seek never moves backwards, as Prometheus's chunk iterators.
    while (pos_ < end_ && data_->samples[pos_].t < t) ++pos_;
    return pos_ < end_;
  }

  bool Next() override {
    if (!started_) {
      started_ = true;
      pos_ = begin_;
    } else if (pos_ < end_) {
      ++pos_;
    }
    return pos_ < end_;
  }

  Sample At() const override { return data_->samples[pos_]; }
  HistogramPtr AtHistogram() const override {
    return data_->hists.empty() ? nullptr : data_->hists[pos_];
  }
  bool HasStartTimestamps() const override { return !data_->st.empty(); }
  int64_t AtST() const override { return data_->st[pos_]; }

 private:
  std::shared_ptr<const SeriesData> data_;
  size_t begin_;
  size_t end_;
  size_t pos_;
  bool started_ = false;
};

class MemorySeries : public Series {
 public:
  MemorySeries(Labels labels, std::shared_ptr<const SeriesData> data,
               size_t begin, size_t end)
      : labels_(std::move(labels)),
        data_(std::move(data)),
        begin_(begin),
        end_(end) {}

  const Labels& labels() const override { return labels_; }
  std::unique_ptr<SampleIterator> Iterator() const override {
    return std::make_unique<VectorIterator>(data_, begin_, end_);
  }

 private:
  Labels labels_;
  std::shared_ptr<const SeriesData> data_;
  size_t begin_;
  size_t end_;
};

bool MatchesAll(const Labels& labels, const Matchers& matchers) {
  return std::all_of(matchers.begin(), matchers.end(), [&](const Matcher& m) {
    return m.Matches(labels.Get(m.name()));
  });
}

class MemoryQuerier : public Querier {
 public:
  MemoryQuerier(MemoryStorage::SeriesMap snapshot, int64_t mint, int64_t maxt)
      : snapshot_(std::move(snapshot)), mint_(mint), maxt_(maxt) {}

  absl::StatusOr<std::vector<std::shared_ptr<Series>>> Select(
      const SelectHints& /*hints*/, const Matchers& matchers) override {
    std::vector<std::shared_ptr<Series>> out;
    if (matchers.empty()) return out;
    // The map is ordered by labels, so the result is sorted as required.
    for (const auto& [labels, data] : snapshot_) {
      if (!MatchesAll(labels, matchers)) continue;
      auto [begin, end] = SamplesInRange(*data, mint_, maxt_);
      if (begin == end) continue;
      out.push_back(std::make_shared<MemorySeries>(labels, data, begin, end));
    }
    return out;
  }

  absl::StatusOr<std::vector<std::string>> LabelNames(
      const Matchers& matchers) override {
    std::set<std::string> names;
    ForEachVisible(matchers, [&](const Labels& labels) {
      for (const Label& l : labels) names.insert(l.name);
    });
    return std::vector<std::string>(names.begin(), names.end());
  }

  absl::StatusOr<std::vector<std::string>> LabelValues(
      const std::string& name, const Matchers& matchers) override {
    std::set<std::string> values;
    ForEachVisible(matchers, [&](const Labels& labels) {
      if (labels.Has(name)) values.insert(std::string(labels.Get(name)));
    });
    return std::vector<std::string>(values.begin(), values.end());
  }

 private:
  template <typename Fn>
  void ForEachVisible(const Matchers& matchers, Fn fn) const {
    for (const auto& [labels, data] : snapshot_) {
      if (!matchers.empty() && !MatchesAll(labels, matchers)) continue;
      auto [begin, end] = SamplesInRange(*data, mint_, maxt_);
      if (begin == end) continue;
      fn(labels);
    }
  }

  MemoryStorage::SeriesMap snapshot_;
  int64_t mint_;
  int64_t maxt_;
};

}  // namespace

std::pair<SeriesData*, size_t> MemoryStorage::Slot(const Labels& labels,
                                                   int64_t t, bool* replace) {
  std::shared_ptr<SeriesData>& data = series_[labels];
  if (data == nullptr) {
    data = std::make_shared<SeriesData>();
  } else if (data.use_count() > 1) {
    // An open querier sees this data: give the storage its own copy.
    data = std::make_shared<SeriesData>(*data);
  }
  std::vector<Sample>& samples = data->samples;
  auto it =
      std::lower_bound(samples.begin(), samples.end(), t,
                       [](const Sample& s, int64_t ts) { return s.t < ts; });
  const size_t pos = static_cast<size_t>(it - samples.begin());
  *replace = it != samples.end() && it->t == t;
  if (!*replace) {
    samples.insert(it, Sample{t, 0});
    if (!data->given.empty()) {
      const auto at = static_cast<ptrdiff_t>(pos);
      data->given.insert(data->given.begin() + at, nullptr);
      data->hists.insert(data->hists.begin() + at, nullptr);
      data->chunk_pos.insert(data->chunk_pos.begin() + at, 0);
    }
  }
  return {data.get(), pos};
}

void MemoryStorage::SetST(SeriesData* data, size_t pos, bool replace,
                          int64_t st) {
  // Start timestamps are kept only once a series has one; the samples
  // before it had none.
  std::vector<int64_t>& sts = data->st;
  if (sts.empty()) {
    if (st == 0) return;
    sts.resize(data->samples.size() - (replace ? 0 : 1), 0);
  }
  if (replace) {
    sts[pos] = st;
  } else {
    sts.insert(sts.begin() + static_cast<ptrdiff_t>(pos), st);
  }
}

namespace {

// Prometheus's TSDB keeps histograms in chunks and reports a counter reset
// hint from the chunk, not the one appended: a chunk is cut at a counter
// reset (an explicit `reset` hint or a detected one), when the series turns
// from float to histogram or between gauge and counter histograms, when the
// bucket layout changes incompatibly, and after 120 samples; reading back,
// its first histogram says CounterReset (when the chunk was cut for an
// explicit reset) or Unknown (a detected reset reads back as Unknown,
// Prometheus issue 15346), the others NotCounterReset, and a gauge chunk's
// say Gauge.
constexpr uint32_t kSamplesPerChunk = 120;

void RecomputeHints(SeriesData* d, size_t from) {
  for (size_t i = from; i < d->given.size(); ++i) {
    const HistogramPtr& g = d->given[i];
    if (g == nullptr) {
      d->hists[i] = nullptr;
      d->chunk_pos[i] = 0;
      continue;
    }
    if (IsStaleNaN(g->sum)) {
      d->hists[i] = g;
      d->chunk_pos[i] =
          (i > 0 && d->chunk_pos[i - 1] > 0) ? d->chunk_pos[i - 1] + 1 : 1;
      continue;
    }
    const bool gauge = g->counter_reset_hint == CounterResetHint::kGauge;
    bool new_chunk = true;
    bool reset = false;
    if (i > 0 && d->given[i - 1] != nullptr &&
        !IsStaleNaN(d->given[i - 1]->sum)) {
      const FloatHistogram& prev = *d->given[i - 1];
      const size_t start = i - d->chunk_pos[i - 1];
      const bool prev_gauge =
          d->hists[start]->counter_reset_hint == CounterResetHint::kGauge;
      if (gauge == prev_gauge) {
        new_chunk = false;
        if (!gauge) {
          FloatHistogram probe = *g;
          probe.counter_reset_hint = CounterResetHint::kUnknown;
          reset = g->counter_reset_hint == CounterResetHint::kCounterReset ||
                  probe.DetectReset(prev);
        }
        if (reset || g->schema != prev.schema ||
            g->zero_threshold != prev.zero_threshold ||
            !CustomBucketBoundsMatch(g->custom_values, prev.custom_values) ||
            d->chunk_pos[i - 1] >= kSamplesPerChunk) {
          new_chunk = true;
        }
      }
    } else if (!gauge) {
      reset = g->counter_reset_hint == CounterResetHint::kCounterReset;
    }
    d->chunk_pos[i] = new_chunk ? 1 : d->chunk_pos[i - 1] + 1;
    CounterResetHint hint;
    if (gauge) {
      hint = CounterResetHint::kGauge;
    } else if (!new_chunk) {
      hint = CounterResetHint::kNotCounterReset;
    } else {
      hint = reset && g->counter_reset_hint == CounterResetHint::kCounterReset
                 ? CounterResetHint::kCounterReset
                 : CounterResetHint::kUnknown;
    }
    if (hint == g->counter_reset_hint) {
      d->hists[i] = g;
    } else {
      auto h = std::make_shared<FloatHistogram>(*g);
      h->counter_reset_hint = hint;
      d->hists[i] = std::move(h);
    }
  }
}

}  // namespace

void MemoryStorage::Add(const Labels& labels, int64_t t, double v, int64_t st) {
  std::lock_guard<std::mutex> lock(mu_);
  bool replace = false;
  auto [data, pos] = Slot(labels, t, &replace);
  data->samples[pos].v = v;
  if (!data->given.empty() && data->given[pos] != nullptr) {
    data->given[pos] = nullptr;
    RecomputeHints(data, pos);
  }
  SetST(data, pos, replace, st);
}

void MemoryStorage::AddHistogram(const Labels& labels, int64_t t,
                                 const FloatHistogram& h, int64_t st) {
  std::lock_guard<std::mutex> lock(mu_);
  bool replace = false;
  auto [data, pos] = Slot(labels, t, &replace);
  data->samples[pos].v = 0;
  if (data->given.empty()) {
    data->given.resize(data->samples.size());
    data->hists.resize(data->samples.size());
    data->chunk_pos.resize(data->samples.size());
  }
  data->given[pos] = std::make_shared<const FloatHistogram>(h);
  RecomputeHints(data, pos);
  SetST(data, pos, replace, st);
}

void MemoryStorage::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  series_.clear();
}

size_t MemoryStorage::NumSeries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return series_.size();
}

absl::StatusOr<std::unique_ptr<Querier>> MemoryStorage::OpenQuerier(
    int64_t mint_ms, int64_t maxt_ms) {
  SeriesMap snapshot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [labels, data] : series_) snapshot.emplace(labels, data);
  }
  return std::unique_ptr<Querier>(
      std::make_unique<MemoryQuerier>(std::move(snapshot), mint_ms, maxt_ms));
}

}  // namespace vigil::memstore
