// WriteOpenMetrics: a store's series as backfill input.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/model/exposition_text.h"
#include "lib/model/go_float.h"
#include "vigil/replay.h"

namespace vigil::replay {
namespace {

// OpenMetrics timestamps are seconds; the store keeps milliseconds.
void AppendSeconds(int64_t ms, std::string* out) {
  if (ms % 1000 == 0) {
    absl::StrAppend(out, ms / 1000);
  } else if (ms > 0) {
    absl::StrAppend(out, absl::StrFormat("%d.%03d", ms / 1000, ms % 1000));
  } else {
    absl::StrAppend(out,
                    absl::StrFormat("%.3f", static_cast<double>(ms) / 1000));
  }
}

void AppendSeries(const Labels& labels, std::string* out) {
  out->append(labels.MetricName());
  bool first = true;
  for (const Label& l : labels) {
    if (l.name == kMetricName) continue;
    out->append(first ? "{" : ",");
    first = false;
    out->append(l.name);
    out->append("=\"");
    AppendExpositionEscaped(l.value, true, out);
    out->push_back('"');
  }
  if (!first) out->push_back('}');
}

}  // namespace

absl::Status WriteOpenMetrics(Storage& store, int64_t mint_ms, int64_t maxt_ms,
                              const std::string& path) {
  auto querier = store.OpenQuerier(mint_ms, maxt_ms);
  if (!querier.ok()) return querier.status();
  auto all =
      Matcher::Create(MatchType::kRegexMatch, std::string(kMetricName), ".+");
  if (!all.ok()) return all.status();
  Matchers matchers;
  matchers.push_back(std::move(*all));
  auto series = (*querier)->Select({mint_ms, maxt_ms}, matchers);
  if (!series.ok()) return series.status();
  // A family's samples must be contiguous; sorting by labels alone would
  // not keep them so (label names before "__name__" sort first).
  std::stable_sort(series->begin(), series->end(),
                   [](const auto& a, const auto& b) {
                     return a->labels().MetricName() < b->labels().MetricName();
                   });

  const std::string tmp = path + ".tmp";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) return absl::PermissionDeniedError(absl::StrCat("open ", tmp));
  std::string buf;
  std::string_view family;
  for (const auto& s : *series) {
    const Labels& labels = s->labels();
    if (labels.MetricName() != family) {
      family = labels.MetricName();
      buf.append("# TYPE ").append(family).append(" gauge\n");
    }
    std::string name;
    AppendSeries(labels, &name);
    auto it = s->Iterator();
    while (it->Next()) {
      // OpenMetrics 1.0 text has no native histograms: a recorded one is
      // left out (remote write carries it).
      if (it->AtHistogram() != nullptr) continue;
      const Sample sample = it->At();
      if (IsStaleNaN(sample.v)) continue;
      buf.append(name).push_back(' ');
      AppendGoFloat(sample.v, &buf);
      buf.push_back(' ');
      AppendSeconds(sample.t, &buf);
      buf.push_back('\n');
      if (buf.size() > (1 << 20)) {
        out << buf;
        buf.clear();
      }
    }
  }
  buf.append("# EOF\n");
  out << buf;
  out.close();
  if (!out) {
    std::remove(tmp.c_str());
    return absl::DataLossError(absl::StrCat("write ", tmp, ": I/O error"));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return absl::PermissionDeniedError(
        absl::StrCat("rename ", tmp, " to ", path));
  }
  return absl::OkStatus();
}

}  // namespace vigil::replay
