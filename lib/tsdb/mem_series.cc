#include "lib/tsdb/mem_series.h"

#include <algorithm>
#include <bit>
#include <limits>

#include "lib/tsdb/histogram_layout.h"
#include "vigil/storage.h"

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

// Prometheus cuts a histogram chunk by size, not sample count: a kilobyte,
// once it holds at least a few samples.
constexpr size_t kHistogramChunkTargetBytes = 1024;
constexpr int kMinSamplesPerHistogramChunk = 10;

// The time of the n-th (1-based) sample of a chunk.
int64_t TimeOfSample(const Chunk& c, int n) {
  int64_t t = c.min_t();
  if (c.encoding() == ChunkEncoding::kFloatHistogram) {
    HistogramDecoder d(c.data(), c.size(), n);
    while (d.Next()) t = d.t();
    return t;
  }
  XorDecoder d(c.data(), c.size(), n);
  while (d.Next()) t = d.t();
  return t;
}

FloatHistogram StaleHistogram() {
  FloatHistogram h;
  h.sum = StaleNaN();
  return h;
}

// The common case: a histogram on exactly the chunk's spans.
bool SameSpans(const HistogramChunkLayout& layout, const FloatHistogram& h) {
  return layout.positive_spans == h.positive_spans &&
         layout.negative_spans == h.negative_spans;
}

Verdict JudgeHistogram(int64_t t, const FloatHistogram& h, int64_t last_t,
                       const FloatHistogram* last) {
  if (t > last_t) return Verdict::kAppend;
  if (t < last_t) return Verdict::kOutOfOrder;
  return last != nullptr && last->Equals(h) ? Verdict::kIgnoreDuplicate
                                            : Verdict::kDuplicate;
}

}  // namespace

Verdict MemSeries::Check(int64_t t, double v, const BatchLast* batch,
                         double* existing) const {
  const uint64_t bits = std::bit_cast<uint64_t>(v);
  Verdict verdict = Verdict::kAppend;
  uint64_t against = 0;
  bool after_histogram = false;
  if (batch != nullptr) {
    against = std::bit_cast<uint64_t>(batch->v);
    verdict = Judge(t, bits, batch->t, against);
    after_histogram = batch->h != nullptr;
  } else if (total_ > 0) {
    verdict = Judge(t, bits, last_t_, last_v_bits_);
    against = last_v_bits_;
    after_histogram = last_is_histogram_;
  }
  if (verdict == Verdict::kIgnoreDuplicate && after_histogram) {
    verdict = Verdict::kDuplicate;
  }
  if (existing != nullptr) *existing = std::bit_cast<double>(against);
  return verdict;
}

Verdict MemSeries::CheckHistogram(int64_t t, const FloatHistogram& h,
                                  const BatchLast* batch) const {
  if (batch != nullptr) return JudgeHistogram(t, h, batch->t, batch->h);
  if (total_ == 0) return Verdict::kAppend;
  return JudgeHistogram(t, h, last_t_,
                        last_is_histogram_ ? &hist_->last : nullptr);
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

void MemSeries::MarkCommit(uint64_t seq, uint64_t low_watermark) {
  // Marks at or below the watermark answer no open querier.
  size_t keep_from = 0;
  while (keep_from < marks_.size() && marks_[keep_from].seq <= low_watermark) {
    ++keep_from;
  }
  marks_.erase(marks_.begin(), marks_.begin() + keep_from);
  if (marks_.empty() || marks_.back().seq != seq) {
    marks_.push_back({seq, total_});
  }
}

Verdict MemSeries::Commit(int64_t t, double v, uint64_t seq,
                          uint64_t low_watermark, const ChunkOptions& opts,
                          CommitTally& tally) {
  const uint64_t bits = std::bit_cast<uint64_t>(v);
  if (hist_ != nullptr) [[unlikely]] {
    // Prometheus: a staleness marker ends a histogram series as a
    // histogram.
    if (last_is_histogram_ && bits == kStaleNaNBits) {
      return CommitHistogram(t, StaleHistogram(), seq, low_watermark, opts,
                             tally);
    }
    if (OpenIsHistogram()) {
      if (total_ > 0 && t <= last_t_) {
        return t < last_t_ ? Verdict::kOutOfOrder : Verdict::kDuplicate;
      }
      SealHead();
    }
  }
  if (total_ > 0) {
    Verdict verdict = Judge(t, bits, last_t_, last_v_bits_);
    if (verdict == Verdict::kIgnoreDuplicate && last_is_histogram_) {
      verdict = Verdict::kDuplicate;
    }
    if (verdict != Verdict::kAppend) return verdict;
  }
  MarkCommit(seq, low_watermark);

  if (head_.num_samples() > 0 &&
      (head_.num_samples() >= opts.samples_per_chunk ||
       t >= NextBoundary(head_min_t_, opts.chunk_range_ms))) {
    SealHead();
  }
  if (head_.num_samples() == 0) {
    head_min_t_ = t;
    ++tally.chunks_created;
  }
  const size_t before = head_.bytes().size();
  head_.Append(t, v);
  tally.chunk_bytes += static_cast<int64_t>(head_.bytes().size() - before);
  last_t_ = t;
  last_v_bits_ = bits;
  last_is_histogram_ = false;
  ++total_;
  return Verdict::kAppend;
}

bool MemSeries::NeedsNewHistogramChunk(int64_t t, const FloatHistogram& h,
                                       const ChunkOptions& opts) const {
  if (!OpenIsHistogram()) return true;
  const HistogramEncoder& open = *hist_->open;
  const HistogramChunkLayout& layout = open.layout();
  // After a staleness marker the series starts over.
  if (IsStaleNaN(hist_->last.sum)) return true;
  const bool gauge = h.counter_reset_hint == CounterResetHint::kGauge;
  if (gauge != (layout.header == CounterResetHint::kGauge)) return true;
  if (layout.schema != h.schema ||
      std::bit_cast<uint64_t>(layout.zero_threshold) !=
          std::bit_cast<uint64_t>(h.zero_threshold) ||
      !CustomBucketBoundsMatch(layout.custom_values, h.custom_values)) {
    return true;
  }
  if (layout.integer && !HasIntegerCounts(h)) return true;
  if (!gauge && h.DetectReset(hist_->last)) return true;
  const size_t bytes = open.bytes().size();
  return open.num_samples() >= opts.samples_per_chunk ||
         (bytes >= kHistogramChunkTargetBytes &&
          open.num_samples() >= kMinSamplesPerHistogramChunk) ||
         t >= NextBoundary(head_min_t_, opts.chunk_range_ms);
}

void MemSeries::WidenOpenHistogramChunk(const std::vector<int32_t>& positive,
                                        const std::vector<int32_t>& negative,
                                        CommitTally& tally) {
  const HistogramEncoder& old = *hist_->open;
  const std::vector<int32_t> old_positive =
      SpanIndices(old.layout().positive_spans);
  const std::vector<int32_t> old_negative =
      SpanIndices(old.layout().negative_spans);
  HistogramChunkLayout layout = old.layout();
  layout.positive_spans = IndexSpans(positive);
  layout.negative_spans = IndexSpans(negative);
  HistogramEncoder widened(std::move(layout));
  HistogramDecoder d(old.bytes().data(), old.bytes().size(), old.num_samples());
  while (d.Next()) {
    FloatHistogram h = d.At();
    if (!IsStaleNaN(h.sum)) {
      h.positive_buckets =
          ExpandBuckets(old_positive, h.positive_buckets, positive);
      h.negative_buckets =
          ExpandBuckets(old_negative, h.negative_buckets, negative);
    }
    widened.Append(d.t(), h);
  }
  tally.chunk_bytes += static_cast<int64_t>(widened.bytes().size()) -
                       static_cast<int64_t>(old.bytes().size());
  hist_->open = std::move(widened);
}

Verdict MemSeries::CommitHistogram(int64_t t, const FloatHistogram& h,
                                   uint64_t seq, uint64_t low_watermark,
                                   const ChunkOptions& opts,
                                   CommitTally& tally) {
  if (total_ > 0) {
    const Verdict verdict = JudgeHistogram(
        t, h, last_t_, last_is_histogram_ ? &hist_->last : nullptr);
    if (verdict != Verdict::kAppend) return verdict;
  }
  MarkCommit(seq, low_watermark);
  if (hist_ == nullptr) hist_ = std::make_unique<HistogramState>();
  const bool stale = IsStaleNaN(h.sum);
  const FloatHistogram* to_append = &h;
  FloatHistogram expanded;
  // A marker joins whatever histogram chunk is open, buckets unchanged.
  const bool cut =
      stale ? !OpenIsHistogram() || OpenSamples() >= opts.samples_per_chunk ||
                  t >= NextBoundary(head_min_t_, opts.chunk_range_ms)
            : NeedsNewHistogramChunk(t, h, opts);
  if (cut) {
    if (OpenSamples() > 0) SealHead();
    HistogramChunkLayout layout;
    // Prometheus: a chunk says CounterReset only for an explicit hint; a
    // detected reset (or any other cut) leaves Unknown for the reader to
    // work out.
    layout.header =
        h.counter_reset_hint == CounterResetHint::kGauge ||
                h.counter_reset_hint == CounterResetHint::kCounterReset
            ? h.counter_reset_hint
            : CounterResetHint::kUnknown;
    layout.schema = h.schema;
    layout.zero_threshold = stale ? 0 : h.zero_threshold;
    if (!stale) {
      layout.integer = HasIntegerCounts(h);
      layout.positive_spans = h.positive_spans;
      layout.negative_spans = h.negative_spans;
      layout.custom_values = h.custom_values;
    }
    hist_->open.emplace(std::move(layout));
    head_min_t_ = t;
    ++tally.chunks_created;
  } else if (!stale && !SameSpans(hist_->open->layout(), h)) {
    const HistogramChunkLayout& layout = hist_->open->layout();
    const std::vector<int32_t> own_positive = SpanIndices(h.positive_spans);
    const std::vector<int32_t> own_negative = SpanIndices(h.negative_spans);
    std::vector<int32_t> positive = SpanIndices(layout.positive_spans);
    std::vector<int32_t> negative = SpanIndices(layout.negative_spans);
    if (positive != own_positive || negative != own_negative) {
      std::vector<int32_t> wide_positive = UnionIndices(positive, own_positive);
      std::vector<int32_t> wide_negative = UnionIndices(negative, own_negative);
      if (wide_positive != positive || wide_negative != negative) {
        WidenOpenHistogramChunk(wide_positive, wide_negative, tally);
        positive = std::move(wide_positive);
        negative = std::move(wide_negative);
      }
      expanded = h;
      expanded.positive_buckets =
          ExpandBuckets(own_positive, h.positive_buckets, positive);
      expanded.negative_buckets =
          ExpandBuckets(own_negative, h.negative_buckets, negative);
      to_append = &expanded;
    }
  }
  HistogramEncoder& open = *hist_->open;
  const size_t before = open.bytes().size();
  open.Append(t, *to_append);
  tally.chunk_bytes += static_cast<int64_t>(open.bytes().size() - before);
  hist_->last = h;
  last_t_ = t;
  last_v_bits_ = 0;
  last_is_histogram_ = true;
  ++total_;
  return Verdict::kAppend;
}

bool MemSeries::RestoreChunk(ChunkPtr chunk, uint64_t seq,
                             HeadCounters& counters) {
  if (chunk->num_samples() <= 0 || chunk->min_t() > chunk->max_t() ||
      (total_ > 0 && chunk->min_t() <= last_t_)) {
    return false;
  }
  if (OpenSamples() > 0) SealHead();
  if (marks_.empty() || marks_.back().seq != seq) {
    marks_.push_back({seq, total_});
  }
  counters.chunks_created.fetch_add(1, std::memory_order_relaxed);
  counters.chunk_bytes.fetch_add(static_cast<int64_t>(chunk->size()),
                                 std::memory_order_relaxed);
  total_ += static_cast<uint64_t>(chunk->num_samples());
  last_t_ = chunk->max_t();
  last_is_histogram_ = chunk->encoding() == ChunkEncoding::kFloatHistogram;
  if (last_is_histogram_ && hist_ == nullptr) {
    hist_ = std::make_unique<HistogramState>();
  }
  sealed_.push_back(std::move(chunk));
  return true;
}

bool MemSeries::ResumeXorChunk(const Chunk& last, HeadCounters& counters) {
  XorEncoder resumed;
  if (!resumed.Resume(last.data(), last.size(), last.num_samples())) {
    return false;
  }
  counters.chunk_bytes.fetch_add(static_cast<int64_t>(resumed.bytes().size()) -
                                     static_cast<int64_t>(last.size()),
                                 std::memory_order_relaxed);
  head_min_t_ = last.min_t();
  head_ = std::move(resumed);
  last_t_ = head_.last_t();
  last_v_bits_ = head_.last_v_bits();
  last_is_histogram_ = false;
  sealed_.pop_back();
  return true;
}

bool MemSeries::ResumeHistogramChunk(const Chunk& last,
                                     HeadCounters& counters) {
  HistogramEncoder resumed{HistogramChunkLayout{}};
  if (!resumed.Resume(last.data(), last.size(), last.num_samples())) {
    return false;
  }
  // The newest histogram, for duplicates and counter resets.
  HistogramDecoder d(last.data(), last.size(), last.num_samples());
  FloatHistogram newest;
  while (d.Next()) {
    if (d.t() == resumed.last_t()) newest = d.At();
  }
  counters.chunk_bytes.fetch_add(static_cast<int64_t>(resumed.bytes().size()) -
                                     static_cast<int64_t>(last.size()),
                                 std::memory_order_relaxed);
  if (hist_ == nullptr) hist_ = std::make_unique<HistogramState>();
  head_min_t_ = last.min_t();
  hist_->open = std::move(resumed);
  hist_->last = std::move(newest);
  last_t_ = hist_->open->last_t();
  last_v_bits_ = 0;
  last_is_histogram_ = true;
  sealed_.pop_back();
  return true;
}

void MemSeries::ReopenLastChunk(HeadCounters& counters,
                                uint64_t* dropped_samples) {
  if (OpenSamples() > 0) return;
  while (!sealed_.empty()) {
    const Chunk& last = *sealed_.back();
    const bool resumed = last.encoding() == ChunkEncoding::kFloatHistogram
                             ? ResumeHistogramChunk(last, counters)
                             : ResumeXorChunk(last, counters);
    if (resumed) return;
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
  if (OpenIsHistogram()) {
    hist_->open.reset();
  } else {
    head_ = XorEncoder();
  }
}

ChunkPtr MemSeries::HeadCopy() const {
  if (OpenIsHistogram()) {
    return Chunk::Make(head_min_t_, last_t_, hist_->open->num_samples(),
                       hist_->open->bytes(), ChunkEncoding::kFloatHistogram);
  }
  return Chunk::Make(head_min_t_, last_t_, head_.num_samples(), head_.bytes());
}

uint64_t MemSeries::VisibleCount(uint64_t seq) const {
  for (const CommitMark& m : marks_) {
    if (m.seq > seq) return m.first_index;
  }
  return total_;
}

ChunkViews MemSeries::Snapshot(uint64_t seq, int64_t mint, int64_t maxt) {
  ChunkViews out;
  const uint64_t limit = VisibleCount(seq);
  // Sealed chunks ending before mint are skipped from the newest back, so
  // that a read of recent data touches only the chunks it needs (each
  // chunk's header is a cache miss). The open chunk's samples are the last
  // before total_.
  size_t from = sealed_.size();
  uint64_t index = total_ - static_cast<uint64_t>(OpenSamples());
  // Sealed chunks end before the open one begins: a read from within the
  // open chunk (an instant query's) touches none of them.
  const bool open_covers = OpenSamples() > 0 && head_min_t_ <= mint;
  while (!open_covers && from > 0 && sealed_[from - 1]->max_t() >= mint) {
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
  if (OpenSamples() > 0 && index < limit && head_min_t_ <= maxt &&
      last_t_ >= mint) {
    const uint64_t n = static_cast<uint64_t>(OpenSamples());
    if (!OpenIsHistogram() && limit - index >= n) {
      out.push_back(OpenXorView(static_cast<int>(n), mint));
    } else {
      consider(HeadCopy());
    }
  }
  return out;
}

ChunkView MemSeries::OpenXorView(int visible, int64_t mint) const {
  // The newest kept checkpoint whose sample before is older than mint:
  // nothing before it is read. Checkpoint i precedes sample (i + 1) * every.
  const XorCheckpoint* from = nullptr;
  int index = 0;
  for (int i = head_.num_checkpoints() - 1; i >= 0; --i) {
    const XorCheckpoint* cp = head_.checkpoint(i);
    if (cp == nullptr) break;
    index = (i + 1) * kXorCheckpointEvery;
    if (cp->t < mint && index < visible) {
      from = cp;
      break;
    }
  }
  if (from == nullptr) {
    return ChunkView{HeadCopy(), visible, head_min_t_, last_t_};
  }
  const XorCheckpoint& cp = *from;
  const std::span<const uint8_t> tail =
      std::span<const uint8_t>(head_.bytes()).subspan(cp.bit_pos / 8);
  ChunkView v;
  if (tail.size() <= ChunkView::kInlineBytes) {
    v = ChunkView(nullptr, visible, head_min_t_, last_t_);
    std::copy(tail.begin(), tail.end(), v.inline_bytes);
    v.inline_size = static_cast<uint8_t>(tail.size());
  } else {
    v = ChunkView(Chunk::Make(head_min_t_, last_t_, visible, tail), visible,
                  head_min_t_, last_t_);
  }
  v.from_index = index;
  v.from = cp;
  return v;
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
  if (sealed_.empty() && OpenSamples() > 0 && last_t_ < cutoff &&
      head_min_t_ > exempt_through) {
    first_index_ += static_cast<uint64_t>(OpenSamples());
    if (OpenIsHistogram()) {
      bytes += static_cast<int64_t>(hist_->open->bytes().size());
      hist_->open.reset();
    } else {
      bytes += static_cast<int64_t>(head_.bytes().size());
      head_ = XorEncoder();
    }
    ++removed;
  }
  counters.chunk_bytes.fetch_sub(bytes, std::memory_order_relaxed);
  counters.chunks_removed.fetch_add(static_cast<uint64_t>(removed),
                                    std::memory_order_relaxed);
  return removed;
}

}  // namespace vigil::tsdb
