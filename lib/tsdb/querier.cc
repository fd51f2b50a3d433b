// The Head's Querier: a snapshot at open time, resolving selectors through
// the postings index and handing out chunk views that no later append or GC
// changes.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "lib/tsdb/chunk_iterator.h"
#include "lib/tsdb/head_impl.h"
#include "lib/tsdb/postings_for_matchers.h"

namespace vigil::tsdb {
namespace {

class HeadSeries : public Series {
 public:
  // Holds its own labels and chunk views, not the MemSeries: a result may
  // outlive the Head, whose symbol table the MemSeries' labels live in.
  HeadSeries(Labels labels,
             std::shared_ptr<const std::vector<ChunkView>> chunks, int64_t mint,
             int64_t maxt)
      : labels_(std::move(labels)),
        chunks_(std::move(chunks)),
        mint_(mint),
        maxt_(maxt) {}

  const Labels& labels() const override { return labels_; }
  std::unique_ptr<SampleIterator> Iterator() const override {
    return std::make_unique<ChunkIterator>(chunks_, mint_, maxt_);
  }

 private:
  Labels labels_;
  std::shared_ptr<const std::vector<ChunkView>> chunks_;
  int64_t mint_;
  int64_t maxt_;
};

class HeadQuerier : public Querier {
 public:
  HeadQuerier(std::shared_ptr<Head::Impl> head, int64_t mint, int64_t maxt)
      : head_(std::move(head)),
        mint_(mint),
        maxt_(maxt),
        read_(head_->isolation.OpenRead(mint)) {}
  ~HeadQuerier() override { head_->isolation.CloseRead(read_.id); }

  absl::StatusOr<std::vector<std::shared_ptr<Series>>> Select(
      const SelectHints& hints, const Matchers& matchers) override;
  absl::StatusOr<std::vector<std::string>> LabelNames(
      const Matchers& matchers) override;
  absl::StatusOr<std::vector<std::string>> LabelValues(
      const std::string& name, const Matchers& matchers) override;

 private:
  PostingsList Resolve(const Matchers& matchers) const {
    MemPostings::Reader index(head_->postings);
    return PostingsForMatchers(index, matchers);
  }

  std::shared_ptr<Head::Impl> head_;
  const int64_t mint_;
  const int64_t maxt_;
  const Isolation::Read read_;
};

absl::StatusOr<std::vector<std::shared_ptr<Series>>> HeadQuerier::Select(
    const SelectHints& /*hints*/, const Matchers& matchers) {
  // Prometheus's head querier bounds by the querier's range, not the hints.
  std::vector<std::shared_ptr<Series>> out;
  const PostingsList refs = Resolve(matchers);
  out.reserve(refs.size());
  for (SeriesRef ref : refs) {
    std::shared_ptr<MemSeries> s = head_->series.GetByRef(ref);
    if (s == nullptr) continue;  // removed by GC meanwhile
    std::vector<ChunkView> views;
    {
      std::lock_guard<SeriesMutex> lock(s->mu());
      views = s->Snapshot(read_.seq, mint_, maxt_);
    }
    if (views.empty()) continue;
    out.push_back(std::make_shared<HeadSeries>(
        s->labels(),
        std::make_shared<const std::vector<ChunkView>>(std::move(views)), mint_,
        maxt_));
  }
  std::sort(
      out.begin(), out.end(),
      [](const std::shared_ptr<Series>& a, const std::shared_ptr<Series>& b) {
        return a->labels() < b->labels();
      });
  return out;
}

absl::StatusOr<std::vector<std::string>> HeadQuerier::LabelNames(
    const Matchers& matchers) {
  std::vector<std::string> out;
  if (matchers.empty()) {
    MemPostings::Reader index(head_->postings);
    out = index.Names();
  } else {
    absl::flat_hash_set<std::string> names;
    for (SeriesRef ref : Resolve(matchers)) {
      if (auto s = head_->series.GetByRef(ref)) {
        for (const Label& l : s->labels()) names.insert(l.name);
      }
    }
    out.assign(names.begin(), names.end());
  }
  std::sort(out.begin(), out.end());
  return out;
}

absl::StatusOr<std::vector<std::string>> HeadQuerier::LabelValues(
    const std::string& name, const Matchers& matchers) {
  std::vector<std::string> out;
  if (matchers.empty()) {
    MemPostings::Reader index(head_->postings);
    if (const MemPostings::ValueMap* values = index.Values(name)) {
      out.reserve(values->size());
      for (const auto& [value, list] : *values) out.push_back(value);
    }
  } else {
    absl::flat_hash_set<std::string> values;
    for (SeriesRef ref : Resolve(matchers)) {
      if (auto s = head_->series.GetByRef(ref)) {
        const Labels labels = s->labels();
        const std::string_view v = labels.Get(name);
        if (!v.empty()) values.emplace(v);
      }
    }
    out.assign(values.begin(), values.end());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::unique_ptr<Querier> NewHeadQuerier(std::shared_ptr<Head::Impl> head,
                                        int64_t mint, int64_t maxt) {
  return std::make_unique<HeadQuerier>(std::move(head), mint, maxt);
}

}  // namespace vigil::tsdb
