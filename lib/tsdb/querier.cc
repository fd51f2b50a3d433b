// The Head's Querier: a snapshot at open time, resolving selectors through
// the postings index and handing out chunk views that no later append or GC
// changes.
#include <algorithm>
#include <iterator>
#include <memory>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "lib/model/block_pool.h"
#include "lib/tsdb/chunk_iterator.h"
#include "lib/tsdb/head_impl.h"
#include "lib/tsdb/postings_for_matchers.h"

namespace vigil::tsdb {
namespace {

class HeadSeries : public Series,
                   public std::enable_shared_from_this<HeadSeries> {
 public:
  // Holds its own labels and chunk views, not the MemSeries: a result may
  // outlive the Head, whose symbol table the MemSeries' labels live in.
  HeadSeries(ChunkViews chunks, int64_t mint, int64_t maxt)
      : chunks_(std::move(chunks)), mint_(mint), maxt_(maxt) {}

  const Labels& labels() const override { return labels_; }
  void set_labels(Labels labels) { labels_ = std::move(labels); }
  std::unique_ptr<SampleIterator> Iterator() const override {
    // The iterator keeps this series, and so the views, alive.
    return std::make_unique<ChunkIterator>(
        std::shared_ptr<const ChunkViews>(shared_from_this(), &chunks_), mint_,
        maxt_);
  }

 private:
  Labels labels_;
  ChunkViews chunks_;
  int64_t mint_;
  int64_t maxt_;
};

// How many label pairs, from the first, all of `series` share (typically
// the metric name): sorting compares from the first that may differ.
size_t CommonLabelPrefix(std::span<const std::shared_ptr<HeadSeries>> series) {
  if (series.empty()) return 0;
  const Labels& first = series[0]->labels();
  size_t k = first.size();
  for (const auto& s : series.subspan(1)) {
    const Labels& l = s->labels();
    size_t i = 0;
    while (i < k && i < l.size() && l[i] == first[i]) ++i;
    k = i;
    if (k == 0) break;
  }
  return k;
}

// Labels' order, given that the first `skip` pairs are equal.
bool LabelsLess(const Labels& a, const Labels& b, size_t skip) {
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = skip; i < n; ++i) {
    if (int c = a[i].name.compare(b[i].name); c != 0) return c < 0;
    if (int c = a[i].value.compare(b[i].value); c != 0) return c < 0;
  }
  return a.size() < b.size();
}

// Sorts by labels. Comparing Labels pair by pair chases pointers to every
// string (cache misses) and compares names and values one call each; the
// labels written once into one buffer as name\0value\0... compare in one
// memcmp, in the same order: a \0 ends each string and sorts below any
// other byte. A label holding a \0 itself falls back to LabelsLess.
void SortByLabels(std::vector<std::shared_ptr<HeadSeries>>* series) {
  std::vector<std::shared_ptr<HeadSeries>>& v = *series;
  const size_t skip = CommonLabelPrefix(v);
  std::string buf;
  std::vector<std::pair<size_t, size_t>> keys(v.size());  // offset, length
  bool nul = false;
  for (size_t i = 0; i < v.size(); ++i) {
    const Labels& l = v[i]->labels();
    const size_t off = buf.size();
    for (size_t j = skip; j < l.size(); ++j) {
      nul = nul || l[j].name.find('\0') != std::string::npos ||
            l[j].value.find('\0') != std::string::npos;
      buf.append(l[j].name);
      buf.push_back('\0');
      buf.append(l[j].value);
      buf.push_back('\0');
    }
    keys[i] = {off, buf.size() - off};
  }
  if (nul) {
    std::sort(v.begin(), v.end(),
              [skip](const std::shared_ptr<HeadSeries>& a,
                     const std::shared_ptr<HeadSeries>& b) {
                return LabelsLess(a->labels(), b->labels(), skip);
              });
    return;
  }
  auto key = [&](uint32_t i) {
    return std::string_view(buf.data() + keys[i].first, keys[i].second);
  };
  std::vector<uint32_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return key(a) < key(b); });
  std::vector<std::shared_ptr<HeadSeries>> sorted;
  sorted.reserve(v.size());
  for (uint32_t i : order) sorted.push_back(std::move(v[i]));
  v = std::move(sorted);
}

// Series per block of a selection: small enough that two threads share a
// few thousand series evenly, large enough that one reader lock and one
// claim cover many series. A selection of one block stays on its thread.
constexpr size_t kSelectBlock = 256;

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
  // Select()'s work for the series `refs`: into found[i].
  void SelectBlock(std::span<const SeriesRef> refs,
                   std::shared_ptr<HeadSeries>* found) const;

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
    const SelectHints& hints, const Matchers& matchers) {
  // Prometheus's head querier bounds by the querier's range, not the hints.
  const PostingsList refs = Resolve(matchers);
  const size_t n = refs.size();
  // found[i] is refs[i]'s, or null when it has nothing in the range.
  std::vector<std::shared_ptr<HeadSeries>> found(n);
  // A large selection is read on both cores (block_pool.h): each block's
  // series are resolved, snapshotted and labelled by one thread, into its
  // own slots.
  RunBlocks(n, kSelectBlock, [&](size_t b, size_t e) {
    SelectBlock(std::span(refs).subspan(b, e - b), found.data() + b);
  });
  std::erase(found, nullptr);
  // Unsorted, the series stay in postings order (by ref), as Prometheus's
  // head gives them to its engine.
  if (hints.sorted) SortByLabels(&found);
  return std::vector<std::shared_ptr<Series>>(
      std::make_move_iterator(found.begin()),
      std::make_move_iterator(found.end()));
}

void HeadQuerier::SelectBlock(std::span<const SeriesRef> refs,
                              std::shared_ptr<HeadSeries>* found) const {
  const size_t n = refs.size();
  // One guard per block: its counter is shared by every thread. The series
  // found stay allocated until it goes, even if GC removes them (their
  // snapshot then still holds what this querier may see).
  StripeSeries::ReadGuard guard(head_->series.refs());
  absl::InlinedVector<MemSeries*, kSelectBlock> mem(n);
  head_->series.FindAll(refs, mem.data(), guard);
  // Series objects are scattered over the heap; fetching a few ahead
  // overlaps their cache misses.
  constexpr size_t kAhead = 4;
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n && mem[i + kAhead] != nullptr) {
      const char* p = reinterpret_cast<const char*>(mem[i + kAhead]);
      __builtin_prefetch(p);
      __builtin_prefetch(p + 64);
      __builtin_prefetch(p + 128);
    }
    if (mem[i] == nullptr) continue;
    MemSeries& s = *mem[i];
    ChunkViews views;
    {
      std::lock_guard<SeriesMutex> lock(s.mu());
      views = s.Snapshot(read_.seq, mint_, maxt_);
    }
    if (views.empty()) continue;
    found[i] = std::make_shared<HeadSeries>(std::move(views), mint_, maxt_);
  }
  // Labels under one reader lock per block rather than one per series (the
  // symbol table's lock is innermost: no series lock is taken meanwhile).
  SymbolTable::Reader symbols(head_->symbols);
  for (size_t i = 0; i < n; ++i) {
    if (found[i] != nullptr) found[i]->set_labels(mem[i]->labels(symbols));
  }
}

absl::StatusOr<std::vector<std::string>> HeadQuerier::LabelNames(
    const Matchers& matchers) {
  std::vector<std::string> out;
  if (matchers.empty()) {
    MemPostings::Reader index(head_->postings);
    out = index.Names();
  } else {
    absl::flat_hash_set<std::string> names;
    const PostingsList refs = Resolve(matchers);
    StripeSeries::ReadGuard guard(head_->series.refs());
    for (SeriesRef ref : refs) {
      if (const MemSeries* s = head_->series.Find(ref, guard)) {
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
    const PostingsList refs = Resolve(matchers);
    StripeSeries::ReadGuard guard(head_->series.refs());
    for (SeriesRef ref : refs) {
      if (const MemSeries* s = head_->series.Find(ref, guard)) {
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
