// SharedSelections' table (include/vigil/promql/engine.h): selections by
// their selector's matchers and the range and order they were read with.
// Internal to the engine.
#ifndef VIGIL_PROMQL_SHARED_SELECTIONS_H_
#define VIGIL_PROMQL_SHARED_SELECTIONS_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "promql/evaluator.h"

namespace vigil::promql {

struct SharedSelections::Impl {
  using Selection = std::shared_ptr<std::vector<eval::SelectedSeries>>;

  // What a selection depends on: the matchers, the range, whether it was
  // read sorted and whether histogram hints were resolved.
  static std::string Key(const VectorSelector& vs, const eval::SelectRange& r,
                         bool sorted, bool resolve_hints);
  Selection Find(const std::string& key) const;
  void Put(std::string key, Selection s);

  std::function<bool(const VectorSelector&)> shareable;
  mutable std::mutex mu;
  absl::flat_hash_map<std::string, Selection> selections;  // guarded by mu
};

}  // namespace vigil::promql

#endif  // VIGIL_PROMQL_SHARED_SELECTIONS_H_
