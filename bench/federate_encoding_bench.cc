// Encoding /federate answers (lib/api/federate_protobuf.h): the protobuf
// MetricFamily stream written into a sink that only counts, so the figure is
// the encoder's alone. Two shapes: 100k cAdvisor-shaped float series in 1000
// families of 100 (the recording-rule federation a global Prometheus
// scrapes), and 10k native histograms (schema 3, ~40 buckets across both
// signs) in 100 families; plus one 100k-series family, past the family
// buffer, that is measured before written.
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "lib/api/federate_protobuf.h"

namespace vigil::api {
namespace {

Labels SeriesLabels(const std::string& name, int s) {
  const int pod = s / 3;
  return Labels::FromStrings({"__name__", name, "container",
                              "c" + std::to_string(s % 3), "job", "kubelet",
                              "namespace", "ns-" + std::to_string(pod % 50),
                              "node", "node-" + std::to_string(pod % 40), "pod",
                              "pod-" + std::to_string(pod)});
}

std::vector<FederatedSample> Floats(int families, int per_family) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> value(0, 1e6);
  std::vector<FederatedSample> out;
  out.reserve(static_cast<size_t>(families) * per_family);
  for (int f = 0; f < families; ++f) {
    const std::string name = "job:metric_" + std::to_string(f) + ":rate5m";
    for (int s = 0; s < per_family; ++s) {
      out.emplace_back(SeriesLabels(name, s), 1700000000000 + s, value(rng),
                       nullptr);
    }
  }
  return out;
}

std::vector<FederatedSample> Histograms(int families, int per_family) {
  std::mt19937_64 rng(2);
  std::uniform_int_distribution<int> count(0, 500);
  std::vector<FederatedSample> out;
  for (int f = 0; f < families; ++f) {
    const std::string name = "latency_seconds_" + std::to_string(f);
    for (int s = 0; s < per_family; ++s) {
      FloatHistogram h;
      h.schema = 3;
      h.zero_threshold = 1e-128;
      h.zero_count = count(rng);
      h.positive_spans = {{-5, 20}, {3, 10}};
      h.negative_spans = {{2, 10}};
      for (int i = 0; i < 30; ++i) h.positive_buckets.push_back(count(rng));
      for (int i = 0; i < 10; ++i) h.negative_buckets.push_back(count(rng));
      h.count = h.zero_count;
      for (double b : h.positive_buckets) h.count += b;
      for (double b : h.negative_buckets) h.count += b;
      h.sum = h.count * 0.37;
      out.emplace_back(SeriesLabels(name, s), 1700000000000 + s, 0,
                       std::make_shared<const FloatHistogram>(std::move(h)));
    }
  }
  return out;
}

void Run(benchmark::State& state, const std::vector<FederatedSample>& samples) {
  std::vector<const FederatedSample*> ptrs;
  for (const FederatedSample& s : samples) ptrs.push_back(&s);
  const std::vector<Label> external = {{"cluster", "eu-1"}, {"instance", ""}};
  size_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    WriteFederateProtobuf(ptrs, external, kDefaultNameEscaping,
                          [&](std::string_view p) { bytes += p.size(); });
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<int64_t>(samples.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
  state.counters["answer_bytes"] = static_cast<double>(bytes);
}

void BM_FederateProtobuf_Floats_100kSeries_1000Families(
    benchmark::State& state) {
  static const std::vector<FederatedSample> samples = Floats(1000, 100);
  Run(state, samples);
}
BENCHMARK(BM_FederateProtobuf_Floats_100kSeries_1000Families)
    ->Unit(benchmark::kMillisecond);

void BM_FederateProtobuf_Floats_100kSeries_OneFamily(benchmark::State& state) {
  static const std::vector<FederatedSample> samples = Floats(1, 100000);
  Run(state, samples);
}
BENCHMARK(BM_FederateProtobuf_Floats_100kSeries_OneFamily)
    ->Unit(benchmark::kMillisecond);

void BM_FederateProtobuf_NativeHistograms_10kSeries_40Buckets(
    benchmark::State& state) {
  static const std::vector<FederatedSample> samples = Histograms(100, 100);
  Run(state, samples);
}
BENCHMARK(BM_FederateProtobuf_NativeHistograms_10kSeries_40Buckets)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vigil::api
