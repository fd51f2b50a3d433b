// Head::LoadStorage: a storage directory read without owning it, for
// replaying what a vigil recorded (see vigil/tsdb.h).
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/tsdb/head_impl.h"
#include "lib/tsdb/head_wal.h"
#include "lib/tsdb/wal.h"

namespace vigil::tsdb {

namespace {

bool IsDir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The span of what the Head holds, from each series' chunk bounds.
void NoteSpan(Head::Impl& h, StorageReadStats* stats) {
  const Isolation::Read read =
      h.isolation.OpenRead(std::numeric_limits<int64_t>::min());
  for (const std::shared_ptr<MemSeries>& s : h.series.All()) {
    std::lock_guard<SeriesMutex> lock(s->mu());
    const ChunkViews views =
        s->Snapshot(read.seq, std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max());
    if (views.empty()) continue;
    stats->min_time_ms = std::min(stats->min_time_ms, views.front().min_t);
    stats->max_time_ms = std::max(stats->max_time_ms, views.back().max_t);
  }
  h.isolation.CloseRead(read.id);
}

}  // namespace

absl::StatusOr<StorageReadStats> Head::LoadStorage(
    const StorageReadOptions& options) {
  Impl& h = *impl_;
  const auto start = std::chrono::steady_clock::now();
  const std::string& dir = options.dir;
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read storage directory ", dir, ": ", std::strerror(errno)));
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, " is not a directory"));
  }
  const std::string wal_dir = dir + "/wal";
  const bool has_wal = IsDir(wal_dir);
  if (!has_wal && ListSnapshots(dir).empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        dir,
        " is not a vigil storage directory (--storage.tsdb.path): it holds "
        "neither wal/ nor a snapshot"));
  }
  std::vector<wal::SegmentRef> segments;
  if (has_wal) {
    absl::StatusOr<std::vector<wal::SegmentRef>> listed =
        wal::ListSegments(wal_dir);
    if (!listed.ok()) return listed.status();
    segments = *std::move(listed);
  }
  // Every header first, as OpenWal does: a log from a newer vigil stops
  // the load before any of it is read.
  for (const wal::SegmentRef& seg : segments) {
    if (absl::Status s = wal::CheckSegmentHeader(seg.path); !s.ok()) return s;
  }
  StorageReadStats stats;
  SkippedSeries skipped(&options.skip);
  int64_t first_segment = 0;
  if (absl::Status s = LoadStorageInto(
          h, StorageLoad(dir, segments, /*repair=*/false, skipped, options.log),
          &stats.replay, &first_segment);
      !s.ok()) {
    for (const wal::SegmentRef& seg : segments) {
      std::error_code ec;
      if (std::filesystem::exists(seg.path, ec) || ec) continue;
      return absl::Status(
          s.code(),
          absl::StrCat(s.message(), " (", dir,
                       " changed while it was read, as a running vigil's "
                       "checkpoint replaces its log: copy the directory for "
                       "a consistent view)"));
    }
    return s;
  }
  stats.skipped_series = skipped.series();
  stats.skipped_samples = skipped.samples();
  NoteSpan(h, &stats);
  stats.replay.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return stats;
}

}  // namespace vigil::tsdb
