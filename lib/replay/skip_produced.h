// Leaves the series the rules produce themselves out of the input (see
// LoadReport in vigil/replay.h), counting them by name. Internal to
// vigil_replay.
#ifndef VIGIL_LIB_REPLAY_SKIP_PRODUCED_H_
#define VIGIL_LIB_REPLAY_SKIP_PRODUCED_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "vigil/storage.h"

namespace vigil::replay {

// Refs the filter hands out for skipped series: never a Head ref (those
// count up from 1) so that the loader's ref cache keeps working.
inline constexpr SeriesRef kSkippedRef = SeriesRef{1} << 63;

// Leaves out the series the rules will produce, counting them by name.
class SkipProduced : public Appendable {
 public:
  SkipProduced(Appendable& inner, const std::vector<std::string>& names)
      : inner_(inner) {
    for (const std::string& n : names) counts_.emplace(n, 0);
  }

  std::unique_ptr<Appender> NewAppender() override;

  uint64_t skipped_series() const { return names_.size(); }
  uint64_t skipped_samples() const;
  // Skipped samples by metric name, sorted; names never seen left out.
  std::vector<std::pair<std::string, uint64_t>> Counts() const;

 private:
  class Filter;

  Appendable& inner_;
  absl::flat_hash_map<std::string, uint64_t> counts_;
  std::vector<std::string> names_;  // by skipped ref
};

}  // namespace vigil::replay

#endif  // VIGIL_LIB_REPLAY_SKIP_PRODUCED_H_
