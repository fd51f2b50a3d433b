// Rules over a remote datasource: the glue between the rule manager and
// vigil/datasource.h, as vmalert's and Thanos Ruler's query path. Neither
// library knows the other; the exporter hands the rule groups the query
// function and the `for`-state reader made here.
#ifndef VIGIL_EXPORTER_RULE_DATASOURCE_H_
#define VIGIL_EXPORTER_RULE_DATASOURCE_H_

#include <memory>
#include <mutex>

#include "vigil/datasource.h"
#include "vigil/promql/engine.h"
#include "vigil/rules.h"
#include "vigil/storage.h"

namespace vigil::exporter {

// Where rule queries run: the remote datasource when one is set, else the
// engine over the local store. The datasource may be replaced at any time
// (config reload); an evaluation uses the one it started with.
//
// Thread safety: all methods may be called from any thread.
class RuleQuerySource {
 public:
  RuleQuerySource(const promql::Engine* engine, Storage* storage)
      : engine_(engine), storage_(storage) {}

  // Null: evaluate locally.
  void SetClient(std::shared_ptr<const datasource::Client> client);
  std::shared_ptr<const datasource::Client> client() const;

  // Prometheus's QueryFunc over the datasource: samples are stamped with
  // the query time whatever the remote says (a remote's clock must not make
  // recordings out of order), and its warnings are logged.
  rules::QueryFunc QueryFunc() const;
  // ALERTS_FOR_STATE from the datasource (vmalert's restore); no series
  // without one.
  rules::LastSampleReader ForStateReader() const;

 private:
  const promql::Engine* engine_;
  Storage* storage_;
  mutable std::mutex mu_;
  std::shared_ptr<const datasource::Client> client_;
};

}  // namespace vigil::exporter

#endif  // VIGIL_EXPORTER_RULE_DATASOURCE_H_
