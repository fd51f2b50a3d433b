#include "lib/rules/derived_labels.h"

namespace vigil::rules {

void DerivedLabels::BeginEval() {
  // Sweeping costs a pass over the cache, so it runs only once the cache
  // holds clearly more than an evaluation uses: series that went away
  // (pods replaced, a window's labels gone) are dropped within a few
  // evaluations, and a steady set of series is never swept.
  if (entries_.size() > 2 * used_now_ + 64) {
    absl::erase_if(entries_, [&](const auto& kv) {
      return kv.second.used != generation_;
    });
  }
  ++generation_;
  used_now_ = 0;
}

}  // namespace vigil::rules
