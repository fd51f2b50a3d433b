// Text-format and OpenMetrics parsing throughput on Prometheus's parser
// benchmark data and on a kube-state-metrics-shaped scrape of 10k pods:
// parse only, and parse plus building vigil::Labels per series.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "bench/ksm_payload.h"
#include "tests/textparse_ksm_payload.h"
#include "vigil/textparse.h"

namespace vigil::textparse {
namespace {

std::string ReadShared(const std::string& rel) {
  std::filesystem::path dir;
  if (const char* env = std::getenv("VIGIL_SHARED_DIR"); env && *env) {
    dir = env;
  } else {
    dir =
        std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "shared";
  }
  std::ifstream in(dir / rel, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Parses `text` once; returns the number of series, or -1 on error.
int64_t ParseOnce(std::string_view text, Format format, bool build_labels,
                  SeriesLabelsBuilder& builder) {
  Parser parser(text, format);
  int64_t series = 0;
  for (;;) {
    absl::StatusOr<EntryType> t = parser.Next();
    if (!t.ok()) return -1;
    if (*t == EntryType::kEof) return series;
    if (*t != EntryType::kSeries) continue;
    ++series;
    benchmark::DoNotOptimize(parser.entry().value);
    if (build_labels) {
      Labels l = builder.Build(parser);
      benchmark::DoNotOptimize(l);
    }
  }
}

void RunParse(benchmark::State& state, const std::string& text, Format format) {
  if (text.empty()) {
    state.SkipWithError("input not found; set VIGIL_SHARED_DIR");
    return;
  }
  bool build_labels = state.range(0) != 0;
  SeriesLabelsBuilder builder;
  int64_t samples = 0;
  for (auto _ : state) {
    int64_t n = ParseOnce(text, format, build_labels, builder);
    if (n < 0) {
      state.SkipWithError("parse error");
      return;
    }
    samples += n;
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(text.size()));
  state.counters["samples/s"] = benchmark::Counter(static_cast<double>(samples),
                                                   benchmark::Counter::kIsRate);
  state.SetLabel(build_labels ? "parse+labels" : "parse");
}

void BM_PromParse_Alltypes237mfs(benchmark::State& state) {
  static const std::string text =
      ReadShared("testdata/textparse/alltypes.237mfs.prom.txt");
  RunParse(state, text, Format::kPrometheusText);
}
BENCHMARK(BM_PromParse_Alltypes237mfs)->Arg(0)->Arg(1);

void BM_OpenMetricsParse_Alltypes5mfs(benchmark::State& state) {
  static const std::string text =
      ReadShared("testdata/textparse/alltypes.5mfs.om.txt");
  RunParse(state, text, Format::kOpenMetrics);
}
BENCHMARK(BM_OpenMetricsParse_Alltypes5mfs)->Arg(0)->Arg(1);

void BM_PromParse_Ksm_10kPods(benchmark::State& state) {
  static const std::string text =
      testing::MakeKsmPodsPayload(10000).text;  // ~40 MB
  RunParse(state, text, Format::kPrometheusText);
}
BENCHMARK(BM_PromParse_Ksm_10kPods)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond);

// Every pod family kube-state-metrics v2 exports (bench/ksm_payload.h).
void BM_PromParse_KsmAllFamilies_10kPods(benchmark::State& state) {
  static const std::string text = vigil::bench::MakeKsmPayload(10000).text;
  RunParse(state, text, Format::kPrometheusText);
}
BENCHMARK(BM_PromParse_KsmAllFamilies_10kPods)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vigil::textparse
