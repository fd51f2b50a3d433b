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
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/tsdb/head_impl.h"
#include "lib/tsdb/head_wal.h"
#include "lib/tsdb/wal_records.h"
#include "lib/tsdb/xor_chunk.h"

namespace vigil::tsdb {

namespace {

constexpr char kSnapshotPrefix[] = "snapshot.";
// Snapshot records are flushed to the file in batches of about this size.
constexpr size_t kSnapshotBatchBytes = 1 << 20;

void SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

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
  SnapshotWritten written;
  written.segment = segment;
  {
    absl::StatusOr<std::unique_ptr<wal::Writer>> writer =
        wal::Writer::Open(tmp_dir);
    if (!writer.ok()) return writer.status();
    std::vector<std::string> batch;
    size_t batch_bytes = 0;
    wal::SnapshotSeries entry;
    // By ref: loading then appends to the index's postings lists instead
    // of inserting into their middle.
    std::vector<std::shared_ptr<MemSeries>> all = h.series.All();
    std::sort(all.begin(), all.end(),
              [](const std::shared_ptr<MemSeries>& a,
                 const std::shared_ptr<MemSeries>& b) {
                return a->ref() < b->ref();
              });
    for (const std::shared_ptr<MemSeries>& s : all) {
      std::vector<ChunkView> views;
      {
        std::lock_guard<SeriesMutex> lock(s->mu());
        if (s->removed()) continue;
        views = s->Snapshot(read.seq, std::numeric_limits<int64_t>::min(),
                            std::numeric_limits<int64_t>::max());
      }
      entry.ref = s->ref();
      entry.labels = s->labels();
      entry.chunks.clear();
      for (const ChunkView& v : views) {
        entry.chunks.push_back(
            {v.num_samples,
             std::string(reinterpret_cast<const char*>(v.chunk->data()),
                         v.chunk->size())});
        written.samples += static_cast<uint64_t>(v.num_samples);
      }
      ++written.series;
      wal::EncodeSnapshotSeries(entry, &batch.emplace_back());
      wal::CompressRecord(&batch.back());
      batch_bytes += batch.back().size();
      if (batch_bytes >= kSnapshotBatchBytes) {
        if (absl::Status st = (*writer)->Log(batch); !st.ok()) return st;
        batch.clear();
        batch_bytes = 0;
      }
    }
    wal::EncodeSnapshotEnd({written.series, written.samples},
                           &batch.emplace_back());
    if (absl::Status st = (*writer)->Log(batch); !st.ok()) return st;
    written.bytes = static_cast<int64_t>((*writer)->bytes_written());
  }  // the writer syncs and closes its segment
  if (::rename(tmp_dir.c_str(), final_dir.c_str()) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot rename ", tmp_dir, ": ", std::strerror(errno)));
  }
  SyncDir(dir);
  // What the snapshot replaces: older snapshots and the segments before S.
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

absl::StatusOr<SnapshotLoaded> LoadSnapshot(Head::Impl& h,
                                            const SnapshotDir& snapshot,
                                            uint64_t replayer,
                                            ReplayRefs* by_wal_ref) {
  absl::StatusOr<std::vector<wal::SegmentRef>> files =
      wal::ListSegments(snapshot.path);
  if (!files.ok()) return files.status();
  // First pass: every fragment checks out and the end record is there.
  // Nothing is applied from a snapshot that is not whole.
  wal::SnapshotEnd end;
  bool ended = false;
  for (const wal::SegmentRef& f : *files) {
    absl::StatusOr<wal::SegmentContents> c = wal::ReadSegment(f.path);
    if (!c.ok()) return c.status();
    if (!c->damage.empty()) {
      return absl::DataLossError(absl::StrCat(f.path, ": ", c->damage));
    }
    for (const std::string& r : c->records) {
      if (wal::RecordTypeOf(r) ==
          static_cast<uint8_t>(wal::RecordType::kSnapshotEnd)) {
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

  SnapshotLoaded loaded;
  const int64_t min_t = h.min_valid_time.load(std::memory_order_relaxed);
  std::lock_guard<std::mutex> commit_lock(h.commit_mu);
  const uint64_t seq = h.isolation.NextCommit();
  const uint64_t low = h.isolation.LowWatermark();
  wal::SnapshotSeries entry;
  for (const wal::SegmentRef& f : *files) {
    absl::StatusOr<wal::SegmentContents> c = wal::ReadSegment(f.path);
    if (!c.ok()) return c.status();
    for (const std::string& r : c->records) {
      if (wal::RecordTypeOf(r) !=
          static_cast<uint8_t>(wal::RecordType::kSnapshotSeries)) {
        continue;
      }
      if (absl::Status s = wal::DecodeSnapshotSeries(r, &entry); !s.ok()) {
        return s;
      }
      if (entry.labels.empty()) continue;
      auto got = h.series.GetOrCreate(entry.labels.Hash(), entry.labels,
                                      replayer, entry.ref);
      std::lock_guard<SeriesMutex> lock(got.series->mu());
      if (got.created) {
        h.postings.Add(got.series->ref(), entry.labels);
        h.counters.series_created.fetch_add(1, std::memory_order_relaxed);
        got.series->Unpin(replayer);
      }
      got.series->set_wal_logged(got.series->ref() == entry.ref);
      ++loaded.series;
      uint64_t appended = 0;
      for (const wal::SnapshotChunk& chunk : entry.chunks) {
        XorDecoder d(reinterpret_cast<const uint8_t*>(chunk.bytes.data()),
                     chunk.bytes.size(), chunk.num_samples);
        while (d.Next()) {
          if (d.t() < min_t) continue;
          if (got.series->Commit(d.t(), d.v(), seq, low, h.chunk_options,
                                 h.counters) == Verdict::kAppend) {
            ++appended;
          }
        }
      }
      h.counters.samples_appended.fetch_add(appended,
                                            std::memory_order_relaxed);
      loaded.samples += appended;
      by_wal_ref->Set(entry.ref, got.series.get());
    }
  }
  h.isolation.Publish(seq);
  loaded.segment = snapshot.segment;
  return loaded;
}

}  // namespace vigil::tsdb
