// MemSeries: one series' samples in memory, after Prometheus's memSeries
// (tsdb/head.go). Internal.
//
// Samples live in XOR chunks, or histogram chunks for native histogram
// samples (a new chunk whenever the series switches): sealed ones are immutable
// and shared with readers by pointer; the open (head) chunk is written in place
// and each snapshot gets its own copy of it (not cached: a copy kept per series
// until the next append cost about 80 bytes for every series a rule reads):
// a reader of recent samples, only of the bytes from the newest decoding
// checkpoint before its window on (xor_chunk.h).
// Every sample has a cumulative index (0 for the first ever appended); commit
// marks record the index at which each recent commit started, so that a querier
// opened at commit sequence S sees exactly the samples committed at or before
// S.
//
// Labels are kept as symbols of the Head's SymbolTable, which must outlive
// the series; labels() rebuilds a Labels value.
//
// Thread safety: everything but ref(), labels() and HasLabels() requires
// mu().
//
// Fields are ordered to pack: a Head holds hundreds of thousands of these.
#ifndef VIGIL_LIB_TSDB_MEM_SERIES_H_
#define VIGIL_LIB_TSDB_MEM_SERIES_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "lib/tsdb/chunk.h"
#include "lib/tsdb/head_counters.h"
#include "lib/tsdb/histogram_chunk.h"
#include "lib/tsdb/interned_labels.h"
#include "lib/tsdb/series_mutex.h"
#include "lib/tsdb/symbol_table.h"
#include "lib/tsdb/xor_chunk.h"
#include "vigil/labels.h"
#include "vigil/tsdb.h"

namespace vigil::tsdb {

// What a reader may see of a chunk: its first num_samples samples, whose
// times span [min_t, max_t].
struct ChunkView {
  ChunkView() = default;
  ChunkView(ChunkPtr c, int n, int64_t min, int64_t max)
      : chunk(std::move(c)), num_samples(n), min_t(min), max_t(max) {}

  ChunkPtr chunk;
  int num_samples = 0;
  int64_t min_t = 0;
  int64_t max_t = 0;
  // When > 0, only samples from_index on are to be read: data() holds an
  // XOR chunk's bytes from the one holding bit from.bit_pos on, and a
  // decoder starts at checkpoint `from` (an open chunk read from a
  // checkpoint; see xor_chunk.h). A tail this short is kept in the view
  // itself (`chunk` null): an instant query reads a few dozen bytes of each
  // series, and an allocation for each, and its release, cost more.
  int from_index = 0;
  uint8_t inline_size = 0;
  XorCheckpoint from;
  static constexpr size_t kInlineBytes = 48;
  uint8_t inline_bytes[kInlineBytes];

  const uint8_t* data() const {
    return chunk == nullptr ? inline_bytes : chunk->data();
  }
  size_t size() const { return chunk == nullptr ? inline_size : chunk->size(); }
};

// A snapshot's views, oldest first: a read of recent samples sees one or
// two chunks, kept inline rather than in an allocation per series read.
using ChunkViews = absl::InlinedVector<ChunkView, 2>;

// How a sample relates to what a series already holds.
enum class Verdict {
  kAppend,
  kIgnoreDuplicate,  // same t, same value bits: dropped silently
  kDuplicate,        // same t, different value
  kOutOfOrder,
};

struct ChunkOptions {
  int samples_per_chunk = kDefaultSamplesPerChunk;
  int64_t chunk_range_ms = kDefaultChunkRangeMs;
};

class MemSeries {
 public:
  MemSeries(SeriesRef ref, const Labels& labels, SymbolTable& symbols)
      : ref_(ref), symbols_(symbols), labels_(labels, symbols) {}
  ~MemSeries() { labels_.Release(symbols_); }
  MemSeries(const MemSeries&) = delete;
  MemSeries& operator=(const MemSeries&) = delete;

  SeriesRef ref() const { return ref_; }
  Labels labels() const {
    return labels_.ToLabels(SymbolTable::Reader(symbols_));
  }
  // The same under a reader the caller holds for many series.
  Labels labels(const SymbolTable::Reader& symbols) const {
    return labels_.ToLabels(symbols);
  }
  bool HasLabels(const Labels& labels) const {
    return labels_.Equals(labels, SymbolTable::Reader(symbols_));
  }
  SeriesMutex& mu() const { return mu_; }

  // Whether the write-ahead log holds this series' record, so samples of it
  // may be logged. Guarded by the Head's commit lock, under which all
  // logging happens, not by mu().
  bool wal_logged() const { return wal_logged_; }
  void set_wal_logged(bool logged) { wal_logged_ = logged; }

  // GC removed the series from the index; appenders must look it up again.
  bool removed() const { return removed_; }
  void MarkRemoved() { removed_ = true; }
  // Appenders holding uncommitted samples for the series; GC spares it.
  uint32_t pending() const { return pending_; }
  bool HasChunks() const { return !sealed_.empty() || OpenSamples() > 0; }

  // The newest sample an appender has buffered for the series; `h` is set
  // for a histogram sample.
  struct BatchLast {
    int64_t t;
    double v;
    const FloatHistogram* h = nullptr;
  };
  // Judges (t, v) against the committed samples, or against `batch` (the
  // caller's newest buffered sample) when given. `existing` gets the value a
  // duplicate clashes with. A float and a histogram at one time clash.
  Verdict Check(int64_t t, double v, const BatchLast* batch,
                double* existing) const;
  // The same for a histogram sample: a duplicate is one at the same time
  // that is not Equals() to it.
  Verdict CheckHistogram(int64_t t, const FloatHistogram& h,
                         const BatchLast* batch) const;
  // Where `appender` keeps its newest buffered sample for the series (a
  // 1-based position in its own buffer), when it pinned the series last;
  // else 0. The samples stay with the appender: three words per series
  // here would be paid by every series, all the time.
  uint32_t BatchSlot(uint64_t appender) const {
    return pin_appender_ == appender ? batch_slot_ : 0;
  }
  // Records that `appender` buffered a sample at `slot`. True when this
  // pinned the series anew: the appender must Unpin() it once per true.
  bool Pin(uint64_t appender, uint32_t slot);
  // Pins without a buffered sample (a series created by `appender`).
  void PinNew(uint64_t appender);
  void Unpin(uint64_t appender);

  // Hints the CPU to fetch the series itself, as a commit of a batch does a
  // few series ahead: they are scattered over the heap. Reads nothing, so
  // needs no lock.
  void Prefetch() const {
    const char* p = reinterpret_cast<const char*>(this);
    for (size_t off = 0; off < sizeof(MemSeries); off += 64) {
      __builtin_prefetch(p + off);
    }
  }

  // Hints the CPU to fetch the open chunk's tail, which the next Commit()
  // writes. Without mu(): only for a thread that alone appends to the
  // series (a replay), where the pointer read cannot race.
  void PrefetchOpenChunk() const { head_.PrefetchTail(); }

  // Stores a sample of commit `seq`. Marks of commits no open querier can
  // need (at or below `low_watermark`) are dropped on the way.
  // A staleness marker for a series whose newest sample is a histogram is
  // stored as a histogram staleness marker, as Prometheus does.
  // The chunks and bytes it adds are summed into `tally`.
  Verdict Commit(int64_t t, double v, uint64_t seq, uint64_t low_watermark,
                 const ChunkOptions& opts, CommitTally& tally);
  // Stores a histogram sample (ValidateStoredHistogram()ed) of commit
  // `seq`; see histogram_chunk.h for when a chunk is cut.
  Verdict CommitHistogram(int64_t t, const FloatHistogram& h, uint64_t seq,
                          uint64_t low_watermark, const ChunkOptions& opts,
                          CommitTally& tally);

  // Loading a snapshot, with nothing else touching the series: adds `chunk`
  // as it is, as part of commit `seq`, without decoding it. False when it
  // does not follow what the series holds (strictly newer, non-empty); the
  // caller then commits its samples one by one. Until ReopenLastChunk(),
  // the series takes no Commit().
  bool RestoreChunk(ChunkPtr chunk, uint64_t seq, HeadCounters& counters);
  // After the last RestoreChunk(): the newest chunk becomes the open one
  // again, so appends continue it as they would have. A chunk whose bytes
  // do not hold its samples is dropped (and counted in `dropped_samples`)
  // and the one before it tried.
  void ReopenLastChunk(HeadCounters& counters, uint64_t* dropped_samples);

  // The chunks a querier opened at commit `seq` sees overlapping
  // [mint, maxt], oldest first.
  ChunkViews Snapshot(uint64_t seq, int64_t mint, int64_t maxt);

  // Drops chunks whose newest sample is older than `cutoff`, oldest first,
  // stopping at one that holds a sample at or before `exempt_through`;
  // returns how many went.
  int Truncate(int64_t cutoff, int64_t exempt_through, HeadCounters& counters);

 private:
  struct CommitMark {
    uint64_t seq;
    uint64_t first_index;  // index of the commit's first sample here
  };

  // The open histogram chunk and the newest histogram, for series that
  // ever had one: a float series pays a pointer, not their size.
  struct HistogramState {
    std::optional<HistogramEncoder> open;
    FloatHistogram last;  // as committed; its sum is StaleNaN for a marker
  };

  uint64_t VisibleCount(uint64_t seq) const;
  void MarkCommit(uint64_t seq, uint64_t low_watermark);
  void SealHead();
  ChunkPtr HeadCopy() const;
  // The open XOR chunk's view for a reader of samples from `mint` on, of
  // its first `visible` samples: when a checkpoint lies before mint, only
  // the bytes from it on are copied, and decoding starts there.
  ChunkView OpenXorView(int visible, int64_t mint) const;
  // ReopenLastChunk's: make `last`, the newest sealed chunk, the open one.
  bool ResumeXorChunk(const Chunk& last, HeadCounters& counters);
  bool ResumeHistogramChunk(const Chunk& last, HeadCounters& counters);
  bool OpenIsHistogram() const {
    return hist_ != nullptr && hist_->open.has_value();
  }
  int OpenSamples() const {
    return OpenIsHistogram() ? hist_->open->num_samples() : head_.num_samples();
  }
  // Whether histogram `h` (not a marker) must start a new chunk rather
  // than join the open histogram chunk.
  bool NeedsNewHistogramChunk(int64_t t, const FloatHistogram& h,
                              const ChunkOptions& opts) const;
  // Re-encodes the open histogram chunk on `positive`/`negative` spans, a
  // superset of its own.
  void WidenOpenHistogramChunk(const std::vector<int32_t>& positive,
                               const std::vector<int32_t>& negative,
                               CommitTally& tally);

  const SeriesRef ref_;
  SymbolTable& symbols_;
  InternedLabels labels_;
  mutable SeriesMutex mu_;
  uint32_t pending_ = 0;

  std::vector<ChunkPtr> sealed_;
  XorEncoder head_;
  std::unique_ptr<HistogramState> hist_;
  int64_t head_min_t_ = 0;  // the head's newest sample is last_t_

  int64_t last_t_ = 0;
  uint64_t last_v_bits_ = 0;
  uint64_t total_ = 0;        // samples ever committed (GC does not lower it)
  uint64_t first_index_ = 0;  // index of the oldest retained sample
  absl::InlinedVector<CommitMark, 1> marks_;

  uint64_t pin_appender_ = 0;  // the appender that pinned last, 0 if none
  uint32_t batch_slot_ = 0;    // see BatchSlot()
  bool removed_ = false;
  bool wal_logged_ = false;
  bool last_is_histogram_ = false;  // the newest committed sample is one
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_MEM_SERIES_H_
