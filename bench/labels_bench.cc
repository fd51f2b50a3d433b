// Label-set hashing and lookup on kube-state-metrics-shaped series.
#include <benchmark/benchmark.h>

#include "vigil/labels.h"

namespace vigil {
namespace {

Labels KsmContainerSeries(int i) {
  std::string pod = "pod-" + std::to_string(i);
  return Labels::FromStrings({"__name__", "kube_pod_container_status_running",
                              "container", "app", "namespace", "default", "pod",
                              pod, "uid",
                              "5f1c2a7e-0000-4000-8000-" + std::to_string(i),
                              "job", "kube-state-metrics"});
}

void BM_LabelsHash_KsmContainer_6labels(benchmark::State& state) {
  Labels l = KsmContainerSeries(42);
  for (auto _ : state) benchmark::DoNotOptimize(l.Hash());
}
BENCHMARK(BM_LabelsHash_KsmContainer_6labels);

void BM_LabelsHashFor_OnPodNamespace(benchmark::State& state) {
  Labels l = KsmContainerSeries(42);
  std::vector<std::string> on = {"namespace", "pod"};
  for (auto _ : state) benchmark::DoNotOptimize(l.HashFor(on, true));
}
BENCHMARK(BM_LabelsHashFor_OnPodNamespace);

void BM_LabelsGet_Pod(benchmark::State& state) {
  Labels l = KsmContainerSeries(42);
  for (auto _ : state) benchmark::DoNotOptimize(l.Get("pod"));
}
BENCHMARK(BM_LabelsGet_Pod);

}  // namespace
}  // namespace vigil
