// Output label sets derived from a rule's input series, kept between
// evaluations. Internal to lib/rules.
//
// A rule whose output labels are a function of the input labels alone (a
// recording rule; an alerting rule without templated labels) derives the
// same set for the same series at every evaluation. Building it again —
// copy, sort, allocate, hash — was most of a replay's per-step cost, and
// every fresh set also made the group's lookup of its previous series
// compare label by label. The cache hands back the set built last time,
// so its hash is computed once and equal sets share one representation.
#ifndef VIGIL_LIB_RULES_DERIVED_LABELS_H_
#define VIGIL_LIB_RULES_DERIVED_LABELS_H_

#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "vigil/labels.h"

namespace vigil::rules {

class DerivedLabels {
 public:
  // Marks the start of an evaluation; entries not used during the last
  // few evaluations are dropped here, so the cache holds about what one
  // evaluation derives.
  void BeginEval();

  // The set derived from `input`, built by `build(input)` when `input` was
  // not seen (or a different set with the same hash was).
  template <typename Build>
  const Labels& Get(const Labels& input, Build&& build) {
    auto [it, inserted] = entries_.try_emplace(input.Hash());
    Entry& e = it->second;
    if (inserted || e.input != input) {
      e.input = input;
      e.output = build(input);
    } else {
      // The same set as a newer object: keep the newer one, so that the
      // comparison above is by address from now on and the older one
      // (a finished query's result) can be freed.
      e.input = input;
    }
    if (e.used != generation_) ++used_now_;
    e.used = generation_;
    return e.output;
  }

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Labels input;
    Labels output;
    uint64_t used = 0;
  };
  absl::flat_hash_map<uint64_t, Entry> entries_;
  uint64_t generation_ = 1;
  size_t used_now_ = 0;  // entries used in this generation
};

}  // namespace vigil::rules

#endif  // VIGIL_LIB_RULES_DERIVED_LABELS_H_
