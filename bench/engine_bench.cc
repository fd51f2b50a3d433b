// The PromQL engine on kube-state-metrics-shaped data (ksm_engine_data.h:
// 1,000 pods x 3 containers, 6h at 30s): the queries a cluster dashboard and
// its alert rules run, each as an instant query at the end of the data and
// as a 2h range query at a 30s step (241 steps) ending there.
//
// Counters: `points` is the number of output samples of one query;
// `ns_per_point` the CPU time of one query divided by it, measured around
// the benchmark loop with the process CPU clock (the benchmark is one
// thread), so that a busy machine's waiting does not count. It equals
// Counter(points, kIsIterationInvariantRate | kInvert), which Google
// Benchmark would print in seconds rather than nanoseconds.
//
// Before timing, each query runs once and its result is checked for the
// expected shape (series count, value range); a wrong result fails the
// benchmark rather than timing it.
#include <benchmark/benchmark.h>
#include <time.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <variant>

#include "absl/strings/str_cat.h"
#include "bench/ksm_engine_data.h"
#include "vigil/promql/engine.h"
#include "vigil/tsdb.h"

namespace vigil::bench {
namespace {

constexpr int64_t kRangeMs = 2 * 3600 * 1000;
constexpr int64_t kStepMs = 30'000;

// The head, loaded on first use and shared by every benchmark.
tsdb::Head& Data() {
  static tsdb::Head* head = [] {
    auto* h = new tsdb::Head();
    absl::Status st = LoadKsmEngineData(h);
    if (!st.ok()) {
      std::fprintf(stderr, "loading benchmark data: %s\n",
                   std::string(st.message()).c_str());
      std::abort();
    }
    return h;
  }();
  return *head;
}

double ProcessCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

struct QueryCase {
  const char* query;
  // The expected number of output series and the range every value must
  // lie in.
  size_t series;
  double min_value;
  double max_value;
};

constexpr QueryCase kRateCpu = {"rate(container_cpu_usage_seconds_total[5m])",
                                3000, 0.001, 1.0};
constexpr QueryCase kSumMemoryByPod = {
    "sum by (pod) (container_memory_working_set_bytes)", 1000, 3 * 40e6,
    3 * 600e6};
// Pods 0, 32, ..., 992 are privileged; one of their 96 containers is not
// running (every 50th container from the 8th is not: container 607).
constexpr QueryCase kPrivilegedRunning = {
    "kube_pod_container_status_running{container!=\"\"} * on(pod,namespace) "
    "group_left kube_pod_security_context{privileged=\"true\"} > 0",
    95, 1, 1};
constexpr QueryCase kFailedAuthByReason = {
    "sum(rate(apiserver_failed_auth_count[5m])) by (reason)", 4, 0.01, 2};
// The work of kRateCpu with a tiny answer: selection and windows, no
// encoding of 3000 series.
constexpr QueryCase kCountRate = {
    "count(rate(container_cpu_usage_seconds_total[5m]))", 1, 3000, 3000};
constexpr QueryCase kSumRateByNamespace = {
    "sum by (namespace) (rate(container_cpu_usage_seconds_total[5m]))", 20,
    0.01, 1000};
constexpr QueryCase kLatencyP90 = {
    "histogram_quantile(0.9, sum by (le) "
    "(rate(http_request_duration_seconds_bucket[5m])))",
    1, 0.25, 1};

// Checks a result against the case; returns the number of output points, or
// an error message.
std::variant<size_t, std::string> Check(const QueryCase& c,
                                        const promql::QueryResult& r) {
  size_t series = 0;
  size_t points = 0;
  auto in_range = [&](double v) {
    return std::isfinite(v) && v >= c.min_value && v <= c.max_value;
  };
  if (const auto* vec = std::get_if<promql::Vector>(&r.value)) {
    series = vec->size();
    for (const auto& s : *vec) {
      if (!in_range(s.v)) {
        return absl::StrCat("value ", s.v, " of ", s.metric.ToString(),
                            " out of range");
      }
    }
    points = series;
  } else if (const auto* mat = std::get_if<promql::Matrix>(&r.value)) {
    series = mat->size();
    for (const auto& s : *mat) {
      if (s.samples.size() != kRangeMs / kStepMs + 1) {
        return absl::StrCat(s.metric.ToString(), " has ", s.samples.size(),
                            " points, not one per step");
      }
      for (const auto& p : s.samples) {
        if (!in_range(p.v)) {
          return absl::StrCat("value ", p.v, " of ", s.metric.ToString(),
                              " out of range");
        }
      }
      points += s.samples.size();
    }
  } else {
    return std::string("not a vector or matrix");
  }
  if (series != c.series) {
    return absl::StrCat(series, " series, want ", c.series);
  }
  return points;
}

void RunQuery(benchmark::State& state, const QueryCase& c, bool range) {
  tsdb::Head& head = Data();
  const promql::Engine engine;
  auto run = [&] {
    return range ? engine.RangeQuery(head, c.query, kDataEndMs - kRangeMs,
                                     kDataEndMs, kStepMs)
                 : engine.InstantQuery(head, c.query, kDataEndMs);
  };
  auto first = run();
  if (!first.ok()) {
    state.SkipWithError(std::string(first.status().message()).c_str());
    return;
  }
  auto checked = Check(c, *first);
  if (const auto* err = std::get_if<std::string>(&checked)) {
    state.SkipWithError(err->c_str());
    return;
  }
  const size_t points = std::get<size_t>(checked);

  const double start_ns = ProcessCpuNs();
  for (auto _ : state) {
    auto r = run();
    benchmark::DoNotOptimize(r);
  }
  const double ns = ProcessCpuNs() - start_ns;
  state.counters["points"] = static_cast<double>(points);
  state.counters["ns_per_point"] = ns /
                                   static_cast<double>(state.iterations()) /
                                   static_cast<double>(points);
}

void BM_InstantQuery_RateCpu_3000containers(benchmark::State& state) {
  RunQuery(state, kRateCpu, false);
}
void BM_RangeQuery_RateCpu_3000containers_2h(benchmark::State& state) {
  RunQuery(state, kRateCpu, true);
}
void BM_InstantQuery_SumMemoryByPod_1000pods(benchmark::State& state) {
  RunQuery(state, kSumMemoryByPod, false);
}
void BM_RangeQuery_SumMemoryByPod_1000pods_2h(benchmark::State& state) {
  RunQuery(state, kSumMemoryByPod, true);
}
void BM_InstantQuery_PrivilegedRunning_GroupLeft_3000containers(
    benchmark::State& state) {
  RunQuery(state, kPrivilegedRunning, false);
}
void BM_RangeQuery_PrivilegedRunning_GroupLeft_3000containers_2h(
    benchmark::State& state) {
  RunQuery(state, kPrivilegedRunning, true);
}
void BM_InstantQuery_FailedAuthByReason_4reasons(benchmark::State& state) {
  RunQuery(state, kFailedAuthByReason, false);
}
void BM_RangeQuery_FailedAuthByReason_4reasons_2h(benchmark::State& state) {
  RunQuery(state, kFailedAuthByReason, true);
}
void BM_RangeQuery_CountRate_3000containers_2h(benchmark::State& state) {
  RunQuery(state, kCountRate, true);
}
void BM_RangeQuery_SumRateByNamespace_3000containers_2h(
    benchmark::State& state) {
  RunQuery(state, kSumRateByNamespace, true);
}
void BM_InstantQuery_HistogramQuantile_10buckets_5instances(
    benchmark::State& state) {
  RunQuery(state, kLatencyP90, false);
}
void BM_RangeQuery_HistogramQuantile_10buckets_5instances_2h(
    benchmark::State& state) {
  RunQuery(state, kLatencyP90, true);
}

BENCHMARK(BM_InstantQuery_RateCpu_3000containers)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RangeQuery_RateCpu_3000containers_2h)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_InstantQuery_SumMemoryByPod_1000pods)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RangeQuery_SumMemoryByPod_1000pods_2h)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_InstantQuery_PrivilegedRunning_GroupLeft_3000containers)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RangeQuery_PrivilegedRunning_GroupLeft_3000containers_2h)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_InstantQuery_FailedAuthByReason_4reasons)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RangeQuery_FailedAuthByReason_4reasons_2h)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RangeQuery_CountRate_3000containers_2h)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RangeQuery_SumRateByNamespace_3000containers_2h)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_InstantQuery_HistogramQuantile_10buckets_5instances)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RangeQuery_HistogramQuantile_10buckets_5instances_2h)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vigil::bench
