// Logging commits to the write-ahead log and replaying it; see head_wal.h.
#include "lib/tsdb/head_wal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "lib/tsdb/head_impl.h"
#include "lib/tsdb/replay_committer.h"
#include "lib/tsdb/wal_records.h"

namespace vigil::tsdb {

namespace {

// Records stay far below a segment and cheap to hold while decoding.
constexpr size_t kSeriesPerRecord = 4096;
constexpr size_t kSamplesPerRecord = 8192;
// A histogram entry is some 20 times a float's.
constexpr size_t kHistogramsPerRecord = 512;
constexpr int64_t kFailureLogIntervalMs = 60'000;

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

absl::Status Errno(const char* what, const std::string& path) {
  return absl::FailedPreconditionError(
      absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

absl::Status MakeDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return Errno("cannot stat", path);
    if (!S_ISDIR(st.st_mode)) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, " is not a directory"));
    }
    return absl::OkStatus();
  }
  return Errno("cannot create storage directory", path);
}

}  // namespace

HeadWal::HeadWal(WalOptions options, std::unique_ptr<wal::Writer> writer,
                 int lock_fd, WalReplayStats replay)
    : options_(std::move(options)),
      writer_(std::move(writer)),
      lock_fd_(lock_fd),
      replay_(replay) {
  // The segments replayed count toward the next checkpoint, which is due
  // once they outweigh the snapshot loaded.
  written_at_snapshot_ = -replay.replayed_bytes;
  snapshot_bytes_ = replay.snapshot_bytes;
  if (options_.sync_interval_ms > 0) {
    syncer_ = std::thread([this] { SyncLoop(); });
  }
}

HeadWal::~HeadWal() {
  {
    std::lock_guard lock(sync_mu_);
    stop_ = true;
  }
  sync_cv_.notify_all();
  if (syncer_.joinable()) syncer_.join();
  writer_.reset();    // flushes and syncs the segment
  ::close(lock_fd_);  // releases the flock
}

void HeadWal::SyncLoop() {
  std::unique_lock lock(sync_mu_);
  while (!stop_) {
    sync_cv_.wait_for(lock,
                      std::chrono::milliseconds(options_.sync_interval_ms));
    if (stop_) break;
    lock.unlock();
    const auto start = std::chrono::steady_clock::now();
    const absl::Status s = writer_->Sync();
    fsync_nanos_.fetch_add(
        static_cast<uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::steady_clock::now() - start)
                .count()),
        std::memory_order_relaxed);
    if (!s.ok()) write_failures_.fetch_add(1, std::memory_order_relaxed);
    lock.lock();
  }
}

void HeadWal::Report(const absl::Status& status) {
  const int64_t now =
      options_.monotonic_ms ? options_.monotonic_ms() : SteadyMs();
  if (failing_ && now - last_failure_log_ms_ < kFailureLogIntervalMs) return;
  last_failure_log_ms_ = now;
  if (options_.log) {
    options_.log(absl::StrCat(
        "Writing the write-ahead log failed; samples stay in memory only "
        "until it works again (",
        write_failures_.load(std::memory_order_relaxed),
        " failed writes so far): ", status.message()));
  }
}

std::vector<std::string> HeadWal::EncodeSamples(
    const std::vector<CommitSample>& samples,
    const std::vector<CommitHistogramSample>& histograms) {
  std::vector<std::string> records;
  std::vector<wal::SampleEntry> batch;
  batch.reserve(std::min(samples.size(), kSamplesPerRecord));
  auto flush = [&] {
    std::string& r = records.emplace_back();
    wal::EncodeSamples(batch.data(), batch.size(), &r);
    wal::CompressRecord(&r);
    batch.clear();
  };
  for (const CommitSample& s : samples) {
    batch.push_back({s.series->ref(), s.t, s.v});
    if (batch.size() == kSamplesPerRecord) flush();
  }
  if (!batch.empty()) flush();
  // After the floats: the order the commit applies them in.
  std::vector<wal::HistogramSampleEntry> hbatch;
  auto flush_histograms = [&] {
    std::string& r = records.emplace_back();
    wal::EncodeHistogramSamples(hbatch.data(), hbatch.size(), &r);
    wal::CompressRecord(&r);
    hbatch.clear();
  };
  for (const CommitHistogramSample& s : histograms) {
    hbatch.push_back({s.series->ref(), s.t, s.h});
    if (hbatch.size() == kHistogramsPerRecord) flush_histograms();
  }
  if (!hbatch.empty()) flush_histograms();
  return records;
}

void HeadWal::LogCommit(const std::vector<CommitSample>& samples,
                        const std::vector<CommitHistogramSample>& histograms,
                        std::vector<std::string> sample_records) {
  records_.clear();
  std::vector<wal::SeriesEntry> fresh;
  std::vector<MemSeries*> marked;
  auto flush = [&] {
    std::string& r = records_.emplace_back();
    wal::EncodeSeries(fresh, &r);
    wal::CompressRecord(&r);
    fresh.clear();
  };
  auto mark = [&](MemSeries* series) {
    if (series->wal_logged()) return;
    series->set_wal_logged(true);
    marked.push_back(series);
    fresh.push_back({series->ref(), series->labels()});
    if (fresh.size() == kSeriesPerRecord) flush();
  };
  for (const CommitSample& s : samples) mark(s.series);
  for (const CommitHistogramSample& s : histograms) mark(s.series);
  if (!fresh.empty()) flush();
  for (std::string& r : sample_records) records_.push_back(std::move(r));
  absl::Status status = writer_->Log(records_);
  if (status.ok() && options_.sync_interval_ms <= 0) {
    const auto start = std::chrono::steady_clock::now();
    status = writer_->Sync();
    fsync_nanos_.fetch_add(
        static_cast<uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::steady_clock::now() - start)
                .count()),
        std::memory_order_relaxed);
  }
  if (!status.ok()) {
    write_failures_.fetch_add(1, std::memory_order_relaxed);
    // Their records may not be in the log: log them again next time.
    for (MemSeries* s : marked) s->set_wal_logged(false);
    Report(status);
    failing_ = true;
    return;
  }
  records_written_.fetch_add(records_.size(), std::memory_order_relaxed);
  if (failing_) {
    failing_ = false;
    if (options_.log) options_.log("Writing the write-ahead log works again");
  }
}

bool HeadWal::SnapshotDue() const {
  const int64_t since = static_cast<int64_t>(writer_->bytes_written()) -
                        written_at_snapshot_.load(std::memory_order_relaxed);
  return since > std::max(options_.checkpoint_min_bytes,
                          snapshot_bytes_.load(std::memory_order_relaxed));
}

void HeadWal::SnapshotDone(const absl::StatusOr<int64_t>& bytes) {
  if (!bytes.ok()) {
    snapshot_failures_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  snapshots_.fetch_add(1, std::memory_order_relaxed);
  snapshot_bytes_.store(*bytes, std::memory_order_relaxed);
}

WalStats HeadWal::Stats() const {
  WalStats s;
  s.enabled = true;
  s.fsyncs = writer_->fsyncs();
  s.fsync_seconds =
      static_cast<double>(fsync_nanos_.load(std::memory_order_relaxed)) / 1e9;
  s.page_flushes = writer_->page_flushes();
  s.bytes_written = writer_->bytes_written();
  s.records_written = records_written_.load(std::memory_order_relaxed);
  s.write_failures = write_failures_.load(std::memory_order_relaxed);
  s.segment_current = writer_->segment_index();
  s.snapshots = snapshots_.load(std::memory_order_relaxed);
  s.snapshot_failures = snapshot_failures_.load(std::memory_order_relaxed);
  s.snapshot_bytes = snapshot_bytes_.load(std::memory_order_relaxed);
  s.replay = replay_;
  return s;
}

absl::Status Head::SnapshotWal() {
  Impl& h = *impl_;
  if (h.wal == nullptr) {
    return absl::FailedPreconditionError("the write-ahead log is not open");
  }
  std::lock_guard snapshot_lock(h.wal->snapshot_mu());
  // The bytes written before the cut belong to the snapshot, whatever is
  // committed while it is written.
  const int64_t written = static_cast<int64_t>(h.wal->writer().bytes_written());
  absl::StatusOr<SnapshotWritten> done =
      WriteSnapshot(h, *h.wal, h.wal->options().dir);
  if (!done.ok()) {
    h.wal->SnapshotDone(done.status());
    return done.status();
  }
  if (done->unchanged) return absl::OkStatus();
  h.wal->SnapshotDone(done->bytes);
  h.wal->MarkSnapshot(written);
  return absl::OkStatus();
}

WalStats Head::GetWalStats() const {
  return impl_->wal ? impl_->wal->Stats() : WalStats{};
}

absl::Status LoadStorageInto(Head::Impl& h, const StorageLoad& load,
                             WalReplayStats* stats_out,
                             int64_t* first_segment_out) {
  const auto start = std::chrono::steady_clock::now();
  WalReplayStats& stats = *stats_out;
  const std::string& dir = load.dir;
  const std::vector<wal::SegmentRef>* segments = &load.segments;
  ReplayRefs by_wal_ref;
  std::error_code ignored_error;
  std::vector<wal::SeriesEntry> series;
  std::vector<wal::SampleEntry> samples;
  std::vector<wal::HistogramSampleEntry> histograms;
  const uint64_t replayer =
      h.next_appender_id.fetch_add(1, std::memory_order_relaxed);

  // The newest snapshot, if it fits the log: segments from its cut on must
  // all be there. Anything else about it is a reason to replay without it.
  if (load.repair) RemoveUnfinishedSnapshots(dir);
  int64_t replay_from = std::numeric_limits<int64_t>::min();
  // New segments are numbered past every snapshot's cut, loaded or not:
  // a log restarted at 0 under a snapshot.5 would be hidden by it.
  int64_t& first_segment = *first_segment_out;
  first_segment = 0;
  std::vector<SnapshotDir> snapshots = ListSnapshots(dir);
  for (const SnapshotDir& snap : snapshots) {
    first_segment = std::max(first_segment, snap.segment);
  }
  if (!snapshots.empty()) {
    const SnapshotDir& snap = snapshots.back();
    std::string mismatch;
    if (!segments->empty() && segments->front().index > snap.segment) {
      mismatch = absl::StrCat(
          "log segments ", wal::SegmentName(snap.segment), " to ",
          wal::SegmentName(segments->front().index - 1), " are missing");
    } else if (!segments->empty() &&
               snap.segment > segments->back().index + 1) {
      mismatch = "it is newer than the log";
    }
    absl::StatusOr<SnapshotLoaded> loaded =
        mismatch.empty()
            ? LoadSnapshot(h, snap, replayer, &by_wal_ref, load.skipped)
            : absl::StatusOr<SnapshotLoaded>(
                  absl::FailedPreconditionError(mismatch));
    if (loaded.ok()) {
      stats.snapshot_seconds = std::chrono::duration<double>(
                                   std::chrono::steady_clock::now() - start)
                                   .count();
      replay_from = loaded->segment;
      for (const auto& e : std::filesystem::recursive_directory_iterator(
               snap.path, ignored_error)) {
        if (e.is_regular_file(ignored_error)) {
          stats.snapshot_bytes +=
              static_cast<int64_t>(e.file_size(ignored_error));
        }
      }
      stats.snapshot_series = loaded->series;
      stats.snapshot_samples = loaded->samples;
      stats.series += loaded->series;
    } else {
      ++stats.snapshots_discarded;
      if (load.log) {
        load.log(absl::StrCat(
            "Discarded snapshot ", snap.path,
            ", replaying the log without it: ", loaded.status().message()));
      }
    }
  }
  std::unique_lock<std::mutex> commit_lock(h.commit_mu);
  const uint64_t replay_seq = h.isolation.NextCommit();
  const uint64_t replay_low = h.isolation.LowWatermark();
  // Published however the replay ends: an unpublished commit would hide
  // every later one from readers.
  class Publisher {
   public:
    Publisher(Isolation& isolation, uint64_t seq)
        : isolation_(isolation), seq_(seq) {}
    ~Publisher() { isolation_.Publish(seq_); }

   private:
    Isolation& isolation_;
    uint64_t seq_;
  };
  std::optional<Publisher> publish_replay;
  publish_replay.emplace(h.isolation, replay_seq);
  // Declared after the publisher: however the replay ends, every sample
  // handed over is stored before the commit is published.
  std::optional<ReplayCommitter> committer;
  committer.emplace(replay_seq, replay_low, h.chunk_options, h.counters,
                    std::thread::hardware_concurrency() > 1);
  for (size_t i = 0; i < segments->size(); ++i) {
    const wal::SegmentRef& seg = (*segments)[i];
    if (seg.index < replay_from) continue;  // in the snapshot
    stats.replayed_bytes += static_cast<int64_t>(
        std::filesystem::file_size(seg.path, ignored_error));
    absl::StatusOr<wal::SegmentContents> contents = wal::ReadSegment(seg.path);
    if (!contents.ok()) return contents.status();
    ++stats.segments;
    for (size_t r = 0; r < contents->records.size(); ++r) {
      const std::string& record = contents->records[r];
      wal::RecordType type;
      if (absl::Status s =
              wal::DecodeRecord(record, &type, &series, &samples, &histograms);
          !s.ok()) {
        ++stats.corruptions;
        // The checksum held, so a writer wrote it: a newer vigil, or a bug.
        if (load.log) {
          load.log(
              absl::StrCat("Skipped an unreadable write-ahead log "
                           "record: segment ",
                           seg.path, ", record ", r + 1, ": ", s.message()));
        }
        continue;
      }
      ++stats.records;
      if (type == wal::RecordType::kSeries) {
        for (wal::SeriesEntry& e : series) {
          if (e.labels.empty()) continue;
          // After a snapshot every series logs its record again: most
          // records name a series the snapshot made, under the same ref,
          // and need no lookup by labels.
          if (MemSeries* known = by_wal_ref.Find(e.ref);
              known != nullptr && known->ref() == e.ref &&
              known->HasLabels(e.labels)) {
            known->set_wal_logged(true);
            ++stats.series;
            continue;
          }
          if (load.skipped.Skip(e.ref, e.labels)) continue;
          auto r =
              h.series.GetOrCreate(e.labels.Hash(), e.labels, replayer, e.ref);
          if (r.created) {
            h.postings.Add(r.series->ref(), e.labels);
            h.counters.series_created.fetch_add(1, std::memory_order_relaxed);
            std::lock_guard<SeriesMutex> lock(r.series->mu());
            r.series->Unpin(replayer);
          }
          // Only a series that kept its ref has its record in the log.
          r.series->set_wal_logged(r.series->ref() == e.ref);
          by_wal_ref.Set(e.ref, r.series.get());
          ++stats.series;
        }
        continue;
      }
      // Straight into the series, as one commit: nothing reads or writes
      // the Head yet, and an appender's buffering would only cost time.
      // The verdicts are an appender's: out of bounds, out of order and
      // duplicates are rejected as they were when logged.
      const int64_t min_t = h.min_valid_time.load(std::memory_order_relaxed);
      if (type == wal::RecordType::kHistogramSamples) {
        for (wal::HistogramSampleEntry& e : histograms) {
          MemSeries* target = by_wal_ref.Find(e.ref);
          if (target == nullptr) {
            if (!load.skipped.Count(e.ref, 1)) ++stats.unknown_refs;
          } else if (e.t < min_t) {
            ++stats.samples_rejected;
          } else {
            committer->AddHistogram(target, e.t, std::move(e.h));
          }
        }
        continue;
      }
      const SeriesRef none = 0;
      SeriesRef last_ref = none;
      MemSeries* last = nullptr;
      for (const wal::SampleEntry& e : samples) {
        if (e.ref != last_ref || last == nullptr) {
          last = by_wal_ref.Find(e.ref);
          last_ref = e.ref;
        }
        if (last == nullptr) {
          if (!load.skipped.Count(e.ref, 1)) ++stats.unknown_refs;
          continue;
        }
        if (e.t < min_t) {
          ++stats.samples_rejected;
          continue;
        }
        committer->Add(last, e.t, e.v);
      }
    }
    if (!contents->damage.empty()) {
      const bool last = i + 1 == segments->size();
      if (!contents->torn) ++stats.corruptions;
      if (!load.repair) {
        // A running vigil may be writing the last segment's tail right now.
        if (load.log) {
          load.log(absl::StrCat(
              contents->torn && last ? "Read up to a torn write at the end "
                                       "of the log"
                                     : "Skipped damaged write-ahead log data",
              " (left as it is): segment ", seg.path, ", ", contents->damage,
              ", ", contents->file_bytes - contents->valid_bytes,
              " bytes not read"));
        }
        continue;
      }
      if (load.log) {
        load.log(absl::StrCat(
            contents->torn && last ? "Cut a torn write at the end of the log"
                                   : "Dropped damaged write-ahead log data",
            ": segment ", seg.path, ", ", contents->damage, ", ",
            contents->file_bytes - contents->valid_bytes, " bytes dropped"));
      }
      const int rc = contents->valid_bytes == 0
                         ? ::unlink(seg.path.c_str())
                         : ::truncate(seg.path.c_str(), contents->valid_bytes);
      if (rc != 0) return Errno("cannot repair log segment", seg.path);
      ++stats.truncations;
    }
  }
  const ReplayCommitter::Totals committed = committer->Finish();
  committer.reset();
  stats.samples = committed.appended;
  stats.samples_rejected += committed.rejected;
  h.counters.samples_appended.fetch_add(stats.samples,
                                        std::memory_order_relaxed);
  publish_replay.reset();
  commit_lock.unlock();
  return absl::OkStatus();
}

absl::StatusOr<WalReplayStats> Head::OpenWal(const WalOptions& options,
                                             int64_t now_ms) {
  Impl& h = *impl_;
  if (h.wal != nullptr) {
    return absl::FailedPreconditionError("the write-ahead log is open already");
  }
  const auto start = std::chrono::steady_clock::now();
  const std::string& dir = options.dir;
  const std::string wal_dir = dir + "/wal";
  if (absl::Status s = MakeDir(dir); !s.ok()) return s;
  const std::string lock_path = dir + "/lock";
  const int lock_fd =
      ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) return Errno("cannot open lock file", lock_path);
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd);
    return absl::FailedPreconditionError(absl::StrCat(
        dir, " is in use by another process (", lock_path, " is locked)"));
  }
  auto fail = [lock_fd](absl::Status s) {
    ::close(lock_fd);
    return s;
  };
  if (absl::Status s = MakeDir(wal_dir); !s.ok()) return fail(s);
  std::error_code ignored_error;
  absl::StatusOr<std::vector<wal::SegmentRef>> segments =
      wal::ListSegments(wal_dir);
  if (!segments.ok()) return fail(segments.status());
  // Every header first: a log from a newer vigil must stop the start
  // before anything is cut or replayed.
  for (const wal::SegmentRef& seg : *segments) {
    if (absl::Status s = wal::CheckSegmentHeader(seg.path); !s.ok()) {
      return fail(s);
    }
  }

  // Samples older than the retention would be dropped by the next GC:
  // refusing them now keeps replay's memory to what stays.
  if (h.options.retention_ms > 0) {
    const int64_t cutoff = now_ms - h.options.retention_ms;
    int64_t prev = h.min_valid_time.load(std::memory_order_relaxed);
    while (prev < cutoff &&
           !h.min_valid_time.compare_exchange_weak(prev, cutoff)) {
    }
  }

  WalReplayStats stats;
  int64_t first_segment = 0;
  SkippedSeries keep_all;
  if (absl::Status st = LoadStorageInto(
          h,
          StorageLoad(dir, *segments, /*repair=*/true, keep_all, options.log),
          &stats, &first_segment);
      !st.ok()) {
    return fail(st);
  }
  RunGc(now_ms);

  absl::StatusOr<std::unique_ptr<wal::Writer>> writer =
      wal::Writer::Open(wal_dir, options.segment_bytes, first_segment);
  if (!writer.ok()) return fail(writer.status());
  stats.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  {
    std::lock_guard<std::mutex> lock(h.commit_mu);
    h.wal =
        std::make_unique<HeadWal>(options, *std::move(writer), lock_fd, stats);
    h.wal_enabled.store(true, std::memory_order_release);
  }
  return stats;
}

}  // namespace vigil::tsdb
