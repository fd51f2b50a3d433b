// The rules' output series that no rule reads (ALERTS and ALERTS_FOR_STATE
// in most rule files), kept out of the replay's store: only their last
// sample is kept, enough to give every append the store's verdict. Half of
// a replay's appends were these, each one a lookup and a lock in the Head
// and a sample encoded that no query would decode. Internal to
// vigil_replay.
//
// The verdicts are the Head's for floats (lib/tsdb/mem_series.cc's Judge):
// a later time appends, an earlier one is out of order, the same time with
// the same bits is a duplicate ignored and other bits a duplicate refused.
// No other bound applies: a rule writes at its evaluation time, later than
// anything the replay forgot.
#ifndef VIGIL_LIB_REPLAY_UNREAD_SERIES_H_
#define VIGIL_LIB_REPLAY_UNREAD_SERIES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "vigil/labels.h"
#include "vigil/storage.h"

namespace vigil::replay {

// Refs handed out for the series kept here: never a Head ref (those count
// up from 1) nor SkipProduced's (bit 63).
inline constexpr SeriesRef kUnreadRef = SeriesRef{1} << 62;

class UnreadSeries {
 public:
  // `names`: the metric names kept here; a rule must never write a
  // histogram under one of them.
  explicit UnreadSeries(std::vector<std::string> names)
      : names_(std::move(names)) {}

  bool Covers(const Labels& labels) const;
  static bool Owns(SeriesRef ref) { return (ref & kUnreadRef) != 0; }

  // The store's Append for a series Covers(): the ref to append by next
  // time, or the error the store would have returned.
  absl::StatusOr<SeriesRef> Append(SeriesRef ref, const Labels& labels,
                                   int64_t t_ms, double v);

  // Drops the series that ended (a staleness marker last) before
  // `before_ms`, as the store forgets them; a ref to one still works, by
  // its labels.
  void Forget(int64_t before_ms);

  size_t size() const { return by_hash_.size(); }

 private:
  struct Series {
    Labels labels;
    int64_t last_t = 0;
    uint64_t last_bits = 0;
    bool any = false;   // holds a sample: last_t is a bound
    bool live = false;  // false once forgotten: the slot is not reused
  };
  // The series of `labels`, created when new.
  size_t Find(const Labels& labels);

  std::vector<std::string> names_;
  std::vector<Series> series_;  // by ref without kUnreadRef
  absl::flat_hash_map<uint64_t, absl::InlinedVector<size_t, 1>> by_hash_;
};

}  // namespace vigil::replay

#endif  // VIGIL_LIB_REPLAY_UNREAD_SERIES_H_
