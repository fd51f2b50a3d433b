#include "lib/kube/exposition.h"

#include "absl/strings/str_cat.h"
#include "lib/model/absl_compat.h"
#include "lib/model/exposition_text.h"
#include "lib/model/go_float.h"

namespace vigil::kube {

std::string FormatValue(double v) {
  std::string out;
  AppendGoFloat(v, &out);
  return out;
}

void RenderFamily(const FamilyInfo& family,
                  const std::vector<SeriesSample>& series, std::string* out) {
  absl::StrAppend(out, "# HELP ", ToAbsl(family.name), " ");
  AppendExpositionEscaped(family.help, /*quote=*/false, out);
  absl::StrAppend(out, "\n# TYPE ", ToAbsl(family.name), " ",
                  ToAbsl(family.type), "\n");
  for (const SeriesSample& s : series) {
    out->append(family.name);
    bool first = true;
    for (const Label& l : s.labels) {
      if (l.name == kMetricName) continue;
      out->append(first ? "{" : ",");
      first = false;
      absl::StrAppend(out, l.name, "=\"");
      AppendExpositionEscaped(l.value, /*quote=*/true, out);
      out->push_back('"');
    }
    if (!first) out->push_back('}');
    absl::StrAppend(out, " ", FormatValue(s.value), "\n");
  }
}

}  // namespace vigil::kube
