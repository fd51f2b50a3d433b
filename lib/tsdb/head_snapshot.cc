// Snapshots of the Head for the write-ahead log; see head_wal.h.
//
// A snapshot is written as the log's own segment format (so every
// fragment is checksummed) into DIR/snapshot.<S>.tmp, synced, then renamed
// to DIR/snapshot.<S>: a crash leaves either the old snapshot or the new
// one, never half of one. S is the log segment that was cut when the
// snapshot's view was taken, under the commit lock: the snapshot holds
// every commit before S, the segments from S on every commit after.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/tsdb/batch_pipe.h"
#include "lib/tsdb/head_impl.h"
#include "lib/tsdb/head_wal.h"
#include "lib/tsdb/histogram_chunk.h"
#include "lib/tsdb/wal_records.h"
#include "lib/tsdb/xor_chunk.h"

namespace vigil::tsdb {

namespace {

constexpr char kSnapshotPrefix[] = "snapshot.";
// Snapshot records are flushed to the file in batches of about this size.
constexpr size_t kSnapshotBatchBytes = 1 << 20;
// A series' chunks go into records of about this size at most.
constexpr size_t kSnapshotPartBytes = 1 << 20;
// Series are grouped into records of about this many raw bytes.
constexpr size_t kSnapshotGroupBytes = 256 << 10;

bool SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

// Stores a snapshot's decoded series into the Head on a second thread
// while the caller reads, inflates and decodes the next records and looks
// up or creates the series (the two halves of a load cost about the same).
// One thread installs everything, so each series' chunks stay in order.
class SnapshotInstaller {
 public:
  struct Entry {
    MemSeries* series;
    bool created;
    wal::SnapshotSeries snapshot;
  };
  static constexpr size_t kBatchSeries = 512;

  SnapshotInstaller(Head::Impl& h, uint64_t seq, uint64_t low_watermark,
                    uint64_t replayer)
      : h_(h),
        seq_(seq),
        low_watermark_(low_watermark),
        replayer_(replayer),
        min_t_(h.min_valid_time.load(std::memory_order_relaxed)) {
    if (std::thread::hardware_concurrency() > 1) {
      worker_ = std::thread([this] {
        std::vector<Entry> batch;
        while (pipe_.Pop(&batch)) {
          InstallBatch(batch);
          pipe_.Recycle(std::move(batch));
        }
        ReopenAll();
      });
    }
  }
  ~SnapshotInstaller() { Finish(); }

  // Hands `batch` over; returns an empty one to fill next.
  std::vector<Entry> Install(std::vector<Entry> batch) {
    if (!worker_.joinable()) {
      InstallBatch(batch);
      batch.clear();
      return batch;
    }
    return pipe_.Push(std::move(batch));
  }

  // Waits for every batch and reopens each series' newest chunk; returns
  // the samples stored.
  uint64_t Finish() {
    if (worker_.joinable()) {
      pipe_.Close();
      worker_.join();
    } else {
      ReopenAll();
    }
    return appended_;
  }

 private:
  void ReopenAll() {
    uint64_t dropped = 0;
    for (MemSeries* series : restored_) {
      std::lock_guard<SeriesMutex> lock(series->mu());
      series->ReopenLastChunk(h_.counters, &dropped);
    }
    restored_.clear();
    appended_ -= dropped;
  }

  void InstallBatch(std::vector<Entry>& batch) {
    CommitTally tally;
    for (Entry& e : batch) {
      MemSeries& series = *e.series;
      std::lock_guard<SeriesMutex> lock(series.mu());
      if (e.created) {
        h_.postings.Add(series.ref(), e.snapshot.labels);
        h_.counters.series_created.fetch_add(1, std::memory_order_relaxed);
        series.Unpin(replayer_);
      }
      // The log after the snapshot's cut holds no record of it yet: it is
      // logged again at its next commit, so that log stands alone.
      series.set_wal_logged(false);
      bool installed = false;
      for (const wal::SnapshotChunk& chunk : e.snapshot.chunks) {
        if (chunk.has_times && chunk.max_t < min_t_) continue;
        // Installed as it is: decoding and encoding every sample again
        // was nearly all of a large snapshot's load time.
        if (chunk.has_times &&
            series.RestoreChunk(
                Chunk::Make(
                    chunk.min_t, chunk.max_t, chunk.num_samples,
                    {reinterpret_cast<const uint8_t*>(chunk.bytes.data()),
                     chunk.bytes.size()},
                    static_cast<ChunkEncoding>(chunk.encoding)),
                seq_, h_.counters)) {
          appended_ += static_cast<uint64_t>(chunk.num_samples);
          if (!installed) restored_.push_back(&series);
          installed = true;
          continue;
        }
        // An older snapshot, or a chunk out of line: sample by sample,
        // judged as an appender would.
        uint64_t dropped = 0;
        series.ReopenLastChunk(h_.counters, &dropped);
        appended_ -= dropped;
        const auto* data = reinterpret_cast<const uint8_t*>(chunk.bytes.data());
        if (chunk.encoding ==
            static_cast<uint8_t>(ChunkEncoding::kFloatHistogram)) {
          HistogramDecoder d(data, chunk.bytes.size(), chunk.num_samples);
          while (d.Next()) {
            if (d.t() < min_t_) continue;
            if (series.CommitHistogram(d.t(), d.At(), seq_, low_watermark_,
                                       h_.chunk_options,
                                       tally) == Verdict::kAppend) {
              ++appended_;
            }
          }
          continue;
        }
        XorDecoder d(data, chunk.bytes.size(), chunk.num_samples);
        while (d.Next()) {
          if (d.t() < min_t_) continue;
          if (series.Commit(d.t(), d.v(), seq_, low_watermark_,
                            h_.chunk_options, tally) == Verdict::kAppend) {
            ++appended_;
          }
        }
      }
    }
    tally.FlushTo(h_.counters);
  }

  Head::Impl& h_;
  const uint64_t seq_;
  const uint64_t low_watermark_;
  const uint64_t replayer_;
  const int64_t min_t_;
  // The installing thread's until Finish() joins it.
  uint64_t appended_ = 0;
  std::vector<MemSeries*> restored_;  // newest chunk installed sealed
  BatchPipe<std::vector<Entry>> pipe_{4};
  std::thread worker_;
};

}  // namespace

std::vector<SnapshotDir> ListSnapshots(const std::string& dir) {
  std::vector<SnapshotDir> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (const dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    const std::string_view prefix = kSnapshotPrefix;
    if (name.substr(0, prefix.size()) != prefix) continue;
    std::string_view index = name.substr(prefix.size());
    if (index.size() != 8 ||
        !std::all_of(index.begin(), index.end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
      continue;  // "snapshot.X.tmp": an unfinished one
    }
    out.push_back({std::stoll(std::string(index)), dir + "/" + e->d_name});
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(),
            [](const SnapshotDir& a, const SnapshotDir& b) {
              return a.segment < b.segment;
            });
  return out;
}

absl::StatusOr<SnapshotWritten> WriteSnapshot(Head::Impl& h, HeadWal& wal,
                                              const std::string& dir) {
  int64_t segment = 0;
  Isolation::Read read;
  {
    std::lock_guard<std::mutex> commit_lock(h.commit_mu);
    absl::StatusOr<int64_t> cut = wal.writer().Cut();
    if (!cut.ok()) return cut.status();
    segment = *cut;
    const std::string existing =
        absl::StrCat(dir, "/", kSnapshotPrefix, wal::SegmentName(segment));
    if (std::filesystem::exists(existing)) {
      // The log is still where the snapshot cut it: nothing was committed
      // since, and that snapshot holds all there is.
      SnapshotWritten same;
      same.segment = segment;
      same.unchanged = true;
      return same;
    }
    read = h.isolation.OpenRead(std::numeric_limits<int64_t>::min());
    // Each series logs its record again at its next commit, so the
    // segments after the cut stand on their own: a snapshot that later
    // fails to load costs the data before it, not the series after it.
    for (const std::shared_ptr<MemSeries>& s : h.series.All()) {
      s->set_wal_logged(false);
    }
  }
  struct CloseRead {
    Isolation& isolation;
    uint64_t id;
    ~CloseRead() { isolation.CloseRead(id); }
  } close_read{h.isolation, read.id};

  const std::string final_dir =
      absl::StrCat(dir, "/", kSnapshotPrefix, wal::SegmentName(segment));
  const std::string tmp_dir = final_dir + ".tmp";
  std::error_code ec;
  std::filesystem::remove_all(tmp_dir, ec);
  if (::mkdir(tmp_dir.c_str(), 0755) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot create ", tmp_dir, ": ", std::strerror(errno)));
  }
  // Whatever fails from here leaves no half snapshot behind.
  struct RemoveOnError {
    const std::string& path;
    bool done = false;
    ~RemoveOnError() {
      std::error_code ignored;
      if (!done) std::filesystem::remove_all(path, ignored);
    }
  } cleanup{tmp_dir};

  SnapshotWritten written;
  written.segment = segment;
  {
    absl::StatusOr<std::unique_ptr<wal::Writer>> writer =
        wal::Writer::Open(tmp_dir);
    if (!writer.ok()) return writer.status();
    std::vector<std::string> batch;
    size_t batch_bytes = 0;
    auto flush = [&]() -> absl::Status {
      absl::Status st = (*writer)->Log(batch);
      batch.clear();
      batch_bytes = 0;
      return st;
    };
    // Series go out in groups of about kSnapshotGroupBytes per record:
    // one compression frame and one record per series was most of a large
    // snapshot's load time.
    std::vector<wal::SnapshotSeries> group;
    size_t group_bytes = 0;
    auto emit_group = [&]() -> absl::Status {
      if (group.empty()) return absl::OkStatus();
      wal::EncodeSnapshotSeries(group, &batch.emplace_back());
      wal::CompressRecord(&batch.back());
      batch_bytes += batch.back().size();
      ++written.records;
      group.clear();
      group_bytes = 0;
      return batch_bytes >= kSnapshotBatchBytes ? flush() : absl::OkStatus();
    };
    auto add = [&](const wal::SnapshotSeries& part,
                   size_t part_bytes) -> absl::Status {
      group.push_back(part);
      group_bytes += part_bytes + 64;
      return group_bytes >= kSnapshotGroupBytes ? emit_group()
                                                : absl::OkStatus();
    };
    wal::SnapshotSeries part;
    // By ref: loading then appends to the index's postings lists instead
    // of inserting into their middle.
    std::vector<std::shared_ptr<MemSeries>> all = h.series.All();
    std::sort(all.begin(), all.end(),
              [](const std::shared_ptr<MemSeries>& a,
                 const std::shared_ptr<MemSeries>& b) {
                return a->ref() < b->ref();
              });
    for (const std::shared_ptr<MemSeries>& s : all) {
      ChunkViews views;
      {
        std::lock_guard<SeriesMutex> lock(s->mu());
        if (s->removed()) continue;
        views = s->Snapshot(read.seq, std::numeric_limits<int64_t>::min(),
                            std::numeric_limits<int64_t>::max());
      }
      part.ref = s->ref();
      part.labels = s->labels();
      part.chunks.clear();
      size_t part_bytes = 0;
      for (const ChunkView& v : views) {
        // A long series goes out in several records, its chunks in order:
        // a record must stay far below a segment.
        if (part_bytes > 0 &&
            part_bytes + v.chunk->size() > kSnapshotPartBytes) {
          if (absl::Status st = add(part, part_bytes); !st.ok()) return st;
          part.chunks.clear();
          part_bytes = 0;
        }
        wal::SnapshotChunk& c = part.chunks.emplace_back();
        c.num_samples = v.num_samples;
        c.encoding = static_cast<uint8_t>(v.chunk->encoding());
        c.has_times = true;
        c.min_t = v.min_t;
        c.max_t = v.max_t;
        c.bytes.assign(reinterpret_cast<const char*>(v.chunk->data()),
                       v.chunk->size());
        part_bytes += v.chunk->size();
        written.samples += static_cast<uint64_t>(v.num_samples);
      }
      ++written.series;
      if (absl::Status st = add(part, part_bytes); !st.ok()) return st;
    }
    if (absl::Status st = emit_group(); !st.ok()) return st;
    wal::EncodeSnapshotEnd({written.records, written.samples},
                           &batch.emplace_back());
    if (absl::Status st = flush(); !st.ok()) return st;
    // Synced before the rename makes it count.
    if (absl::Status st = (*writer)->Close(); !st.ok()) return st;
    written.bytes = static_cast<int64_t>((*writer)->bytes_written());
  }
  if (!SyncDir(tmp_dir)) {
    return absl::InternalError(absl::StrCat("cannot sync ", tmp_dir));
  }
  if (::rename(tmp_dir.c_str(), final_dir.c_str()) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot rename ", tmp_dir, ": ", std::strerror(errno)));
  }
  cleanup.done = true;
  // The rename must be on disk before anything it replaces is deleted.
  if (!SyncDir(dir)) {
    return absl::InternalError(absl::StrCat("cannot sync ", dir));
  }
  for (const SnapshotDir& old : ListSnapshots(dir)) {
    if (old.segment < segment) std::filesystem::remove_all(old.path, ec);
  }
  if (auto segments = wal::ListSegments(dir + "/wal"); segments.ok()) {
    for (const wal::SegmentRef& seg : *segments) {
      if (seg.index < segment) ::unlink(seg.path.c_str());
    }
  }
  return written;
}

void RemoveUnfinishedSnapshots(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  std::vector<std::string> doomed;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name = e->d_name;
    const std::string_view prefix = kSnapshotPrefix;
    if (name.substr(0, prefix.size()) == prefix && name.size() > 4 &&
        name.substr(name.size() - 4) == ".tmp") {
      doomed.push_back(dir + "/" + e->d_name);
    }
  }
  ::closedir(d);
  std::error_code ignored;
  for (const std::string& p : doomed) std::filesystem::remove_all(p, ignored);
}

absl::StatusOr<SnapshotLoaded> LoadSnapshot(Head::Impl& h,
                                            const SnapshotDir& snapshot,
                                            uint64_t replayer,
                                            ReplayRefs* by_wal_ref,
                                            SkippedSeries& skipped) {
  absl::StatusOr<std::vector<wal::SegmentRef>> files =
      wal::ListSegments(snapshot.path);
  if (!files.ok()) return files.status();
  // First pass: every fragment checks out and the end record is there.
  // Nothing is applied from a snapshot that is not whole.
  wal::SnapshotEnd end;
  bool ended = false;
  uint64_t records = 0;
  for (const wal::SegmentRef& f : *files) {
    absl::StatusOr<wal::SegmentContents> c = wal::ReadSegment(f.path);
    if (!c.ok()) return c.status();
    if (!c->damage.empty()) {
      return absl::DataLossError(absl::StrCat(f.path, ": ", c->damage));
    }
    for (const std::string& r : c->records) {
      const uint8_t type = wal::RecordTypeOf(r);
      if (wal::IsSnapshotSeries(type)) {
        ++records;
      } else if (type == static_cast<uint8_t>(wal::RecordType::kSnapshotEnd)) {
        if (absl::Status s = wal::DecodeSnapshotEnd(r, &end); !s.ok()) {
          return s;
        }
        ended = true;
      }
    }
  }
  if (!ended) {
    return absl::DataLossError(
        absl::StrCat(snapshot.path, ": the snapshot has no end record"));
  }
  if (records != end.series) {
    // A file of a multi-file snapshot went missing.
    return absl::DataLossError(
        absl::StrCat(snapshot.path, ": ", records,
                     " series records, the end record says ", end.series));
  }

  SnapshotLoaded loaded;
  std::lock_guard<std::mutex> commit_lock(h.commit_mu);
  const uint64_t seq = h.isolation.NextCommit();
  // Published however the load ends (after the installer, declared later,
  // has stored what it was given): an unpublished commit would hide every
  // later one from readers.
  struct Publish {
    Isolation& isolation;
    uint64_t seq;
    ~Publish() { isolation.Publish(seq); }
  } publish{h.isolation, seq};
  SnapshotInstaller installer(h, seq, h.isolation.LowWatermark(), replayer);
  std::vector<wal::SnapshotSeries> group;
  std::vector<SnapshotInstaller::Entry> batch;
  for (const wal::SegmentRef& f : *files) {
    absl::StatusOr<wal::SegmentContents> c = wal::ReadSegment(f.path);
    if (!c.ok()) return c.status();
    for (const std::string& r : c->records) {
      if (!wal::IsSnapshotSeries(wal::RecordTypeOf(r))) continue;
      if (absl::Status s = wal::DecodeSnapshotSeries(r, &group); !s.ok()) {
        return s;
      }
      for (wal::SnapshotSeries& entry : group) {
        if (entry.labels.empty()) continue;
        if (skipped.Skip(entry.ref, entry.labels)) {
          for (const wal::SnapshotChunk& c : entry.chunks) {
            skipped.Count(entry.ref, static_cast<uint64_t>(c.num_samples));
          }
          continue;
        }
        auto got = h.series.GetOrCreate(entry.labels.Hash(), entry.labels,
                                        replayer, entry.ref);
        if (got.created) ++loaded.series;
        by_wal_ref->Set(entry.ref, got.series.get());
        batch.push_back({got.series.get(), got.created, std::move(entry)});
      }
      if (batch.size() >= SnapshotInstaller::kBatchSeries) {
        batch = installer.Install(std::move(batch));
      }
    }
  }
  if (!batch.empty()) installer.Install(std::move(batch));
  loaded.samples = installer.Finish();
  h.counters.samples_appended.fetch_add(loaded.samples,
                                        std::memory_order_relaxed);
  loaded.segment = snapshot.segment;
  return loaded;
}

}  // namespace vigil::tsdb
