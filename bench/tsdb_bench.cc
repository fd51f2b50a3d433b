// The in-memory store under kube-state-metrics-shaped load: appends (speed
// and compressed size), selector resolution, and iteration.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/heap_in_use.h"
#include "vigil/tsdb.h"

namespace vigil::tsdb {
namespace {

constexpr int kNamespaces = 50;
constexpr int kPodsPerNamespace = 100;  // 5,000 pods
constexpr int kContainersPerPod = 2;
constexpr int64_t kScrapeIntervalMs = 30'000;
constexpr int64_t kStartMs = 1'700'000'000'000;

// 5 per-container metrics (50k series) and 25k per-pod series from five
// kube_pod_status_phase phases plus five per-pod metrics: 100k series.
std::vector<Labels> KsmSeries() {
  const char* per_container[] = {"kube_pod_container_status_running",
                                 "kube_pod_container_status_restarts_total",
                                 "kube_pod_container_resource_requests",
                                 "kube_pod_container_info",
                                 "kube_pod_container_status_ready"};
  const char* per_pod[] = {"kube_pod_info", "kube_pod_owner",
                           "kube_pod_created", "kube_pod_status_ready",
                           "kube_pod_start_time"};
  const char* phases[] = {"Pending", "Running", "Succeeded", "Failed",
                          "Unknown"};
  std::vector<Labels> out;
  out.reserve(100'000);
  for (int n = 0; n < kNamespaces; ++n) {
    const std::string ns = "ns-" + std::to_string(n);
    for (int p = 0; p < kPodsPerNamespace; ++p) {
      const std::string pod =
          "pod-" + std::to_string(n * kPodsPerNamespace + p) + "-7d9f8b";
      for (const char* m : per_pod) {
        out.push_back(Labels::FromStrings(
            {"__name__", m, "job", "ksm", "namespace", ns, "pod", pod}));
      }
      for (const char* ph : phases) {
        out.push_back(Labels::FromStrings({"__name__", "kube_pod_status_phase",
                                           "job", "ksm", "namespace", ns,
                                           "phase", ph, "pod", pod}));
      }
      for (int c = 0; c < kContainersPerPod; ++c) {
        const std::string container = "c" + std::to_string(c);
        for (const char* m : per_container) {
          out.push_back(
              Labels::FromStrings({"__name__", m, "container", container, "job",
                                   "ksm", "namespace", ns, "pod", pod}));
        }
      }
    }
  }
  return out;
}

// KSM values are mostly constant; a few counters move now and then.
double KsmValue(size_t series, int scrape) {
  if (series % 10 == 1) return static_cast<double>(scrape / 40);  // restarts
  return static_cast<double>(series % 2);
}

// One scrape of every series at kStartMs + scrape * interval (+ jitter, as
// real scrape timestamps have).
void AppendScrape(Head& head, const std::vector<Labels>& series,
                  std::vector<SeriesRef>& refs, int scrape, std::mt19937& rng) {
  auto app = head.NewAppender();
  const int64_t t =
      kStartMs + scrape * kScrapeIntervalMs + static_cast<int64_t>(rng() % 5);
  for (size_t i = 0; i < series.size(); ++i) {
    auto ref = app->Append(refs[i], series[i], t, KsmValue(i, scrape));
    if (ref.ok()) refs[i] = *ref;
  }
  if (!app->Commit().ok()) std::abort();
}

void BM_Append_KsmShaped_100kSeries(benchmark::State& state) {
  const std::vector<Labels> series = KsmSeries();
  std::vector<SeriesRef> refs(series.size(), 0);
  const size_t heap_before = vigil::bench::HeapInUse();
  Head head;
  std::mt19937 rng(1);
  int scrape = 0;
  AppendScrape(head, series, refs, scrape++, rng);  // creates the series
  const uint64_t base = head.Stats().samples_appended;
  for (auto _ : state) {
    AppendScrape(head, series, refs, scrape++, rng);
  }
  const HeadStats s = head.Stats();
  state.SetItemsProcessed(static_cast<int64_t>(s.samples_appended - base));
  state.counters["bytes_per_sample"] = static_cast<double>(s.chunk_bytes) /
                                       static_cast<double>(s.samples_appended);
  // Everything the Head holds per series after an hour of 30s scrapes:
  // labels, index, series state, chunks; and the same without the encoded
  // samples (the cost of a series as such).
  const double heap = static_cast<double>(vigil::bench::HeapInUse()) -
                      static_cast<double>(heap_before);
  state.counters["heap_bytes_per_series"] =
      heap / static_cast<double>(s.series);
  state.counters["heap_bytes_per_series_without_samples"] =
      (heap - static_cast<double>(s.chunk_bytes)) /
      static_cast<double>(s.series);
  state.counters["scrapes"] = scrape;
}
// 120 scrapes fill one chunk per series, so bytes/sample is a steady state.
BENCHMARK(BM_Append_KsmShaped_100kSeries)
    ->Iterations(120)
    ->Unit(benchmark::kMillisecond);

// A head with 100k KSM series and 20 scrapes, shared by the Select benches.
Head& SharedHead() {
  static Head* head = [] {
    auto* h = new Head();
    const std::vector<Labels> series = KsmSeries();
    std::vector<SeriesRef> refs(series.size(), 0);
    std::mt19937 rng(2);
    for (int i = 0; i < 20; ++i) AppendScrape(*h, series, refs, i, rng);
    return h;
  }();
  return *head;
}

Matcher M(MatchType type, std::string name, std::string value) {
  auto m = Matcher::Create(type, std::move(name), std::move(value));
  if (!m.ok()) std::abort();
  return *m;
}

void RunSelect(benchmark::State& state, const Matchers& ms) {
  Head& head = SharedHead();
  size_t selected = 0;
  for (auto _ : state) {
    auto q = head.OpenQuerier(kStartMs, kStartMs + 20 * kScrapeIntervalMs);
    auto set = (*q)->Select({}, ms);
    selected = set->size();
    benchmark::DoNotOptimize(set);
  }
  state.counters["series"] = static_cast<double>(selected);
}

// The motivating alert's right-hand side, one namespace.
// Replay: 100k KSM-shaped series, 120 scrapes (an hour at 30 s, 12M
// samples) written to a log once; each iteration opens a fresh Head on it.
// The goal is 10M samples/s. With `snapshot`, a shutdown snapshot
// is written first, so the start loads chunks instead of samples.
void RunReplay(benchmark::State& state, bool snapshot) {
  const std::vector<Labels> series = KsmSeries();
  char tmpl[] = "/tmp/vigil-replay-bench-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  uint64_t samples = 0;
  int64_t disk_bytes = 0;
  {
    Head head;
    WalOptions o;
    o.dir = dir;
    if (!head.OpenWal(o, kStartMs).ok()) std::abort();
    std::vector<SeriesRef> refs(series.size(), 0);
    std::mt19937 rng(1);
    for (int scrape = 0; scrape < 120; ++scrape) {
      AppendScrape(head, series, refs, scrape, rng);
    }
    samples = head.Stats().samples_appended;
    if (snapshot && !head.SnapshotWal().ok()) std::abort();
  }
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) disk_bytes += static_cast<int64_t>(e.file_size());
  }
  const int64_t now = kStartMs + 120 * kScrapeIntervalMs;
  const size_t heap_before = vigil::bench::HeapInUse();
  size_t heap_after = heap_before;
  for (auto _ : state) {
    Head head;
    WalOptions o;
    o.dir = dir;
    auto stats = head.OpenWal(o, now);
    if (!stats.ok() || stats->samples + stats->snapshot_samples != samples) {
      state.SkipWithError("replay lost samples");
      break;
    }
    heap_after = vigil::bench::HeapInUse();
    state.PauseTiming();
    // The next start replays the same data: drop this run's new segment.
    std::filesystem::remove_all(dir + "/lock");
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * samples));
  state.counters["disk_bytes_per_sample"] =
      static_cast<double>(disk_bytes) / static_cast<double>(samples);
  state.counters["heap_mb_after_replay"] =
      static_cast<double>(heap_after - heap_before) / 1e6;
  std::filesystem::remove_all(dir);
}
void BM_WalReplay_Ksm_100kSeries_120Scrapes(benchmark::State& state) {
  RunReplay(state, /*snapshot=*/false);
}
// Real time: a replay runs on two threads, and the main thread's CPU time
// alone would overstate it.
BENCHMARK(BM_WalReplay_Ksm_100kSeries_120Scrapes)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);
void BM_SnapshotLoad_Ksm_100kSeries_120Scrapes(benchmark::State& state) {
  RunReplay(state, /*snapshot=*/true);
}
BENCHMARK(BM_SnapshotLoad_Ksm_100kSeries_120Scrapes)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

void BM_Select_EqualityMatcher_100kSeries(benchmark::State& state) {
  RunSelect(state, {M(MatchType::kEqual, "__name__", "kube_pod_info"),
                    M(MatchType::kEqual, "namespace", "ns-7")});
}
BENCHMARK(BM_Select_EqualityMatcher_100kSeries)->Unit(benchmark::kMicrosecond);

// The left-hand side over every namespace: 10k series.
void BM_Select_EqualityMatcher_AllNamespaces_100kSeries(
    benchmark::State& state) {
  RunSelect(state, {M(MatchType::kEqual, "__name__",
                      "kube_pod_container_status_running"),
                    M(MatchType::kNotEqual, "container", "")});
}
BENCHMARK(BM_Select_EqualityMatcher_AllNamespaces_100kSeries)
    ->Unit(benchmark::kMicrosecond);

// A regex that must scan the 5,000 pod values.
void BM_Select_RegexMatcher(benchmark::State& state) {
  RunSelect(state, {M(MatchType::kEqual, "__name__",
                      "kube_pod_container_status_running"),
                    M(MatchType::kRegexMatch, "pod", "pod-1[0-9]-.*")});
}
BENCHMARK(BM_Select_RegexMatcher)->Unit(benchmark::kMicrosecond);

// A set of literals, answered by lookups.
void BM_Select_RegexMatcher_LiteralSet(benchmark::State& state) {
  RunSelect(state, {M(MatchType::kRegexMatch, "namespace", "ns-1|ns-2|ns-3")});
}
BENCHMARK(BM_Select_RegexMatcher_LiteralSet)->Unit(benchmark::kMicrosecond);

// 1,000 series of 6h at a 30s interval (720 samples each), read in full.
void BM_Iterate_6hAt30s(benchmark::State& state) {
  constexpr int kSeries = 1000;
  constexpr int kSamples = 6 * 3600 / 30;
  Head head;
  std::vector<SeriesRef> refs(kSeries, 0);
  std::mt19937 rng(3);
  for (int s = 0; s < kSamples; ++s) {
    auto app = head.NewAppender();
    const int64_t t =
        kStartMs + s * kScrapeIntervalMs + static_cast<int64_t>(rng() % 5);
    for (int i = 0; i < kSeries; ++i) {
      auto ref = app->Append(
          refs[i],
          Labels::FromStrings({"__name__", "m", "i", std::to_string(i)}), t,
          static_cast<double>(s * (i % 7)) + 0.5);
      if (ref.ok()) refs[i] = *ref;
    }
    if (!app->Commit().ok()) std::abort();
  }
  auto q = head.OpenQuerier(kStartMs, kStartMs + kSamples * kScrapeIntervalMs);
  auto set = (*q)->Select({}, {M(MatchType::kEqual, "__name__", "m")});
  int64_t n = 0;
  for (auto _ : state) {
    double sum = 0;
    for (const auto& s : *set) {
      auto it = s->Iterator();
      while (it->Next()) {
        sum += it->At().v;
        ++n;
      }
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(n);
}
BENCHMARK(BM_Iterate_6hAt30s)->Unit(benchmark::kMillisecond);

// Native histograms as a service exposes them: per scrape each series
// records a few dozen observations (request durations, log-normal around
// 50 ms), so most buckets move a little and the sum gains a value with a
// full mantissa. Schema 3 gives about 20 populated buckets; the custom
// bucket (NHCB) shape is a classic histogram's 10 bounds and +Inf.
constexpr int kHistogramSeries = 1000;
constexpr int64_t kHistogramScrapeMs = 15'000;

struct HistogramSource {
  explicit HistogramSource(bool custom) : custom(custom) {}
  bool custom;
  FloatHistogram h;
  std::lognormal_distribution<double> duration{std::log(0.05), 0.6};
  std::poisson_distribution<int> observations{30};

  const FloatHistogram& Next(std::mt19937& rng) {
    if (h.positive_spans.empty()) {
      if (custom) {
        h.schema = kCustomBucketsSchema;
        h.custom_values = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
        h.positive_spans = {{0, 11}};
        h.positive_buckets.assign(11, 0);
      } else {
        h.schema = 3;
        h.zero_threshold = 1e-128;
        // 2^(i/8): buckets -48..-29 cover about 16 ms to 81 ms (and the
        // tails land in the nearest edge bucket, as a clamp would).
        h.positive_spans = {{-48, 20}};
        h.positive_buckets.assign(20, 0);
      }
    }
    const int n = observations(rng);
    for (int i = 0; i < n; ++i) {
      const double d = duration(rng);
      size_t b;
      if (custom) {
        b = static_cast<size_t>(std::lower_bound(h.custom_values.begin(),
                                                 h.custom_values.end(), d) -
                                h.custom_values.begin());
      } else {
        const double idx = std::ceil(std::log2(d) * 8);
        b = static_cast<size_t>(std::clamp(idx + 48, 0.0, 19.0));
      }
      h.positive_buckets[b] += 1;
      h.count += 1;
      h.sum += d;
    }
    return h;
  }
};

void AppendHistograms(benchmark::State& state, bool custom) {
  std::vector<Labels> series;
  for (int i = 0; i < kHistogramSeries; ++i) {
    series.push_back(
        Labels::FromStrings({"__name__", "http_request_duration_seconds", "pod",
                             "pod-" + std::to_string(i)}));
  }
  std::vector<HistogramSource> sources(kHistogramSeries,
                                       HistogramSource(custom));
  std::vector<SeriesRef> refs(series.size(), 0);
  Head head;
  std::mt19937 rng(7);
  int scrape = 0;
  for (auto _ : state) {
    auto app = head.NewAppender();
    const int64_t t = kStartMs + scrape * kHistogramScrapeMs +
                      static_cast<int64_t>(rng() % 5);
    for (size_t i = 0; i < series.size(); ++i) {
      auto ref =
          app->AppendHistogram(refs[i], series[i], t, sources[i].Next(rng));
      if (!ref.ok()) std::abort();
      refs[i] = *ref;
    }
    if (!app->Commit().ok()) std::abort();
    ++scrape;
  }
  const HeadStats s = head.Stats();
  state.SetItemsProcessed(static_cast<int64_t>(s.samples_appended));
  state.counters["bytes_per_sample"] = static_cast<double>(s.chunk_bytes) /
                                       static_cast<double>(s.samples_appended);
  state.counters["samples_per_chunk"] =
      static_cast<double>(s.samples_appended) / static_cast<double>(s.chunks);
}

// 240 scrapes: an hour at 15 s, several chunks per series.
void BM_AppendHistogram_Schema3_20Buckets_1kSeries(benchmark::State& state) {
  AppendHistograms(state, /*custom=*/false);
}
BENCHMARK(BM_AppendHistogram_Schema3_20Buckets_1kSeries)
    ->Iterations(240)
    ->Unit(benchmark::kMillisecond);

void BM_AppendHistogram_CustomBuckets_11Buckets_1kSeries(
    benchmark::State& state) {
  AppendHistograms(state, /*custom=*/true);
}
BENCHMARK(BM_AppendHistogram_CustomBuckets_11Buckets_1kSeries)
    ->Iterations(240)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vigil::tsdb
