// Loading a vigil storage directory (`vigil run --storage.tsdb.path`) as
// replay input, read-only, the series the rules produce left out.
// Internal to vigil_replay; OpenLocalFiles takes directories through it.
#ifndef VIGIL_LIB_REPLAY_STORAGE_DIR_LOAD_H_
#define VIGIL_LIB_REPLAY_STORAGE_DIR_LOAD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "vigil/replay.h"
#include "vigil/tsdb.h"

namespace vigil::replay {

// What a directory added to the Head.
struct StorageDirLoaded {
  uint64_t series = 0;
  uint64_t samples = 0;
  // Skipped samples by metric name, sorted; names never seen left out.
  std::vector<std::pair<std::string, uint64_t>> skipped;
  std::optional<TimeSpan> span;
  // Damage found and left as it is, a snapshot passed over: one line each,
  // at most kMaxLoadNotes (then a line saying how many more).
  std::vector<std::string> notes;
};

inline constexpr size_t kMaxLoadNotes = 20;

// Loads `dir` into `head` (tsdb::Head::LoadStorage); series named in
// `produced_names` are not created, their samples counted by name.
absl::StatusOr<StorageDirLoaded> LoadStorageDir(
    tsdb::Head& head, const std::string& dir,
    const std::vector<std::string>& produced_names);

}  // namespace vigil::replay

#endif  // VIGIL_LIB_REPLAY_STORAGE_DIR_LOAD_H_
