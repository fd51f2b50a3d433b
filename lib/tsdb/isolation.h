// Isolation: which commits a querier sees. Internal.
//
// Commits are numbered 1, 2, ... and published one at a time, so a querier
// that records the last published number S at open sees exactly the commits
// <= S (a simpler form of Prometheus's tsdb/isolation.go, possible because
// vigil serialises commits). Open reads are registered so that per-series
// commit marks below every open read can be forgotten, and so that GC keeps
// the chunks an open read's time range still covers.
#ifndef VIGIL_LIB_TSDB_ISOLATION_H_
#define VIGIL_LIB_TSDB_ISOLATION_H_

#include <cstdint>
#include <map>
#include <mutex>

namespace vigil::tsdb {

class Isolation {
 public:
  struct Read {
    uint64_t id = 0;
    uint64_t seq = 0;  // the last commit the read sees
  };
  Read OpenRead(int64_t mint);
  void CloseRead(uint64_t id);

  // The number the next commit takes; the caller serialises commits.
  uint64_t NextCommit() const;
  // Makes commit `seq` (the one NextCommit() gave) visible to later reads.
  void Publish(uint64_t seq);

  // The oldest commit an open read sees, or the last published one.
  uint64_t LowWatermark() const;
  // The smallest mint of the open reads, or `otherwise` when there is none.
  int64_t MinOpenMint(int64_t otherwise) const;

 private:
  struct OpenInfo {
    uint64_t seq;
    int64_t mint;
  };
  mutable std::mutex mu_;
  uint64_t published_ = 0;
  uint64_t next_read_id_ = 1;
  std::map<uint64_t, OpenInfo> open_;
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_ISOLATION_H_
