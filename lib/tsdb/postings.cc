#include "lib/tsdb/postings.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"

namespace vigil::tsdb {
namespace {

// Past this size ratio, binary-searching the long list for each element of
// the short one beats a linear merge.
constexpr size_t kGallopRatio = 16;

// Refs come from an increasing counter, so a new ref nearly always goes at
// the end; two concurrent creations may swap the order of the last two.
void InsertSorted(PostingsList& list, SeriesRef ref) {
  auto pos = list.end();
  while (pos != list.begin() && *(pos - 1) > ref) --pos;
  if (pos != list.begin() && *(pos - 1) == ref) return;
  list.insert(pos, ref);
}

}  // namespace

PostingsList Intersect(const PostingsList& a, const PostingsList& b) {
  const PostingsList& small = a.size() <= b.size() ? a : b;
  const PostingsList& large = a.size() <= b.size() ? b : a;
  PostingsList out;
  if (small.empty()) return out;
  out.reserve(small.size());
  if (small.size() * kGallopRatio < large.size()) {
    auto from = large.begin();
    for (SeriesRef r : small) {
      from = std::lower_bound(from, large.end(), r);
      if (from == large.end()) break;
      if (*from == r) out.push_back(r);
    }
    return out;
  }
  std::set_intersection(small.begin(), small.end(), large.begin(), large.end(),
                        std::back_inserter(out));
  return out;
}

PostingsList Subtract(const PostingsList& a, const PostingsList& b) {
  PostingsList out;
  out.reserve(a.size());
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(),
                      std::back_inserter(out));
  return out;
}

PostingsList Merge(const std::vector<const PostingsList*>& lists) {
  if (lists.empty()) return {};
  if (lists.size() == 1) return *lists[0];
  size_t total = 0;
  for (const PostingsList* l : lists) total += l->size();
  PostingsList out;
  out.reserve(total);
  for (const PostingsList* l : lists)
    out.insert(out.end(), l->begin(), l->end());
  // Concatenate-and-sort beats a k-way heap merge for the many tiny lists a
  // regex over a high-cardinality label (pod, container) yields.
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void MemPostings::Add(SeriesRef ref, const Labels& labels) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  for (const Label& l : labels) InsertSorted(index_[l.name][l.value], ref);
  InsertSorted(all_, ref);
}

void MemPostings::Delete(
    const std::vector<std::pair<SeriesRef, Labels>>& series) {
  if (series.empty()) return;
  absl::flat_hash_set<SeriesRef> dead;
  // Each affected list is filtered once, however many of its refs go.
  absl::flat_hash_map<std::string, absl::flat_hash_set<std::string>> touched;
  for (const auto& [ref, labels] : series) {
    dead.insert(ref);
    for (const Label& l : labels) touched[l.name].insert(l.value);
  }
  auto drop = [&](PostingsList& list) {
    std::erase_if(list, [&](SeriesRef r) { return dead.contains(r); });
  };
  std::unique_lock<std::shared_mutex> lock(mu_);
  for (const auto& [name, values] : touched) {
    auto nit = index_.find(name);
    if (nit == index_.end()) continue;
    for (const std::string& value : values) {
      auto vit = nit->second.find(value);
      if (vit == nit->second.end()) continue;
      drop(vit->second);
      if (vit->second.empty()) nit->second.erase(vit);
    }
    if (nit->second.empty()) index_.erase(nit);
  }
  drop(all_);
}

const PostingsList* MemPostings::Reader::Get(std::string_view name,
                                             std::string_view value) const {
  const ValueMap* values = Values(name);
  if (values == nullptr) return nullptr;
  auto it = values->find(absl::string_view(value.data(), value.size()));
  return it == values->end() ? nullptr : &it->second;
}

const MemPostings::ValueMap* MemPostings::Reader::Values(
    std::string_view name) const {
  auto it = p_.index_.find(absl::string_view(name.data(), name.size()));
  return it == p_.index_.end() ? nullptr : &it->second;
}

std::vector<std::string> MemPostings::Reader::Names() const {
  std::vector<std::string> out;
  out.reserve(p_.index_.size());
  for (const auto& [name, values] : p_.index_) out.push_back(name);
  return out;
}

}  // namespace vigil::tsdb
