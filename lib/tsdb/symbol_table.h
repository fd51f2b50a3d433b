// SymbolTable: every label name and value of a Head's series, stored once
// and named by a small integer. Internal.
//
// kube-state-metrics repeats a few thousand strings across hundreds of
// thousands of series (metric names, namespaces, one pod name and uid in
// some 60 series each); a series that names its labels by id costs a few
// bytes per label instead of two std::strings (64 bytes, plus the heap copy
// of every string longer than 15 bytes).
//
// Symbols are reference counted: Ref() interns a string (or counts one more
// user of it), Unref() drops a reference, and a symbol without references is
// forgotten and its id reused. Ids fit 32 bits: 2^32 live symbols would
// need some 170 GB of entries, so memory (and the scrape limits) bound the
// table long before.
//
// Thread safety: all methods may be called concurrently. Lookups go through
// a Reader, which holds the table's reader lock: take one per batch of
// lookups, never while calling Ref() or Unref() on the same thread. A
// string_view from Lookup() stays valid while the caller holds a reference
// to the symbol (as every live series does for its labels).
#ifndef VIGIL_LIB_TSDB_SYMBOL_TABLE_H_
#define VIGIL_LIB_TSDB_SYMBOL_TABLE_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace vigil::tsdb {

class SymbolTable {
 public:
  SymbolTable() = default;
  SymbolTable(const SymbolTable&) = delete;
  SymbolTable& operator=(const SymbolTable&) = delete;

  // The id of `s`, interned if new, with one more reference.
  uint32_t Ref(std::string_view s);
  // Ref() of each of `strings` into `ids`, under one lock: a new series
  // interns a dozen strings, and many series are created at once.
  void RefAll(std::span<const std::string_view> strings, uint32_t* ids);
  void Unref(uint32_t id);
  void UnrefAll(std::span<const uint32_t> ids);

  // Live symbols.
  size_t size() const;

  class Reader {
   public:
    explicit Reader(const SymbolTable& t) : t_(t), lock_(t.mu_) {}
    // `id` must be referenced by the caller.
    std::string_view Lookup(uint32_t id) const { return t_.entries_[id].text; }
    // The id of `s` when interned.
    std::optional<uint32_t> Find(std::string_view s) const;

   private:
    const SymbolTable& t_;
    std::shared_lock<std::shared_mutex> lock_;
  };

 private:
  struct Entry {
    std::string text;
    uint32_t refs = 0;
  };
  // Require mu_ held exclusively.
  uint32_t RefLocked(std::string_view s);
  void UnrefLocked(uint32_t id);

  mutable std::shared_mutex mu_;
  // A deque never moves its elements, so the map's keys (views of
  // Entry::text, short strings included) stay valid as it grows.
  std::deque<Entry> entries_;
  absl::flat_hash_map<std::string_view, uint32_t> ids_;
  std::vector<uint32_t> free_ids_;
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_SYMBOL_TABLE_H_
