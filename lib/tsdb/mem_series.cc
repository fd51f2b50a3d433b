#include "lib/tsdb/mem_series.h"

#include <algorithm>
#include <bit>
#include <limits>

namespace vigil::tsdb {
namespace {

// The first multiple of `range` after `t` (Prometheus aligns head chunks to
// its chunk range so that none straddles a block boundary).
int64_t NextBoundary(int64_t t, int64_t range) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (range <= 0) return kMax;
  int64_t q = t / range;
  if (t % range < 0) --q;
  if (q >= kMax / range - 1) return kMax;
  return (q + 1) * range;
}

Verdict Judge(int64_t t, uint64_t v_bits, int64_t last_t,
              uint64_t last_v_bits) {
  if (t > last_t) return Verdict::kAppend;
  if (t < last_t) return Verdict::kOutOfOrder;
  // Prometheus accepts exact duplicates silently: federation and re-sent
  // scrapes produce them legitimately.
  return v_bits == last_v_bits ? Verdict::kIgnoreDuplicate
                               : Verdict::kDuplicate;
}

// The time of the n-th (1-based) sample of a chunk.
int64_t TimeOfSample(const Chunk& c, int n) {
  XorDecoder d(c.data(), c.size(), n);
  int64_t t = c.min_t();
  while (d.Next()) t = d.t();
  return t;
}

}  // namespace

Verdict MemSeries::Check(int64_t t, double v, const BatchLast* batch,
                         double* existing) const {
  const uint64_t bits = std::bit_cast<uint64_t>(v);
  Verdict verdict = Verdict::kAppend;
  uint64_t against = 0;
  if (batch != nullptr) {
    against = std::bit_cast<uint64_t>(batch->v);
    verdict = Judge(t, bits, batch->t, against);
  } else if (total_ > 0) {
    verdict = Judge(t, bits, last_t_, last_v_bits_);
    against = last_v_bits_;
  }
  if (existing != nullptr) *existing = std::bit_cast<double>(against);
  return verdict;
}

bool MemSeries::Pin(uint64_t appender, uint32_t slot) {
  bool fresh = false;
  if (pin_appender_ != appender) {
    ++pending_;
    pin_appender_ = appender;
    fresh = true;
  }
  batch_slot_ = slot;
  return fresh;
}

void MemSeries::PinNew(uint64_t appender) {
  ++pending_;
  pin_appender_ = appender;
  batch_slot_ = 0;
}

void MemSeries::Unpin(uint64_t appender) {
  if (pending_ > 0) --pending_;
  if (pin_appender_ == appender) {
    pin_appender_ = 0;
    batch_slot_ = 0;
  }
}

Verdict MemSeries::Commit(int64_t t, double v, uint64_t seq,
                          uint64_t low_watermark, const ChunkOptions& opts,
                          HeadCounters& counters) {
  const uint64_t bits = std::bit_cast<uint64_t>(v);
  if (total_ > 0) {
    const Verdict verdict = Judge(t, bits, last_t_, last_v_bits_);
    if (verdict != Verdict::kAppend) return verdict;
  }
  // Marks at or below the watermark answer no open querier.
  size_t keep_from = 0;
  while (keep_from < marks_.size() && marks_[keep_from].seq <= low_watermark) {
    ++keep_from;
  }
  marks_.erase(marks_.begin(), marks_.begin() + keep_from);
  if (marks_.empty() || marks_.back().seq != seq) {
    marks_.push_back({seq, total_});
  }

  if (head_.num_samples() > 0 &&
      (head_.num_samples() >= opts.samples_per_chunk ||
       t >= NextBoundary(head_min_t_, opts.chunk_range_ms))) {
    SealHead();
  }
  if (head_.num_samples() == 0) {
    head_min_t_ = t;
    counters.chunks_created.fetch_add(1, std::memory_order_relaxed);
  }
  const size_t before = head_.bytes().size();
  head_.Append(t, v);
  counters.chunk_bytes.fetch_add(
      static_cast<int64_t>(head_.bytes().size() - before),
      std::memory_order_relaxed);
  last_t_ = t;
  last_v_bits_ = bits;
  ++total_;
  return Verdict::kAppend;
}

bool MemSeries::RestoreChunk(ChunkPtr chunk, uint64_t seq,
                             HeadCounters& counters) {
  if (chunk->num_samples() <= 0 || chunk->min_t() > chunk->max_t() ||
      (total_ > 0 && chunk->min_t() <= last_t_)) {
    return false;
  }
  if (head_.num_samples() > 0) SealHead();
  if (marks_.empty() || marks_.back().seq != seq) {
    marks_.push_back({seq, total_});
  }
  counters.chunks_created.fetch_add(1, std::memory_order_relaxed);
  counters.chunk_bytes.fetch_add(static_cast<int64_t>(chunk->size()),
                                 std::memory_order_relaxed);
  total_ += static_cast<uint64_t>(chunk->num_samples());
  last_t_ = chunk->max_t();
  sealed_.push_back(std::move(chunk));
  return true;
}

void MemSeries::ReopenLastChunk(HeadCounters& counters,
                                uint64_t* dropped_samples) {
  if (head_.num_samples() > 0) return;
  while (!sealed_.empty()) {
    const Chunk& last = *sealed_.back();
    XorEncoder resumed;
    if (resumed.Resume(last.data(), last.size(), last.num_samples())) {
      counters.chunk_bytes.fetch_add(
          static_cast<int64_t>(resumed.bytes().size()) -
              static_cast<int64_t>(last.size()),
          std::memory_order_relaxed);
      head_min_t_ = last.min_t();
      head_ = std::move(resumed);
      last_t_ = head_.last_t();
      last_v_bits_ = head_.last_v_bits();
      sealed_.pop_back();
      return;
    }
    const uint64_t n = static_cast<uint64_t>(last.num_samples());
    *dropped_samples += n;
    total_ -= n;
    counters.chunk_bytes.fetch_sub(static_cast<int64_t>(last.size()),
                                   std::memory_order_relaxed);
    counters.chunks_removed.fetch_add(1, std::memory_order_relaxed);
    sealed_.pop_back();
  }
}

void MemSeries::SealHead() {
  sealed_.push_back(HeadCopy());
  head_ = XorEncoder();
}

ChunkPtr MemSeries::HeadCopy() const {
  return Chunk::Make(head_min_t_, last_t_, head_.num_samples(), head_.bytes());
}

uint64_t MemSeries::VisibleCount(uint64_t seq) const {
  for (const CommitMark& m : marks_) {
    if (m.seq > seq) return m.first_index;
  }
  return total_;
}

std::vector<ChunkView> MemSeries::Snapshot(uint64_t seq, int64_t mint,
                                           int64_t maxt) {
  std::vector<ChunkView> out;
  const uint64_t limit = VisibleCount(seq);
  // Sealed chunks ending before mint are skipped from the newest back, so
  // that a read of recent data touches only the chunks it needs (each
  // chunk's header is a cache miss). The open chunk's samples are the last
  // before total_.
  size_t from = sealed_.size();
  uint64_t index = total_ - static_cast<uint64_t>(head_.num_samples());
  while (from > 0 && sealed_[from - 1]->max_t() >= mint) {
    --from;
    index -= static_cast<uint64_t>(sealed_[from]->num_samples());
  }
  auto consider = [&](const ChunkPtr& c) {
    if (limit <= index) return false;
    const uint64_t n = static_cast<uint64_t>(c->num_samples());
    const int visible = static_cast<int>(std::min(n, limit - index));
    index += n;
    if (c->min_t() > maxt) return false;  // so is every later chunk
    if (c->max_t() < mint) return true;
    ChunkView v{c, visible, c->min_t(), c->max_t()};
    if (visible < c->num_samples()) {
      // Only a querier older than the chunk's newest commit gets here.
      v.max_t = TimeOfSample(*c, visible);
      if (v.max_t < mint) return true;
    }
    out.push_back(std::move(v));
    return true;
  };
  for (size_t i = from; i < sealed_.size(); ++i) {
    if (!consider(sealed_[i])) return out;
  }
  // Copy the open chunk only for a reader that sees some of it.
  if (head_.num_samples() > 0 && index < limit && head_min_t_ <= maxt &&
      last_t_ >= mint) {
    consider(HeadCopy());
  }
  return out;
}

int MemSeries::Truncate(int64_t cutoff, int64_t exempt_through,
                        HeadCounters& counters) {
  size_t drop = 0;
  int64_t bytes = 0;
  while (drop < sealed_.size() && sealed_[drop]->max_t() < cutoff &&
         sealed_[drop]->min_t() > exempt_through) {
    first_index_ += static_cast<uint64_t>(sealed_[drop]->num_samples());
    bytes += static_cast<int64_t>(sealed_[drop]->size());
    ++drop;
  }
  sealed_.erase(sealed_.begin(), sealed_.begin() + drop);
  int removed = static_cast<int>(drop);
  if (sealed_.empty() && head_.num_samples() > 0 && last_t_ < cutoff &&
      head_min_t_ > exempt_through) {
    first_index_ += static_cast<uint64_t>(head_.num_samples());
    bytes += static_cast<int64_t>(head_.bytes().size());
    head_ = XorEncoder();
    ++removed;
  }
  counters.chunk_bytes.fetch_sub(bytes, std::memory_order_relaxed);
  counters.chunks_removed.fetch_add(static_cast<uint64_t>(removed),
                                    std::memory_order_relaxed);
  return removed;
}

}  // namespace vigil::tsdb
