// Alert instances from the ALERTS samples a group writes: the replay's
// timeline (see vigil/replay.h). Internal to vigil_replay.
#ifndef VIGIL_LIB_REPLAY_TIMELINE_H_
#define VIGIL_LIB_REPLAY_TIMELINE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "vigil/labels.h"
#include "vigil/replay.h"

namespace vigil::replay {

class Timeline {
 public:
  // `groups[i]` names group i (for the instances' group and file).
  explicit Timeline(std::vector<std::pair<std::string, std::string>> groups);

  // Brackets one evaluation of group `group` at `ts_ms`.
  void BeginEval(size_t group, int64_t ts_ms);
  // Any sample the group writes; only live ALERTS samples count.
  void Observe(const Labels& labels, double v);
  // Instances of the group not written this time end now, except those of
  // `kept_alerts` (rules whose query failed keep their state).
  void EndEval(const absl::flat_hash_set<std::string>& kept_alerts);

  // Rule-major evaluation (every time of a window for one rule, then the
  // next rule) writes a group's ALERTS out of time order. While buffering,
  // Observe() keeps the live ALERTS samples with the time of the last
  // BeginEval; FlushBuffered() then applies them time by time, in the order
  // they came within a time (rule order), ending each evaluation of `group`
  // at `times[k]` with `kept[k]` — what step-by-step evaluation would have
  // shown.
  void StartBuffering();
  void FlushBuffered(size_t group, const std::vector<int64_t>& times,
                     const std::vector<absl::flat_hash_set<std::string>>& kept);

  // The instances, sorted by alertname then labels.
  std::vector<AlertInstance> Take();

 private:
  struct Key {
    size_t group;
    uint64_t hash;
    friend bool operator==(const Key&, const Key&) = default;
    template <typename H>
    friend H AbslHashValue(H h, const Key& k) {
      return H::combine(std::move(h), k.group, k.hash);
    }
  };
  struct Tracked {
    AlertInstance instance;
    bool open = false;
    int64_t last_seen_ms = 0;
  };

  std::vector<std::pair<std::string, std::string>> groups_;  // name, file
  std::vector<Tracked> tracked_;
  absl::flat_hash_map<Key, size_t> index_;      // by labels without alertstate
  absl::flat_hash_map<Key, size_t> by_series_;  // by ALERTS series' labels
  std::vector<std::vector<size_t>> open_;       // per group
  struct Buffered {
    int64_t ts_ms;
    Labels labels;
  };

  void Apply(const Labels& labels);
  // The index in tracked_ of the instance `labels` (an ALERTS series)
  // belongs to, added if new.
  size_t Track(const Labels& labels);

  size_t group_ = 0;
  int64_t ts_ms_ = 0;
  bool buffering_ = false;
  std::vector<Buffered> buffered_;
};

}  // namespace vigil::replay

#endif  // VIGIL_LIB_REPLAY_TIMELINE_H_
