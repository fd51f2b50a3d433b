// The inverted index: label name -> label value -> sorted series refs, after
// Prometheus's tsdb/index/postings.go (MemPostings). Internal.
//
// Thread safety: Add/Delete take the writer lock. Readers take ReaderLock()
// and hold it only while resolving a selector into refs, never while
// iterating samples, so a new series (the only writer in steady state) waits
// at most for one postings resolution.
#ifndef VIGIL_LIB_TSDB_POSTINGS_H_
#define VIGIL_LIB_TSDB_POSTINGS_H_

#include <mutex>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "vigil/labels.h"
#include "vigil/tsdb.h"

namespace vigil::tsdb {

// Series refs in increasing order, no duplicates.
using PostingsList = std::vector<SeriesRef>;

PostingsList Intersect(const PostingsList& a, const PostingsList& b);
// a minus b.
PostingsList Subtract(const PostingsList& a, const PostingsList& b);
// The union of any number of lists.
PostingsList Merge(const std::vector<const PostingsList*>& lists);

class MemPostings {
 public:
  using ValueMap = absl::flat_hash_map<std::string, PostingsList>;

  void Add(SeriesRef ref, const Labels& labels);
  // Removes the refs from every list naming them; lists left empty go, so
  // label names and values only ever list live series.
  void Delete(const std::vector<std::pair<SeriesRef, Labels>>& series);

  // Holds the reader lock for the lifetime of the returned object. The
  // accessors below require it.
  class Reader {
   public:
    explicit Reader(const MemPostings& p) : p_(p), lock_(p.mu_) {}
    // nullptr when no series has name=value.
    const PostingsList* Get(std::string_view name,
                            std::string_view value) const;
    // nullptr when no series has the label.
    const ValueMap* Values(std::string_view name) const;
    const PostingsList& All() const { return p_.all_; }
    // Unsorted.
    std::vector<std::string> Names() const;

   private:
    const MemPostings& p_;
    std::shared_lock<std::shared_mutex> lock_;
  };

 private:
  mutable std::shared_mutex mu_;
  absl::flat_hash_map<std::string, ValueMap> index_;
  PostingsList all_;
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_POSTINGS_H_
