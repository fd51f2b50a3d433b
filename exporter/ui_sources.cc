#include "exporter/ui_sources.h"

#include <map>

#include "absl/strings/str_format.h"

namespace vigil::exporter {
namespace {

std::string Bytes(double b) {
  if (b >= 1 << 30) return absl::StrFormat("%.2f GiB", b / (1 << 30));
  if (b >= 1 << 20) return absl::StrFormat("%.1f MiB", b / (1 << 20));
  return absl::StrFormat("%.0f KiB", b / 1024);
}

std::string Count(double n) { return absl::StrFormat("%.0f", n); }

}  // namespace

std::vector<web::StatusFigure> StoreFigures(const SelfMetrics& self) {
  std::map<std::string, double> values;
  for (const prometheus::MetricFamily& f : self.Collect()) {
    if (f.metric.size() != 1) continue;
    const prometheus::ClientMetric& m = f.metric[0];
    values[f.name] = f.type == prometheus::MetricType::Counter ? m.counter.value
                                                               : m.gauge.value;
  }
  struct Row {
    const char* label;
    const char* metric;
    std::string (*format)(double);
  };
  static constexpr Row kRows[] = {
      {"Series", "vigil_tsdb_head_series", &Count},
      {"Samples appended", "vigil_tsdb_head_samples_appended_total", &Count},
      {"Chunks", "vigil_tsdb_head_chunks", &Count},
      {"Chunk bytes", "vigil_tsdb_head_chunk_bytes", &Bytes},
      {"Label names and values", "vigil_tsdb_head_symbols", &Count},
      {"Resident memory", "process_resident_memory_bytes", &Bytes},
  };
  std::vector<web::StatusFigure> out;
  for (const Row& r : kRows) {
    if (auto it = values.find(r.metric); it != values.end()) {
      out.push_back({r.label, r.format(it->second)});
    }
  }
  return out;
}

api::ActiveTarget CollectorTarget(const kube::CollectorStatus& status,
                                  const std::string& api_url) {
  api::ActiveTarget t;
  t.scrape_pool = "kubernetes-pods (security-context collector)";
  t.scrape_url = api_url.empty() ? "in-cluster" : api_url;
  t.labels = Labels{{"pods", std::to_string(status.pods)},
                    {"series", std::to_string(status.series)}};
  t.last_error = status.last_error;
  t.last_scrape_ms = status.last_attempt_ms;
  t.last_scrape_duration_seconds = status.last_duration_seconds;
  t.health = status.collections == 0 ? api::TargetHealth::kUnknown
             : status.up             ? api::TargetHealth::kUp
                                     : api::TargetHealth::kDown;
  return t;
}

}  // namespace vigil::exporter
