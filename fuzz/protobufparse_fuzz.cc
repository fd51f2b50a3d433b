// libFuzzer target for the protobuf exposition parser. The first byte's
// bits pick the options a scrape config can set (native histograms off,
// classic kept, classic converted to custom buckets), the rest is the
// payload as a hostile target would send it. Any payload must parse or fail
// with an error that starts with its byte offset; every series and
// histogram entry must yield sorted labels with the metric name, and every
// histogram must be well formed (spans cover exactly its buckets, a schema
// the store accepts).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_die.h"
#include "vigil/histogram.h"
#include "vigil/textparse.h"

namespace {

using vigil::fuzz::Die;

uint64_t Covered(const std::vector<vigil::HistogramSpan>& spans) {
  uint64_t n = 0;
  for (const auto& s : spans) n += s.length;
  return n;
}

void CheckHistogram(const vigil::FloatHistogram* h, std::string_view series) {
  if (h == nullptr) Die("histogram entry without a histogram", series);
  if (!vigil::IsExponentialSchema(h->schema) && !h->UsesCustomBuckets()) {
    Die("histogram with an unusable schema", series);
  }
  if (Covered(h->positive_spans) != h->positive_buckets.size() ||
      Covered(h->negative_spans) != h->negative_buckets.size()) {
    Die("histogram spans do not cover its buckets", series);
  }
  if (h->UsesCustomBuckets() && !h->negative_buckets.empty()) {
    Die("custom-bucket histogram with negative buckets", series);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  using vigil::textparse::EntryType;
  // The payload lives in its own allocation so ASan sees any read past it.
  const std::string payload(reinterpret_cast<const char*>(data) + 1, size - 1);
  vigil::textparse::ParserOptions options;
  // Small limits reach the limit paths with short inputs.
  options.max_entry_bytes = 512;
  options.max_labels_per_series = 16;
  options.max_message_bytes = 4096;
  options.ignore_native_histograms = (data[0] & 1) != 0;
  options.keep_classic_histograms = (data[0] & 2) != 0;
  options.convert_classic_histograms_to_nhcb = (data[0] & 4) != 0;
  vigil::textparse::Parser parser(payload, vigil::textparse::Format::kProtobuf,
                                  options);
  vigil::textparse::SeriesLabelsBuilder builder;
  for (size_t entries = 0;; ++entries) {
    auto next = parser.Next();
    if (!next.ok()) {
      const std::string message(next.status().message());
      if (message.rfind("byte ", 0) != 0) {
        Die("error without a position", message);
      }
      auto again = parser.Next();
      if (again.ok() || again.status() != next.status()) {
        Die("error is not sticky", message);
      }
      return 0;
    }
    if (*next == EntryType::kEof) return 0;
    // A family costs at least two bytes and yields at most a few entries
    // per bucket; this only catches a loop that makes no progress.
    if (entries > 64 * (payload.size() + 1)) Die("runaway entries", payload);
    if (*next == EntryType::kHistogram) {
      CheckHistogram(parser.entry().histogram, parser.entry().series);
    } else if (*next != EntryType::kSeries) {
      continue;
    }
    const auto& pairs = builder.View(parser);
    bool has_name = false;
    for (size_t i = 0; i < pairs.size(); ++i) {
      if (i > 0 && pairs[i].name < pairs[i - 1].name) {
        Die("labels not sorted", parser.entry().series);
      }
      if (pairs[i].name == "__name__") {
        has_name = pairs[i].value == parser.entry().metric_name;
      }
    }
    if (!has_name) Die("series without its metric name", parser.entry().series);
  }
}
