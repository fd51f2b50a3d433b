// The store a rule-test group reads and writes: the tsdb Head for float
// samples, so appends behave as in promtool's TSDB (out-of-order and
// duplicate samples rejected), and a MemoryStorage for native histogram
// samples, which the Head does not store yet. Queriers merge the two per
// series by time, so a series may hold floats and histograms, as in
// Prometheus 3.x.
//
// Histogram appends are not checked for order: a histogram at the time of
// an earlier one replaces it. When the Head stores histograms this class
// becomes the Head alone.
//
// Internal to vigil_ruletest; one group's thread uses it.
#ifndef VIGIL_LIB_RULETEST_STORAGE_H_
#define VIGIL_LIB_RULETEST_STORAGE_H_

#include <memory>

#include "lib/memstore/memory_storage.h"
#include "vigil/storage.h"
#include "vigil/tsdb.h"

namespace vigil::ruletest {

class RuleTestStorage : public Storage, public Appendable {
 public:
  RuleTestStorage() = default;
  RuleTestStorage(const RuleTestStorage&) = delete;
  RuleTestStorage& operator=(const RuleTestStorage&) = delete;

  // Float samples go to the Head (refs are the Head's); histogram samples
  // are kept until Commit and return ref 0, so the labels always name them.
  std::unique_ptr<Appender> NewAppender() override;
  absl::StatusOr<std::unique_ptr<Querier>> OpenQuerier(
      int64_t mint_ms, int64_t maxt_ms) override;

 private:
  tsdb::Head floats_;
  memstore::MemoryStorage histograms_;
};

}  // namespace vigil::ruletest

#endif  // VIGIL_LIB_RULETEST_STORAGE_H_
