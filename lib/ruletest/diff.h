// vigil's readable failure diffs: only what differs between expected and
// got, one item per line, "-" for expected and "+" for got. Plain text;
// PrintFileResult colours the "-"/"+" lines when asked. Internal.
#ifndef VIGIL_LIB_RULETEST_DIFF_H_
#define VIGIL_LIB_RULETEST_DIFF_H_

#include <string>
#include <vector>

#include "lib/ruletest/format.h"

namespace vigil::ruletest {

// Both inputs sorted. Alerts with equal labels are compared by annotation;
// the rest are paired by the most shared labels and compared label by label.
std::string DiffAlerts(const std::vector<AlertEntry>& expected,
                       const std::vector<AlertEntry>& got);

// Samples are paired by equal label sets.
std::string DiffSamples(const std::vector<SampleEntry>& expected,
                        const std::vector<SampleEntry>& got,
                        bool fuzzy_compare);

// Whether two sample values are equal as promtool compares them: exactly,
// or within one ULP with fuzzy_compare.
bool SampleValueEqual(double a, double b, bool fuzzy_compare);

// Adds ANSI colours to the "-"/"+" lines of a diff.
std::string ColorizeDiff(const std::string& diff);

}  // namespace vigil::ruletest

#endif  // VIGIL_LIB_RULETEST_DIFF_H_
