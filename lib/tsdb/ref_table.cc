#include "lib/tsdb/ref_table.h"

#include <algorithm>
#include <utility>

#include "lib/tsdb/mem_series.h"

namespace vigil::tsdb {
namespace {

constexpr size_t kInitialSegments = 16;

}  // namespace

// Entering re-reads the epoch after counting itself: a Reclaim() that
// advanced the epoch meanwhile may have seen this parity drained already,
// so the guard counts itself again under the new one. All seq_cst: the
// count must be ordered before the epoch check, as Reclaim()'s epoch store
// is before its drain check.
RefTable::Guard::Guard(const RefTable& table) : table_(table) {
  for (;;) {
    parity_ = table_.epoch_.load();
    table_.readers_[parity_].n.fetch_add(1);
    if (table_.epoch_.load() == parity_) return;
    table_.readers_[parity_].n.fetch_sub(1, std::memory_order_release);
  }
}

RefTable::Guard::~Guard() {
  table_.readers_[parity_].n.fetch_sub(1, std::memory_order_release);
}

RefTable::Directory::Directory(size_t n)
    : size(n), segments(new std::atomic<Segment*>[n]()) {}

RefTable::RefTable() {
  dirs_.push_back(std::make_unique<Directory>(kInitialSegments));
  dir_.store(dirs_.back().get(), std::memory_order_release);
}

RefTable::~RefTable() = default;

MemSeries* RefTable::Find(SeriesRef ref, const Guard& /*guard*/) const {
  if (ref >= kDenseRefs) [[unlikely]] {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sparse_.find(ref);
    return it == sparse_.end() ? nullptr : it->second;
  }
  const Directory* dir = dir_.load(std::memory_order_acquire);
  const size_t index = ref >> kRefSegmentBits;
  if (index >= dir->size) return nullptr;
  const Segment* segment = dir->segments[index].load(std::memory_order_acquire);
  if (segment == nullptr) return nullptr;
  return segment->slots[ref & (kRefSegment - 1)].load(
      std::memory_order_acquire);
}

RefTable::Segment& RefTable::SegmentFor(size_t index) {
  if (index >= segments_.size()) segments_.resize(index + 1);
  std::unique_ptr<Segment>& segment = segments_[index];
  if (segment != nullptr) return *segment;
  segment = std::make_unique<Segment>();
  const Directory* dir = dirs_.back().get();
  if (index >= dir->size) {
    // Readers of the old directory still find what it held: its segments
    // are the same until one is retired, which they are guarded against.
    auto grown =
        std::make_unique<Directory>(std::max(index + 1, 2 * dir->size));
    for (size_t i = 0; i < dir->size; ++i) {
      grown->segments[i].store(dir->segments[i].load(std::memory_order_relaxed),
                               std::memory_order_relaxed);
    }
    dirs_.push_back(std::move(grown));
    dir = dirs_.back().get();
    dir_.store(dir, std::memory_order_release);
  }
  dir->segments[index].store(segment.get(), std::memory_order_release);
  return *segment;
}

void RefTable::Set(SeriesRef ref, MemSeries* series) {
  std::lock_guard<std::mutex> lock(mu_);
  if (ref >= kDenseRefs) [[unlikely]] {
    sparse_[ref] = series;
    return;
  }
  Segment& segment = SegmentFor(ref >> kRefSegmentBits);
  std::atomic<MemSeries*>& slot = segment.slots[ref & (kRefSegment - 1)];
  if (slot.load(std::memory_order_relaxed) == nullptr) ++segment.live;
  slot.store(series, std::memory_order_release);
}

void RefTable::Erase(SeriesRef ref, std::shared_ptr<MemSeries> owner) {
  std::lock_guard<std::mutex> lock(mu_);
  since_flip_.series.push_back(std::move(owner));
  if (ref >= kDenseRefs) [[unlikely]] {
    sparse_.erase(ref);
    return;
  }
  const size_t index = ref >> kRefSegmentBits;
  if (index >= segments_.size() || segments_[index] == nullptr) return;
  Segment& segment = *segments_[index];
  std::atomic<MemSeries*>& slot = segment.slots[ref & (kRefSegment - 1)];
  if (slot.load(std::memory_order_relaxed) == nullptr) return;
  slot.store(nullptr, std::memory_order_release);
  if (--segment.live > 0) return;
  // Series come and go (pods are replaced): refs only grow, and segments
  // of refs long gone would otherwise stay.
  dirs_.back()->segments[index].store(nullptr, std::memory_order_release);
  since_flip_.segments.push_back(std::move(segments_[index]));
}

size_t RefTable::Reclaim() {
  std::vector<Retired> released;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Twice: with no guard about, what was just retired goes at once.
    for (int round = 0; round < 2; ++round) {
      const uint32_t current = epoch_.load();
      if (readers_[1 - current].n.load() != 0) break;
      // No guard from before the last advance remains: what was retired
      // before it is unreachable.
      released.push_back(std::move(before_flip_));
      before_flip_ = Retired();
      if (since_flip_.empty()) break;
      // Guards entering from here on cannot find what since_flip_ holds
      // (it was unlinked before this store); those of `current` may.
      before_flip_ = std::move(since_flip_);
      since_flip_ = Retired();
      epoch_.store(1 - current);
    }
  }
  // Freed outside the lock: a series' destructor releases its labels.
  size_t n = 0;
  for (const Retired& r : released) n += r.series.size();
  return n;
}

size_t RefTable::RetiredCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return since_flip_.series.size() + before_flip_.series.size();
}

}  // namespace vigil::tsdb
