// What the web UI shows that only the exporter knows: the store figures
// (taken from vigil's own metrics, so the Status page and /metrics agree)
// and the security-context collector as a target.
#ifndef VIGIL_EXPORTER_UI_SOURCES_H_
#define VIGIL_EXPORTER_UI_SOURCES_H_

#include <string>
#include <vector>

#include "exporter/self_metrics.h"
#include "vigil/api.h"
#include "vigil/kube.h"
#include "vigil/web.h"

namespace vigil::exporter {

// Series, samples, chunks and memory, formatted, from `self`'s families.
std::vector<web::StatusFigure> StoreFigures(const SelfMetrics& self);

// The collector's last pod list as a Targets row of pool
// "kubernetes-pods (security-context collector)".
api::ActiveTarget CollectorTarget(const kube::CollectorStatus& status,
                                  const std::string& api_url);

}  // namespace vigil::exporter

#endif  // VIGIL_EXPORTER_UI_SOURCES_H_
