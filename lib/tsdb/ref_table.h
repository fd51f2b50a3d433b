// RefTable: a Head's series by ref, read without a lock. Internal.
//
// Refs come from a counter, so the table is an array indexed by ref: a
// directory of segments of kRefSegment slots, grown by publishing a larger
// copy of the directory. A lookup is three dependent loads; the stripe lock
// and hash probe it replaces were a tenth of appending by ref and of
// resolving a selection.
//
// The table does not own the series (the label index does). A reader holds
// a Guard while it uses what it found; a series Erase()d is handed over with
// its owning pointer, which the table keeps until every Guard that could
// have found it is gone: Reclaim(), called now and then (by GC), frees what
// no Guard can reach any more and never waits for one. Guards are counted
// in two counters, one per parity of an epoch that Reclaim() advances once
// the older parity has drained (the two-counter scheme of userspace RCU);
// so a Guard held for long delays the freeing of removed series, nothing
// else.
//
// Refs from kDenseRefs up (only a write-ahead log can ask for such a ref)
// are kept in a locked map instead, so that no directory grows with them.
//
// Thread safety: Find() and Guard from any thread; Set(), Erase(), Reclaim()
// and All() take the table's lock (after a StripeSeries stripe, before
// MemSeries::mu()).
#ifndef VIGIL_LIB_TSDB_REF_TABLE_H_
#define VIGIL_LIB_TSDB_REF_TABLE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "vigil/tsdb.h"

namespace vigil::tsdb {

class MemSeries;

// Slots per segment: 8 KiB of pointers.
inline constexpr size_t kRefSegmentBits = 10;
inline constexpr size_t kRefSegment = size_t{1} << kRefSegmentBits;
// Beyond any Head's series count; the directory for it is 2 MiB at most.
inline constexpr SeriesRef kDenseRefs = SeriesRef{1} << 28;

class RefTable {
 public:
  // While one lives, whatever Find() returned under it stays allocated.
  class Guard {
   public:
    explicit Guard(const RefTable& table);
    ~Guard();
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    const RefTable& table_;
    uint32_t parity_;
  };

  RefTable();
  ~RefTable();
  RefTable(const RefTable&) = delete;
  RefTable& operator=(const RefTable&) = delete;

  // The series `ref`, or null; valid while `guard` lives.
  MemSeries* Find(SeriesRef ref, const Guard& guard) const;

  // Makes `series` (alive until Erase()d) findable by `ref`, which must be
  // free.
  void Set(SeriesRef ref, MemSeries* series);
  // Forgets `ref`; `owner` (its series) is released once no Guard can have
  // found it.
  void Erase(SeriesRef ref, std::shared_ptr<MemSeries> owner);
  // Releases what Erase() handed over that no Guard can still reach.
  // Returns how many series it released.
  size_t Reclaim();

  // Erase()d series not yet released (for tests).
  size_t RetiredCount() const;

 private:
  struct Segment {
    std::atomic<MemSeries*> slots[kRefSegment] = {};
    uint32_t live = 0;  // under mu_
  };
  struct Directory {
    explicit Directory(size_t n);
    const size_t size;
    std::unique_ptr<std::atomic<Segment*>[]> segments;
  };
  // What Erase() retired between two epochs.
  struct Retired {
    std::vector<std::shared_ptr<MemSeries>> series;
    std::vector<std::unique_ptr<Segment>> segments;
    bool empty() const { return series.empty() && segments.empty(); }
  };
  struct alignas(64) Readers {
    std::atomic<uint64_t> n{0};
  };

  // The segment for `index`, created when missing; under mu_.
  Segment& SegmentFor(size_t index);

  mutable std::mutex mu_;
  std::atomic<const Directory*> dir_;
  // Every directory ever published: a reader may still hold an older one.
  // Under mu_, as are the rest.
  std::vector<std::unique_ptr<Directory>> dirs_;
  // Segment i of the current directory (null when empty).
  std::vector<std::unique_ptr<Segment>> segments_;
  absl::flat_hash_map<SeriesRef, MemSeries*> sparse_;
  // Retired since the epoch last advanced: a Guard of either parity may
  // hold them.
  Retired since_flip_;
  // Retired before it advanced: only Guards of the older parity may.
  Retired before_flip_;

  mutable std::atomic<uint32_t> epoch_{0};
  mutable Readers readers_[2];
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_REF_TABLE_H_
