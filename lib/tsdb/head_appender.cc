// The Head's Appender: validates and buffers one scrape's samples, then
// writes them under the commit lock and publishes them as one commit.
#include <memory>
#include <optional>
#include <vector>

#include "lib/tsdb/head_impl.h"
#include "lib/tsdb/head_wal.h"
#include "lib/tsdb/histogram_layout.h"

namespace vigil::tsdb {
namespace {

// Its series is kept alive by a pin of the appender's.
using PendingSample = CommitSample;
using PendingHistogram = CommitHistogramSample;

// A batch slot (MemSeries::BatchSlot) with this bit set is a position in
// the appender's histograms, else in its floats.
constexpr uint32_t kHistogramSlot = uint32_t{1} << 31;

// How many series ahead a pass over a batch fetches: a batch of a rule's
// output touches thousands of series, none of them in cache any more.
constexpr size_t kPrefetchAhead = 4;

class HeadAppender : public Appender {
 public:
  explicit HeadAppender(std::shared_ptr<Head::Impl> head)
      : head_(std::move(head)),
        id_(head_->next_appender_id.fetch_add(1, std::memory_order_relaxed)) {}
  ~HeadAppender() override { Rollback(); }

  absl::StatusOr<SeriesRef> Append(SeriesRef ref, const Labels& labels,
                                   int64_t t, double v) override;
  absl::StatusOr<SeriesRef> AppendHistogram(SeriesRef ref, const Labels& labels,
                                            int64_t t,
                                            const FloatHistogram& h) override;
  absl::Status Commit() override;
  void Rollback() override;

 private:
  // Append's and AppendHistogram's path: bounds, the series, `judge`'s
  // verdict against what it holds (setting the duplicate error), then
  // `buffer` keeps the sample and returns its batch slot.
  template <typename Judge, typename Buffer>
  absl::StatusOr<SeriesRef> AppendSample(SeriesRef ref, const Labels& labels,
                                         int64_t t, Judge judge, Buffer buffer);
  // The live series for (ref, labels), creating and indexing it if needed.
  // A series it creates comes pinned for this appender. Valid while guard_
  // lives.
  MemSeries* Resolve(SeriesRef ref, const Labels& labels);
  void ReleasePins();
  // After `s` was pinned for the sample at `slot` (a batch slot; `fresh`
  // when that took a new pin, `previous` the slot of the newest sample
  // before it under the same pin): records who releases the pin.
  void TrackPin(MemSeries* s, uint32_t previous, uint32_t slot, bool fresh);
  // The newest sample this appender buffered for `s`, if any.
  bool BatchLastOf(const MemSeries& s, MemSeries::BatchLast* last) const;
  // Counts a verdict that rejects or ignores a sample.
  void CountRejected(Verdict verdict);
  // Hand observed_ / observed_histograms_ to the commit observers; under
  // the commit lock.
  void Observe();
  void ObserveHistograms();

  std::shared_ptr<Head::Impl> head_;
  const uint64_t id_;
  // Taken at the first Append() of a batch and held to its end: a series
  // found by ref stays allocated from lookup to pin, and a pinned series
  // is never removed. One guard per batch, not per sample, because its
  // counter is shared by every thread.
  std::optional<StripeSeries::ReadGuard> guard_;
  std::vector<PendingSample> samples_;
  std::vector<PendingHistogram> histograms_;
  // One entry per pin taken, released at Commit/Rollback, but for those
  // releases_pin_ holds. A pinned series is not removed, so the Head keeps
  // it alive.
  std::vector<MemSeries*> pinned_;
  // Whether samples_[i] is the newest float buffered under one of this
  // appender's pins: its commit then releases that pin under the same lock
  // (a pass locking every series again after the commit was a tenth of
  // committing). A pin a histogram took, or one whose series also has a
  // histogram buffered (committed after the floats), stays in pinned_.
  std::vector<uint8_t> releases_pin_;
  // The samples a commit stored, when an observer wants them; reused.
  std::vector<const PendingSample*> observed_;
  std::vector<SeriesRef> observed_refs_;
  std::vector<Sample> observed_samples_;
  std::vector<const PendingHistogram*> observed_histograms_;
  std::vector<SeriesRef> observed_histogram_refs_;
  std::vector<int64_t> observed_histogram_ts_;
  std::vector<FloatHistogram> observed_histogram_copies_;
};

void HeadAppender::Observe() {
  observed_refs_.clear();
  observed_samples_.clear();
  for (const PendingSample* p : observed_) {
    observed_refs_.push_back(p->series->ref());
    observed_samples_.push_back({p->t, p->v});
  }
  // The series are pinned by this appender, so their labels stay readable.
  head_->commit_observer(
      observed_refs_.data(), observed_samples_.data(), observed_.size(),
      [this](size_t i) { return observed_[i]->series->labels(); });
}

void HeadAppender::ObserveHistograms() {
  observed_histogram_refs_.clear();
  observed_histogram_ts_.clear();
  observed_histogram_copies_.clear();
  for (const PendingHistogram* p : observed_histograms_) {
    observed_histogram_refs_.push_back(p->series->ref());
    observed_histogram_ts_.push_back(p->t);
    observed_histogram_copies_.push_back(p->h);
  }
  head_->histogram_commit_observer(
      observed_histogram_refs_.data(), observed_histogram_ts_.data(),
      observed_histogram_copies_.data(), observed_histograms_.size(),
      [this](size_t i) { return observed_histograms_[i]->series->labels(); });
}

MemSeries* HeadAppender::Resolve(SeriesRef ref, const Labels& labels) {
  if (ref != 0) {
    if (MemSeries* s = head_->series.Find(ref, *guard_)) return s;
  }
  if (labels.empty()) return nullptr;
  const uint64_t hash = labels.Hash();
  auto r = head_->series.GetOrCreate(hash, labels, id_);
  if (r.created) {
    head_->postings.Add(r.series->ref(), labels);
    head_->counters.series_created.fetch_add(1, std::memory_order_relaxed);
    pinned_.push_back(r.series.get());
  }
  // Removed from here on, it is still retired after guard_ was taken.
  return r.series.get();
}

template <typename Judge, typename Buffer>
absl::StatusOr<SeriesRef> HeadAppender::AppendSample(SeriesRef ref,
                                                     const Labels& labels,
                                                     int64_t t, Judge judge,
                                                     Buffer buffer) {
  HeadCounters& counters = head_->counters;
  if (t < head_->min_valid_time.load(std::memory_order_relaxed)) {
    counters.out_of_bounds_rejected.fetch_add(1, std::memory_order_relaxed);
    return OutOfBoundsError();
  }
  if (!guard_.has_value()) guard_.emplace(head_->series.refs());
  // GC may remove a series between lookup and lock; then look again (its
  // label set is created anew).
  for (SeriesRef try_ref = ref;; try_ref = 0) {
    MemSeries* s = Resolve(try_ref, labels);
    if (s == nullptr) return EmptyLabelsetError();
    std::lock_guard<SeriesMutex> lock(s->mu());
    if (s->removed()) {
      if (labels.empty()) return EmptyLabelsetError();
      continue;
    }
    MemSeries::BatchLast last;
    const MemSeries::BatchLast* batch =
        BatchLastOf(*s, &last) ? &last : nullptr;
    absl::Status duplicate;
    switch (judge(*s, batch, &duplicate)) {
      case Verdict::kAppend:
        break;
      case Verdict::kIgnoreDuplicate:
        counters.duplicates_ignored.fetch_add(1, std::memory_order_relaxed);
        return s->ref();
      case Verdict::kDuplicate:
        counters.duplicates_rejected.fetch_add(1, std::memory_order_relaxed);
        return duplicate;
      case Verdict::kOutOfOrder:
        counters.out_of_order_rejected.fetch_add(1, std::memory_order_relaxed);
        return OutOfOrderSampleError();
    }
    // A series this appender just created is pinned already, and Pin()
    // takes no second pin unless another appender pinned it in between.
    const uint32_t previous = s->BatchSlot(id_);
    const uint32_t slot = buffer(s);
    const bool fresh = s->Pin(id_, slot);
    TrackPin(s, previous, slot, fresh);
    return s->ref();
  }
}

void HeadAppender::TrackPin(MemSeries* s, uint32_t previous, uint32_t slot,
                            bool fresh) {
  const bool histogram = (slot & kHistogramSlot) != 0;
  if (!histogram) releases_pin_.push_back(0);
  // The pin's newest float so far, when it is to release the pin.
  uint8_t* releaser = nullptr;
  if (!fresh && previous != 0 && (previous & kHistogramSlot) == 0 &&
      previous <= releases_pin_.size() && releases_pin_[previous - 1] != 0) {
    releaser = &releases_pin_[previous - 1];
  }
  if (histogram) {
    if (fresh) {
      pinned_.push_back(s);
    } else if (releaser != nullptr) {
      *releaser = 0;
      pinned_.push_back(s);
    }
    return;
  }
  if (fresh) {
    releases_pin_.back() = 1;
  } else if (releaser != nullptr) {
    *releaser = 0;
    releases_pin_.back() = 1;
  }
}

absl::StatusOr<SeriesRef> HeadAppender::Append(SeriesRef ref,
                                               const Labels& labels, int64_t t,
                                               double v) {
  return AppendSample(
      ref, labels, t,
      [t, v](const MemSeries& s, const MemSeries::BatchLast* batch,
             absl::Status* duplicate) {
        double existing = 0;
        const Verdict verdict = s.Check(t, v, batch, &existing);
        if (verdict == Verdict::kDuplicate) {
          *duplicate = DuplicateSampleError(t, existing, v);
        }
        return verdict;
      },
      [this, t, v](MemSeries* s) {
        samples_.push_back({s, t, v});
        return static_cast<uint32_t>(samples_.size());
      });
}

bool HeadAppender::BatchLastOf(const MemSeries& s,
                               MemSeries::BatchLast* last) const {
  const uint32_t slot = s.BatchSlot(id_);
  if (slot == 0) return false;
  if ((slot & kHistogramSlot) != 0) {
    const uint32_t i = slot & ~kHistogramSlot;
    if (i == 0 || i > histograms_.size()) return false;
    const PendingHistogram& p = histograms_[i - 1];
    *last = {p.t, 0, &p.h};
    return true;
  }
  if (slot > samples_.size()) return false;
  *last = {samples_[slot - 1].t, samples_[slot - 1].v};
  return true;
}

absl::StatusOr<SeriesRef> HeadAppender::AppendHistogram(
    SeriesRef ref, const Labels& labels, int64_t t, const FloatHistogram& h) {
  // A marker's buckets are never stored: only real histograms must fit.
  if (!IsStaleNaN(h.sum)) {
    if (absl::Status s = ValidateStoredHistogram(h); !s.ok()) return s;
  }
  return AppendSample(
      ref, labels, t,
      [t, &h](const MemSeries& s, const MemSeries::BatchLast* batch,
              absl::Status* duplicate) {
        const Verdict verdict = s.CheckHistogram(t, h, batch);
        if (verdict == Verdict::kDuplicate) {
          // Prometheus reports a histogram duplicate without values.
          *duplicate = DuplicateSampleError(0, 0, 0);
        }
        return verdict;
      },
      [this, t, &h](MemSeries* s) {
        histograms_.push_back({s, t, h});
        return static_cast<uint32_t>(histograms_.size()) | kHistogramSlot;
      });
}

void HeadAppender::CountRejected(Verdict verdict) {
  HeadCounters& counters = head_->counters;
  switch (verdict) {
    case Verdict::kAppend:
      break;
    case Verdict::kIgnoreDuplicate:
      counters.duplicates_ignored.fetch_add(1, std::memory_order_relaxed);
      break;
    case Verdict::kDuplicate:
      counters.duplicates_rejected.fetch_add(1, std::memory_order_relaxed);
      break;
    case Verdict::kOutOfOrder:
      counters.out_of_order_rejected.fetch_add(1, std::memory_order_relaxed);
      break;
  }
}

absl::Status HeadAppender::Commit() {
  if (samples_.empty() && histograms_.empty()) {
    ReleasePins();
    return absl::OkStatus();
  }
  HeadCounters& counters = head_->counters;
  std::vector<std::string> sample_records;
  if (head_->wal_enabled.load(std::memory_order_acquire)) {
    sample_records = HeadWal::EncodeSamples(samples_, histograms_);
  }
  {
    std::lock_guard<std::mutex> commit_lock(head_->commit_mu);
    // Logged in commit order, before the samples become visible: replay
    // then repeats every verdict (out of order, duplicate) made here.
    if (head_->wal != nullptr) {
      head_->wal->LogCommit(samples_, histograms_, std::move(sample_records));
    }
    const uint64_t seq = head_->isolation.NextCommit();
    const uint64_t low = head_->isolation.LowWatermark();
    uint64_t appended = 0;
    CommitTally tally;
    const bool observed = head_->commit_observer != nullptr;
    if (observed) observed_.clear();
    for (size_t i = 0; i < samples_.size(); ++i) {
      if (i + kPrefetchAhead < samples_.size()) {
        samples_[i + kPrefetchAhead].series->Prefetch();
      }
      const PendingSample& p = samples_[i];
      std::lock_guard<SeriesMutex> lock(p.series->mu());
      // Another appender may have committed to the series since Append();
      // Prometheus drops such samples at commit and counts them.
      const Verdict verdict =
          p.series->Commit(p.t, p.v, seq, low, head_->chunk_options, tally);
      if (releases_pin_[i] != 0) p.series->Unpin(id_);
      if (verdict == Verdict::kAppend) {
        ++appended;
        if (observed) observed_.push_back(&p);
      } else {
        CountRejected(verdict);
      }
    }
    // After the floats, as Prometheus commits them (and as the log holds
    // them, so a replay repeats every verdict).
    const bool observed_histograms =
        head_->histogram_commit_observer != nullptr;
    if (observed_histograms) observed_histograms_.clear();
    for (const PendingHistogram& p : histograms_) {
      std::lock_guard<SeriesMutex> lock(p.series->mu());
      const Verdict verdict = p.series->CommitHistogram(
          p.t, p.h, seq, low, head_->chunk_options, tally);
      if (verdict == Verdict::kAppend) {
        ++appended;
        if (observed_histograms) observed_histograms_.push_back(&p);
      } else {
        CountRejected(verdict);
      }
    }
    counters.samples_appended.fetch_add(appended, std::memory_order_relaxed);
    tally.FlushTo(counters);
    head_->isolation.Publish(seq);
    if (observed && !observed_.empty()) Observe();
    if (observed_histograms && !observed_histograms_.empty()) {
      ObserveHistograms();
    }
  }
  samples_.clear();
  histograms_.clear();
  ReleasePins();
  return absl::OkStatus();
}

void HeadAppender::Rollback() {
  for (size_t i = 0; i < samples_.size(); ++i) {
    if (releases_pin_[i] == 0) continue;
    std::lock_guard<SeriesMutex> lock(samples_[i].series->mu());
    samples_[i].series->Unpin(id_);
  }
  samples_.clear();
  histograms_.clear();
  ReleasePins();
}

void HeadAppender::ReleasePins() {
  releases_pin_.clear();
  for (size_t i = 0; i < pinned_.size(); ++i) {
    if (i + kPrefetchAhead < pinned_.size()) {
      pinned_[i + kPrefetchAhead]->Prefetch();
    }
    MemSeries* s = pinned_[i];
    std::lock_guard<SeriesMutex> lock(s->mu());
    s->Unpin(id_);
  }
  pinned_.clear();
  // After the pins: until released, they kept the series alive instead.
  guard_.reset();
}

}  // namespace

std::unique_ptr<Appender> NewHeadAppender(std::shared_ptr<Head::Impl> head) {
  return std::make_unique<HeadAppender>(std::move(head));
}

}  // namespace vigil::tsdb
