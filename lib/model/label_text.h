// Label names and label sets as Prometheus prints them in PromQL text and
// in the error messages and annotations built from labels.String(). Since
// Prometheus 3 a name that is not a legacy label name is printed quoted.
// Internal: not installed.
#ifndef VIGIL_LIB_MODEL_LABEL_TEXT_H_
#define VIGIL_LIB_MODEL_LABEL_TEXT_H_

#include <span>
#include <string>
#include <string_view>

#include "vigil/labels.h"

namespace vigil {

// `name` as is when it is a legacy label name, else Go-quoted.
std::string LabelNameText(std::string_view name);

// Appends `name="value"` for each label but one named `skip` (none when
// empty), separated by ", ", with a separator before the first one too
// unless `first` (Labels::ToString prints a quoted metric name first).
void AppendLabelPairs(std::span<const Label> labels, std::string_view skip,
                      bool first, std::string* out);

// Prometheus's labels.Labels.String(): {__name__="a", b="c"}, the metric
// name a label like any other.
std::string GoLabelsString(std::span<const Label> labels);
std::string GoLabelsString(const Labels& labels);

}  // namespace vigil

#endif  // VIGIL_LIB_MODEL_LABEL_TEXT_H_
