// Encoding query answers as the API sends them: the JSON envelope and data
// written through HttpResponse::write_body into a sink that only counts,
// so the figure is the encoder's alone (bytes/s of JSON). The answer is
// the issue-18 rate range query's: 3000 cAdvisor-shaped series × 240 steps
// (25 MB), values with a rate's full 16–17 digits.
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>

#include "lib/api/handlers.h"
#include "lib/api/response_writer.h"

namespace vigil::api {
namespace {

std::shared_ptr<const promql::QueryResult> RateAnswer(int series, int steps) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> rate(0, 2);
  promql::Matrix m;
  for (int s = 0; s < series; ++s) {
    const int pod = s / 3;
    promql::MatrixSeries ms;
    ms.metric = Labels::FromStrings(
        {"container", "c" + std::to_string(s % 3), "cpu", "total", "job",
         "kubelet", "namespace", "ns-" + std::to_string(pod % 50), "node",
         "node-" + std::to_string(pod % 40), "pod",
         "pod-" + std::to_string(pod)});
    for (int i = 0; i < steps; ++i) {
      ms.samples.push_back({1700014385000 + int64_t{i} * 30000, rate(rng)});
    }
    m.push_back(std::move(ms));
  }
  auto r = std::make_shared<promql::QueryResult>();
  r->value = std::move(m);
  return r;
}

void BM_EncodeMatrix_Rate_3000series_240steps(benchmark::State& state) {
  ApiResult result;
  result.query_data = RateAnswer(3000, 240);
  const HttpResponse resp = RenderApiResult(result);
  size_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    resp.write_body([&bytes](std::string_view p) {
      benchmark::DoNotOptimize(p.data());
      bytes += p.size();
    });
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes) * state.iterations());
  state.counters["answer_MB"] = static_cast<double>(bytes) / 1e6;
}
// Wall time: a large answer is encoded on two threads.
BENCHMARK(BM_EncodeMatrix_Rate_3000series_240steps)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The same answer gzip-compressed at the level the server uses: what a
// client sending Accept-Encoding: gzip (Grafana) costs.
void BM_EncodeMatrixGzip_Rate_3000series_240steps(benchmark::State& state) {
  ApiResult result;
  result.query_data = RateAnswer(3000, 240);
  const HttpResponse resp = RenderApiResult(result);
  std::string body;
  resp.write_body([&body](std::string_view p) { body.append(p); });
  size_t out = 0;
  for (auto _ : state) {
    out = GzipText(body).size();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(body.size()) *
                          state.iterations());
  state.counters["ratio"] =
      static_cast<double>(body.size()) / static_cast<double>(out);
}
BENCHMARK(BM_EncodeMatrixGzip_Rate_3000series_240steps)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vigil::api
