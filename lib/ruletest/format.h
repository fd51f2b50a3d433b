// promtool's failure text, byte for byte: Go's Duration printing,
// strconv's 'E' float format and the unit-test result layouts (label sets
// and quoting are lib/model's label_text.h and go_quote.h).
// Internal to vigil_ruletest.
#ifndef VIGIL_LIB_RULETEST_FORMAT_H_
#define VIGIL_LIB_RULETEST_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/labels.h"

namespace vigil::ruletest {

// An alert as promtool compares it: labels and expanded annotations.
struct AlertEntry {
  Labels labels;
  std::vector<Label> annotations;  // sorted by name; empty values kept
};
// labels, then annotations, as promtool's labelsAndAnnotations.Less.
bool AlertLess(const AlertEntry& a, const AlertEntry& b);

struct SampleEntry {
  SampleEntry() = default;
  SampleEntry(Labels l, double v, std::string h = "")
      : labels(std::move(l)), value(v), histogram(std::move(h)) {}
  Labels labels;
  double value = 0;
  // A native histogram's test expression (promtool compares the text);
  // empty for a float sample.
  std::string histogram;
};
// The sample's value as promtool prints it: the histogram's test
// expression, else the float in 'E' format.
std::string SampleValueString(const SampleEntry& s);

// Go's time.Duration.String() for whole milliseconds: "0s", "1m0s",
// "4m59.999s", "500ms", "1h0m0s".
std::string GoDuration(int64_t ms);
// strconv.FormatFloat(v, 'E', -1, 64): 1E+00, 6E+01, 3.6E+03, NaN, +Inf.
std::string GoFloatE(double v);

// promtool's indentLines: every line but the first gets `indent`.
std::string IndentLines(std::string_view lines, std::string_view indent);
// labelsAndAnnotations.String(): "[]" or "[\n0:\n  Labels:…\n
// Annotations:…\n]".
std::string AlertsString(const std::vector<AlertEntry>& alerts);
// parsedSamplesString: "nil" or `{…} 1E+00, {…} {{count:2 sum:3}}`.
std::string SamplesString(const std::vector<SampleEntry>& samples);

}  // namespace vigil::ruletest

#endif  // VIGIL_LIB_RULETEST_FORMAT_H_
