// Synthetic kube-state-metrics and cAdvisor-shaped data for the engine
// benchmarks: 1,000 pods x 3 containers scraped every 30s for 6h, loaded
// once into a tsdb::Head.
//
// Series (10,054 in all, 721 samples each):
//   container_cpu_usage_seconds_total{namespace,pod,container,...}   3,000
//     counters, 0.01-0.5 cores each
//   container_memory_working_set_bytes{namespace,pod,container,...}  3,000
//     gauges, a random walk around 50-500 MiB
//   kube_pod_container_status_running{namespace,pod,container,...}   3,000
//     1, except 2% of containers that are 0
//   kube_pod_security_context{namespace,pod,privileged}               1,000
//     one per pod, privileged="true" for every 32nd pod (~3%)
//   apiserver_failed_auth_count{reason}                                   4
//   http_request_duration_seconds_bucket{instance,job,le}                50
//     5 instances x 10 buckets, cumulative in le
// Values come from a fixed-seed generator, so every run sees the same data.
#ifndef VIGIL_BENCH_KSM_ENGINE_DATA_H_
#define VIGIL_BENCH_KSM_ENGINE_DATA_H_

#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "vigil/labels.h"
#include "vigil/tsdb.h"

namespace vigil::bench {

inline constexpr int kNamespaces = 20;
inline constexpr int kPodsPerNamespace = 50;  // 1,000 pods
inline constexpr int kContainersPerPod = 3;
inline constexpr int kNodes = 50;
inline constexpr int kPrivilegedEvery = 32;  // every 32nd pod: ~3%
inline constexpr int64_t kScrapeIntervalMs = 30'000;
inline constexpr int64_t kDataSpanMs = 6 * 3600 * 1000;
inline constexpr int64_t kDataStartMs = 1'700'000'010'000;  // on the 30s grid
inline constexpr int64_t kDataEndMs = kDataStartMs + kDataSpanMs;

// One series being generated: its labels, ref in the head, and how its
// value moves from one scrape to the next.
struct GeneratedSeries {
  enum class Kind { kCounter, kGauge, kConstant, kBucket };
  Labels labels;
  Kind kind = Kind::kConstant;
  double value = 0;
  double rate = 0;           // counter: per-second increase; gauge: step size
  double bucket_share = 0;   // kBucket: fraction of requests at or below le
  int bucket_instance = -1;  // kBucket: which instance's requests
  SeriesRef ref = 0;
};

inline std::vector<GeneratedSeries> KsmEngineSeries() {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<GeneratedSeries> out;
  out.reserve(10'100);
  int pod_index = 0;
  int container_index = 0;
  for (int n = 0; n < kNamespaces; ++n) {
    const std::string ns = "ns-" + std::to_string(n);
    for (int p = 0; p < kPodsPerNamespace; ++p, ++pod_index) {
      const std::string pod = "pod-" + std::to_string(pod_index) + "-7d9f8b";
      const std::string node =
          "node-" + std::to_string(pod_index % kNodes) + ":10250";
      GeneratedSeries sec;
      sec.labels = Labels::FromStrings(
          {"__name__", "kube_pod_security_context", "job", "kube-state-metrics",
           "namespace", ns, "pod", pod, "privileged",
           pod_index % kPrivilegedEvery == 0 ? "true" : "false"});
      sec.value = 1;
      out.push_back(std::move(sec));
      for (int c = 0; c < kContainersPerPod; ++c, ++container_index) {
        const std::string container = "c" + std::to_string(c);
        GeneratedSeries cpu;
        cpu.labels = Labels::FromStrings(
            {"__name__", "container_cpu_usage_seconds_total", "container",
             container, "instance", node, "job", "kubelet", "namespace", ns,
             "pod", pod});
        cpu.kind = GeneratedSeries::Kind::kCounter;
        cpu.rate = 0.01 + 0.49 * unit(rng);
        cpu.value = 1000 * unit(rng);
        out.push_back(std::move(cpu));

        GeneratedSeries mem;
        mem.labels = Labels::FromStrings(
            {"__name__", "container_memory_working_set_bytes", "container",
             container, "instance", node, "job", "kubelet", "namespace", ns,
             "pod", pod});
        mem.kind = GeneratedSeries::Kind::kGauge;
        mem.value = (50 + 450 * unit(rng)) * 1024 * 1024;
        mem.rate = 1024 * 1024;
        out.push_back(std::move(mem));

        GeneratedSeries run;
        run.labels = Labels::FromStrings(
            {"__name__", "kube_pod_container_status_running", "container",
             container, "job", "kube-state-metrics", "namespace", ns, "pod",
             pod});
        run.value = container_index % 50 == 7 ? 0 : 1;
        out.push_back(std::move(run));
      }
    }
  }
  const char* reasons[] = {"error", "invalid_token", "expired", "unknown_ca"};
  for (const char* reason : reasons) {
    GeneratedSeries s;
    s.labels = Labels::FromStrings({"__name__", "apiserver_failed_auth_count",
                                    "job", "apiserver", "reason", reason});
    s.kind = GeneratedSeries::Kind::kCounter;
    s.rate = 0.05 + unit(rng);
    out.push_back(std::move(s));
  }
  // Cumulative shares of a latency distribution, one per upper bound.
  const char* les[] = {"0.005", "0.01", "0.025", "0.05", "0.1",
                       "0.25",  "0.5",  "1",     "2.5",  "+Inf"};
  const double shares[] = {0.02, 0.05, 0.15, 0.35, 0.6,
                           0.8,  0.9,  0.96, 0.99, 1.0};
  for (int i = 0; i < 5; ++i) {
    const std::string instance = "api-" + std::to_string(i) + ":8080";
    for (int b = 0; b < 10; ++b) {
      GeneratedSeries s;
      s.labels = Labels::FromStrings(
          {"__name__", "http_request_duration_seconds_bucket", "instance",
           instance, "job", "api", "le", les[b]});
      s.kind = GeneratedSeries::Kind::kBucket;
      s.bucket_share = shares[b];
      s.bucket_instance = i;
      out.push_back(std::move(s));
    }
  }
  return out;
}

// Appends every series' samples, one commit per scrape as a scraper would.
inline absl::Status LoadKsmEngineData(tsdb::Head* head) {
  std::vector<GeneratedSeries> series = KsmEngineSeries();
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  // Requests per scrape of each histogram instance, so that its buckets
  // stay monotone in le.
  double requests[5] = {0, 0, 0, 0, 0};
  auto app = head->NewAppender();
  for (int64_t t = kDataStartMs; t <= kDataEndMs; t += kScrapeIntervalMs) {
    for (double& r : requests) r += 200 + 100 * unit(rng);
    for (GeneratedSeries& s : series) {
      switch (s.kind) {
        case GeneratedSeries::Kind::kCounter:
          s.value += s.rate * 30 * (0.8 + 0.4 * unit(rng));
          break;
        case GeneratedSeries::Kind::kGauge:
          s.value += s.rate * (unit(rng) - 0.5);
          break;
        case GeneratedSeries::Kind::kBucket:
          s.value = std::floor(requests[s.bucket_instance] * s.bucket_share);
          break;
        case GeneratedSeries::Kind::kConstant:
          break;
      }
      auto ref = app->Append(s.ref, s.labels, t, s.value);
      if (!ref.ok()) return ref.status();
      s.ref = *ref;
    }
    if (auto st = app->Commit(); !st.ok()) return st;
  }
  return absl::OkStatus();
}

}  // namespace vigil::bench

#endif  // VIGIL_BENCH_KSM_ENGINE_DATA_H_
