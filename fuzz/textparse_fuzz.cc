// libFuzzer target for the exposition parsers. The first byte picks the
// format (even: text 0.0.4, odd: OpenMetrics), the rest is the payload, as
// a hostile scrape target would send it. Any payload must parse or fail with
// a positioned error — no crash, no sanitizer report, no read outside the
// buffer — and every series entry must yield labels the way a scrape reads
// them, sorted, with the metric name among them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_die.h"
#include "vigil/textparse.h"

namespace {

using vigil::fuzz::Die;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  using vigil::textparse::EntryType;
  const auto format = (data[0] & 1) ? vigil::textparse::Format::kOpenMetrics
                                    : vigil::textparse::Format::kPrometheusText;
  // The payload lives in its own allocation so ASan sees any read past it.
  const std::string payload(reinterpret_cast<const char*>(data) + 1, size - 1);
  vigil::textparse::ParserOptions options;
  // Small limits reach the limit paths with short inputs.
  options.max_entry_bytes = 512;
  options.max_labels_per_series = 16;
  options.skip_created_series = (data[0] & 2) != 0;
  vigil::textparse::Parser parser(payload, format, options);
  vigil::textparse::SeriesLabelsBuilder builder;
  for (size_t entries = 0;; ++entries) {
    auto next = parser.Next();
    if (!next.ok()) {
      const std::string message(next.status().message());
      if (message.rfind("line ", 0) != 0) {
        Die("error without a position", message);
      }
      // An error is sticky.
      auto again = parser.Next();
      if (again.ok() || again.status() != next.status()) {
        Die("error is not sticky", message);
      }
      return 0;
    }
    if (*next == EntryType::kEof) return 0;
    if (entries > payload.size()) Die("more entries than bytes", payload);
    if (*next != EntryType::kSeries) continue;
    const auto& pairs = builder.View(parser);
    bool has_name = false;
    for (size_t i = 0; i < pairs.size(); ++i) {
      // Duplicates pass the parser; the scrape rejects them later.
      if (i > 0 && pairs[i].name < pairs[i - 1].name) {
        Die("labels not sorted", parser.entry().series);
      }
      if (pairs[i].name == "__name__") {
        has_name = pairs[i].value == parser.entry().metric_name;
      }
    }
    if (!has_name && !parser.entry().metric_name.empty())
      Die("series without its metric name", parser.entry().series);
  }
}
