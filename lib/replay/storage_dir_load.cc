#include "lib/replay/storage_dir_load.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "lib/model/absl_compat.h"

namespace vigil::replay {

absl::StatusOr<StorageDirLoaded> LoadStorageDir(
    tsdb::Head& head, const std::string& dir,
    const std::vector<std::string>& produced_names) {
  // Counters by name; the map is complete before the load, so the
  // pointers handed to the Head stay put.
  absl::flat_hash_map<std::string, uint64_t> counts;
  for (const std::string& n : produced_names) counts.emplace(n, 0);
  StorageDirLoaded out;
  size_t notes_dropped = 0;
  tsdb::StorageReadOptions o;
  o.dir = dir;
  o.skip = [&counts](const Labels& labels) -> uint64_t* {
    auto it = counts.find(ToAbsl(labels.MetricName()));
    return it == counts.end() ? nullptr : &it->second;
  };
  o.log = [&](std::string_view line) {
    if (out.notes.size() < kMaxLoadNotes) {
      out.notes.emplace_back(line);
    } else {
      ++notes_dropped;
    }
  };
  const tsdb::HeadStats before = head.Stats();
  absl::StatusOr<tsdb::StorageReadStats> stats = head.LoadStorage(o);
  if (!stats.ok()) return stats.status();
  const tsdb::HeadStats after = head.Stats();
  out.series = after.series - before.series;
  out.samples = after.samples_appended - before.samples_appended;
  for (const auto& [name, n] : counts) {
    if (n > 0) out.skipped.emplace_back(name, n);
  }
  std::sort(out.skipped.begin(), out.skipped.end());
  if (stats->min_time_ms <= stats->max_time_ms) {
    out.span = TimeSpan{stats->min_time_ms, stats->max_time_ms};
  }
  if (notes_dropped > 0) {
    out.notes.push_back(absl::StrCat("and ", notes_dropped, " more like it"));
  }
  return out;
}

}  // namespace vigil::replay
