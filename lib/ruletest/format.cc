// Reproduces the Go formatting promtool's failure messages are built from, so
// that a failure reads the same under vigil as under promtool.
#include "lib/ruletest/format.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "lib/model/go_float.h"
#include "lib/model/label_text.h"

namespace vigil::ruletest {

bool AlertLess(const AlertEntry& a, const AlertEntry& b) {
  if (a.labels != b.labels) return a.labels < b.labels;
  return a.annotations < b.annotations;
}

std::string GoDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  uint64_t u = static_cast<uint64_t>(ms);
  if (ms < 0) {
    out = "-";
    u = static_cast<uint64_t>(-(ms + 1)) + 1;
  }
  // Below a second Go switches to the largest unit that keeps an integer
  // part; whole milliseconds always fit "ms".
  if (u < 1000) return absl::StrCat(out, u, "ms");
  const uint64_t hours = u / 3'600'000;
  const uint64_t minutes = u / 60'000 % 60;
  const uint64_t secs = u / 1000 % 60;
  const uint64_t frac = u % 1000;
  if (hours > 0) absl::StrAppend(&out, hours, "h");
  if (hours > 0 || minutes > 0) absl::StrAppend(&out, minutes, "m");
  absl::StrAppend(&out, secs);
  if (frac != 0) {
    std::string f = absl::StrCat(1000 + frac).substr(1);  // zero-padded
    while (!f.empty() && f.back() == '0') f.pop_back();
    absl::StrAppend(&out, ".", f);
  }
  out.push_back('s');
  return out;
}

std::string GoFloatE(double v) {
  std::string s = GoFormatFloat(v, 'e', -1);
  for (char& c : s) {
    if (c == 'e') c = 'E';
  }
  return s;
}

std::string IndentLines(std::string_view lines, std::string_view indent) {
  std::string out;
  size_t start = 0;
  bool first = true;
  for (;;) {
    const size_t nl = lines.find('\n', start);
    if (!first) out.append(indent);
    first = false;
    out.append(lines.substr(start, nl == std::string_view::npos
                                       ? std::string_view::npos
                                       : nl - start));
    if (nl == std::string_view::npos) break;
    out.push_back('\n');
    start = nl + 1;
  }
  return out;
}

std::string AlertsString(const std::vector<AlertEntry>& alerts) {
  if (alerts.empty()) return "[]";
  std::string out = "[";
  for (size_t i = 0; i < alerts.size(); ++i) {
    const std::string one =
        absl::StrCat("\nLabels:", GoLabelsString(alerts[i].labels),
                     "\nAnnotations:", GoLabelsString(alerts[i].annotations));
    absl::StrAppend(&out, i == 0 ? "\n" : ",\n", i, ":",
                    IndentLines(one, "  "));
  }
  out.append("\n]");
  return out;
}

std::string SampleValueString(const SampleEntry& s) {
  return s.histogram.empty() ? GoFloatE(s.value) : s.histogram;
}

std::string SamplesString(const std::vector<SampleEntry>& samples) {
  if (samples.empty()) return "nil";
  std::string out;
  for (size_t i = 0; i < samples.size(); ++i) {
    if (i > 0) out.append(", ");
    absl::StrAppend(&out, GoLabelsString(samples[i].labels), " ",
                    SampleValueString(samples[i]));
  }
  return out;
}

}  // namespace vigil::ruletest
