// RuleTestStorage: one Appender over two stores, one Querier merging them.
#include "lib/ruletest/storage.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace vigil::ruletest {
namespace {

class SplitAppender : public Appender {
 public:
  SplitAppender(std::unique_ptr<Appender> floats,
                memstore::MemoryStorage* histograms)
      : floats_(std::move(floats)), histograms_(histograms) {}

  absl::StatusOr<SeriesRef> Append(SeriesRef ref, const Labels& labels,
                                   int64_t t_ms, double v) override {
    return floats_->Append(ref, labels, t_ms, v);
  }

  absl::StatusOr<SeriesRef> AppendHistogram(SeriesRef /*ref*/,
                                            const Labels& labels, int64_t t_ms,
                                            const FloatHistogram& h) override {
    if (labels.empty()) return EmptyLabelsetError();
    pending_.push_back({labels, t_ms, h});
    return 0;
  }

  absl::Status Commit() override {
    absl::Status s = floats_->Commit();
    for (const Pending& p : pending_) {
      histograms_->AddHistogram(p.labels, p.t, p.h);
    }
    pending_.clear();
    return s;
  }

  void Rollback() override {
    floats_->Rollback();
    pending_.clear();
  }

 private:
  struct Pending {
    Labels labels;
    int64_t t;
    FloatHistogram h;
  };
  std::unique_ptr<Appender> floats_;
  memstore::MemoryStorage* histograms_;
  std::vector<Pending> pending_;
};

// The samples of two iterators over one series in time order; at a time
// both have, the histogram wins.
class MergedIterator : public SampleIterator {
 public:
  MergedIterator(std::unique_ptr<SampleIterator> floats,
                 std::unique_ptr<SampleIterator> histograms)
      : a_(std::move(floats)), b_(std::move(histograms)) {}

  bool Seek(int64_t t) override {
    if (!started_) {
      started_ = true;
      a_ok_ = a_->Seek(t);
      b_ok_ = b_->Seek(t);
    } else {
      if (a_ok_ && a_->At().t < t) a_ok_ = a_->Seek(t);
      if (b_ok_ && b_->At().t < t) b_ok_ = b_->Seek(t);
    }
    return Pick();
  }

  bool Next() override {
    if (!started_) {
      started_ = true;
      a_ok_ = a_->Next();
      b_ok_ = b_->Next();
    } else if (on_b_) {
      b_ok_ = b_->Next();
    } else if (a_ok_) {
      a_ok_ = a_->Next();
    }
    return Pick();
  }

  Sample At() const override { return on_b_ ? b_->At() : a_->At(); }
  HistogramPtr AtHistogram() const override {
    return on_b_ ? b_->AtHistogram() : nullptr;
  }

 private:
  bool Pick() {
    while (a_ok_ && b_ok_ && a_->At().t == b_->At().t) a_ok_ = a_->Next();
    on_b_ = b_ok_ && (!a_ok_ || b_->At().t < a_->At().t);
    return a_ok_ || b_ok_;
  }

  std::unique_ptr<SampleIterator> a_, b_;
  bool started_ = false;
  bool a_ok_ = false, b_ok_ = false, on_b_ = false;
};

class MergedSeries : public Series {
 public:
  MergedSeries(std::shared_ptr<Series> floats,
               std::shared_ptr<Series> histograms)
      : a_(std::move(floats)), b_(std::move(histograms)) {}
  const Labels& labels() const override { return a_->labels(); }
  std::unique_ptr<SampleIterator> Iterator() const override {
    return std::make_unique<MergedIterator>(a_->Iterator(), b_->Iterator());
  }

 private:
  std::shared_ptr<Series> a_, b_;
};

class MergedQuerier : public Querier {
 public:
  MergedQuerier(std::unique_ptr<Querier> floats,
                std::unique_ptr<Querier> histograms)
      : a_(std::move(floats)), b_(std::move(histograms)) {}

  absl::StatusOr<std::vector<std::shared_ptr<Series>>> Select(
      const SelectHints& hints, const Matchers& matchers) override {
    // The merge below pairs equal label sets by their order.
    SelectHints sorted = hints;
    sorted.sorted = true;
    auto a = a_->Select(sorted, matchers);
    if (!a.ok()) return a.status();
    auto b = b_->Select(sorted, matchers);
    if (!b.ok()) return b.status();
    // Both are sorted by labels: merge, pairing equal label sets.
    std::vector<std::shared_ptr<Series>> out;
    out.reserve(a->size() + b->size());
    size_t i = 0, j = 0;
    while (i < a->size() || j < b->size()) {
      if (j == b->size() ||
          (i < a->size() && (*a)[i]->labels() < (*b)[j]->labels())) {
        out.push_back(std::move((*a)[i++]));
      } else if (i == a->size() || (*b)[j]->labels() < (*a)[i]->labels()) {
        out.push_back(std::move((*b)[j++]));
      } else {
        out.push_back(std::make_shared<MergedSeries>(std::move((*a)[i++]),
                                                     std::move((*b)[j++])));
      }
    }
    return out;
  }

  absl::StatusOr<std::vector<std::string>> LabelNames(
      const Matchers& matchers) override {
    return Union(a_->LabelNames(matchers), b_->LabelNames(matchers));
  }

  absl::StatusOr<std::vector<std::string>> LabelValues(
      const std::string& name, const Matchers& matchers) override {
    return Union(a_->LabelValues(name, matchers),
                 b_->LabelValues(name, matchers));
  }

 private:
  static absl::StatusOr<std::vector<std::string>> Union(
      absl::StatusOr<std::vector<std::string>> a,
      absl::StatusOr<std::vector<std::string>> b) {
    if (!a.ok()) return a.status();
    if (!b.ok()) return b.status();
    std::set<std::string> all(a->begin(), a->end());
    all.insert(b->begin(), b->end());
    return std::vector<std::string>(all.begin(), all.end());
  }

  std::unique_ptr<Querier> a_, b_;
};

}  // namespace

std::unique_ptr<Appender> RuleTestStorage::NewAppender() {
  return std::make_unique<SplitAppender>(floats_.NewAppender(), &histograms_);
}

absl::StatusOr<std::unique_ptr<Querier>> RuleTestStorage::OpenQuerier(
    int64_t mint_ms, int64_t maxt_ms) {
  auto a = floats_.OpenQuerier(mint_ms, maxt_ms);
  if (!a.ok()) return a.status();
  auto b = histograms_.OpenQuerier(mint_ms, maxt_ms);
  if (!b.ok()) return b.status();
  return std::unique_ptr<Querier>(
      std::make_unique<MergedQuerier>(std::move(*a), std::move(*b)));
}

}  // namespace vigil::ruletest
