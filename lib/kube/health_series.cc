#include "lib/kube/health_series.h"

#include <string>

namespace vigil::kube {
namespace {

using Builder = void (*)(const CollectorStatus&, std::string_view name,
                         std::vector<SeriesSample>*);

struct HealthRow {
  FamilyInfo info;
  Builder build;
};

void One(std::string_view name, double v, std::vector<SeriesSample>* out) {
  out->push_back({Labels{{std::string(kMetricName), std::string(name)}}, v});
}

constexpr HealthRow kHealthFamilies[kNumHealthFamilies] = {
    {{"vigil_kube_collector_up", "gauge",
      "1 when the last list of pods from the Kubernetes API succeeded, else "
      "0."},
     [](const CollectorStatus& s, std::string_view name,
        std::vector<SeriesSample>* out) { One(name, s.up ? 1 : 0, out); }},
    {{"vigil_kube_collector_last_success_timestamp_seconds", "gauge",
      "Unix time of the last successful list of pods, 0 before the first."},
     [](const CollectorStatus& s, std::string_view name,
        std::vector<SeriesSample>* out) {
       One(name, static_cast<double>(s.last_success_ms) / 1000, out);
     }},
    {{"vigil_kube_collector_pods", "gauge",
      "Pods in the last successful list."},
     [](const CollectorStatus& s, std::string_view name,
        std::vector<SeriesSample>* out) {
       One(name, static_cast<double>(s.pods), out);
     }},
    {{"vigil_kube_collector_series", "gauge",
      "Pod security series produced by the last successful list."},
     [](const CollectorStatus& s, std::string_view name,
        std::vector<SeriesSample>* out) {
       One(name, static_cast<double>(s.series), out);
     }},
    {{"vigil_kube_collector_list_duration_seconds", "gauge",
      "Duration of the last list of pods, all pages, failed or not."},
     [](const CollectorStatus& s, std::string_view name,
        std::vector<SeriesSample>* out) {
       One(name, s.last_duration_seconds, out);
     }},
    {{"vigil_kube_collector_errors_total", "counter",
      "Failed lists of pods by reason."},
     [](const CollectorStatus& s, std::string_view name,
        std::vector<SeriesSample>* out) {
       // Every reason from the start, so rate() sees the first failure.
       for (size_t i = 1; i < kNumErrorReasons; ++i) {
         out->push_back({Labels{{std::string(kMetricName), std::string(name)},
                                {"reason", std::string(ErrorReasonName(
                                               static_cast<ErrorReason>(i)))}},
                         static_cast<double>(s.errors_total[i])});
       }
     }},
};

}  // namespace

const FamilyInfo& HealthFamilyInfo(size_t family) {
  return kHealthFamilies[family].info;
}

std::vector<std::vector<SeriesSample>> HealthSeries(
    const CollectorStatus& status) {
  std::vector<std::vector<SeriesSample>> out(kNumHealthFamilies);
  for (size_t i = 0; i < kNumHealthFamilies; ++i) {
    kHealthFamilies[i].build(status, kHealthFamilies[i].info.name, &out[i]);
  }
  return out;
}

}  // namespace vigil::kube
