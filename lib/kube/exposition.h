// Prometheus text exposition format 0.0.4 for the collector's series, as
// Prometheus's expfmt writes it. Internal to vigil_kube.
#ifndef VIGIL_LIB_KUBE_EXPOSITION_H_
#define VIGIL_LIB_KUBE_EXPOSITION_H_

#include <string>
#include <string_view>
#include <vector>

#include "lib/kube/security_series.h"

namespace vigil::kube {

// "# HELP", "# TYPE" and one line per series (labels other than __name__,
// in the order of `labels`, no timestamp). HELP text escapes \ and newline;
// label values escape \, " and newline.
void RenderFamily(const FamilyInfo& family,
                  const std::vector<SeriesSample>& series, std::string* out);

// Go's strconv.FormatFloat(v, 'g', -1, 64), which expfmt writes values
// with: "1", "0.25", "1.7000000005e+09", and "+Inf", "-Inf", "NaN".
std::string FormatValue(double v);

}  // namespace vigil::kube

#endif  // VIGIL_LIB_KUBE_EXPOSITION_H_
