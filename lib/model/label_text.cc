#include "lib/model/label_text.h"

#include "lib/model/go_quote.h"
#include "lib/model/strings.h"

namespace vigil {

std::string LabelNameText(std::string_view name) {
  return IsLegacyLabelName(name) ? std::string(name) : QuoteString(name);
}

void AppendLabelPairs(std::span<const Label> labels, std::string_view skip,
                      bool first, std::string* out) {
  for (const Label& l : labels) {
    if (!skip.empty() && l.name == skip) continue;
    if (!first) out->append(", ");
    first = false;
    out->append(LabelNameText(l.name));
    out->push_back('=');
    out->append(QuoteString(l.value));
  }
}

std::string GoLabelsString(std::span<const Label> labels) {
  std::string out = "{";
  AppendLabelPairs(labels, /*skip=*/{}, /*first=*/true, &out);
  out.push_back('}');
  return out;
}

std::string GoLabelsString(const Labels& labels) {
  return GoLabelsString(std::span<const Label>(labels.begin(), labels.end()));
}

}  // namespace vigil
