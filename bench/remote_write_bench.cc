// Remote write's CPU and wire cost per sample on kube-state-metrics series:
// encoding requests of max_samples_per_send (2000) samples and snappy
// compressing them; the same with protoc's generated classes (what the
// hand-written encoder replaces); and the whole queue (cache lookup,
// sharding, batching, encoding, compression) with a receiver that answers
// at once.
#include <benchmark/benchmark.h>
#include <time.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "bench/ksm_payload.h"
#include "lib/remote/queue_manager.h"
#include "lib/remote/write_request.h"
#include "prompb/remote.pb.h"
#include "vigil/labels.h"

namespace {

using vigil::Label;
using vigil::Labels;

constexpr int kPods = 1000;  // 67k series
constexpr size_t kBatch = 2000;
constexpr int64_t kTimestamp = 1726839815123;

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The series of the KSM payload, parsed just enough for their labels.
const std::vector<Labels>& KsmSeries() {
  static const std::vector<Labels>* series = [] {
    auto* out = new std::vector<Labels>;
    const std::string text =
        vigil::bench::KsmPayloadBuilder(kPods).Build().text;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      const std::string_view line(text.data() + pos, end - pos);
      pos = end + 1;
      if (line.empty() || line[0] == '#') continue;
      std::vector<Label> labels;
      const size_t brace = line.find('{');
      labels.push_back({"__name__", std::string(line.substr(0, brace))});
      size_t p = brace + 1;
      while (brace != std::string_view::npos && line[p] != '}') {
        const size_t eq = line.find('=', p);
        const size_t close = line.find('"', eq + 2);
        labels.push_back({std::string(line.substr(p, eq - p)),
                          std::string(line.substr(eq + 2, close - eq - 2))});
        p = close + 1;
        if (line[p] == ',') ++p;
      }
      out->push_back(Labels::FromVector(std::move(labels)));
    }
    return out;
  }();
  return *series;
}

void BM_RemoteWriteEncode_Ksm_1kPods_Batch2000(benchmark::State& state) {
  const std::vector<Labels>& series = KsmSeries();
  // The queue encodes a series' labels once, when it first sees it.
  std::vector<std::string> encoded;
  for (const Labels& l : series)
    encoded.push_back(vigil::remote::EncodeLabels(l));
  std::vector<vigil::remote::EncodedSample> samples;
  for (const std::string& e : encoded) samples.push_back({&e, kTimestamp, 1});
  std::string raw;
  std::string body;
  size_t wire = 0;
  size_t raw_bytes = 0;
  for (auto _ : state) {
    wire = 0;
    raw_bytes = 0;
    for (size_t i = 0; i < samples.size(); i += kBatch) {
      raw.clear();
      vigil::remote::EncodeWriteRequest(
          samples.data() + i, std::min(kBatch, samples.size() - i), &raw);
      vigil::remote::Compress(raw, &body);
      raw_bytes += raw.size();
      wire += body.size();
    }
    benchmark::DoNotOptimize(body);
  }
  const double n = static_cast<double>(samples.size());
  state.counters["s_per_sample"] =
      benchmark::Counter(n, benchmark::Counter::kIsIterationInvariantRate |
                                benchmark::Counter::kInvert);
  state.counters["wire_bytes_per_sample"] = static_cast<double>(wire) / n;
  state.counters["raw_bytes_per_sample"] = static_cast<double>(raw_bytes) / n;
  state.counters["samples"] = n;
}
BENCHMARK(BM_RemoteWriteEncode_Ksm_1kPods_Batch2000)
    ->Unit(benchmark::kMillisecond);

// The same requests built with protoc's classes, as a generated-code
// sender would (and as Prometheus builds prompb messages).
void BM_RemoteWriteEncodeProtobuf_Ksm_1kPods_Batch2000(
    benchmark::State& state) {
  const std::vector<Labels>& series = KsmSeries();
  std::string raw;
  std::string body;
  for (auto _ : state) {
    for (size_t i = 0; i < series.size(); i += kBatch) {
      prometheus::WriteRequest req;
      for (size_t j = i; j < std::min(series.size(), i + kBatch); ++j) {
        prometheus::TimeSeries* ts = req.add_timeseries();
        for (const Label& l : series[j]) {
          prometheus::Label* pl = ts->add_labels();
          pl->set_name(l.name);
          pl->set_value(l.value);
        }
        prometheus::Sample* s = ts->add_samples();
        s->set_value(1);
        s->set_timestamp(kTimestamp);
      }
      raw.clear();
      req.SerializeToString(&raw);
      vigil::remote::Compress(raw, &body);
    }
    benchmark::DoNotOptimize(body);
  }
  state.counters["s_per_sample"] =
      benchmark::Counter(static_cast<double>(series.size()),
                         benchmark::Counter::kIsIterationInvariantRate |
                             benchmark::Counter::kInvert);
}
BENCHMARK(BM_RemoteWriteEncodeProtobuf_Ksm_1kPods_Batch2000)
    ->Unit(benchmark::kMillisecond);

// One scrape's samples through a queue of 4 shards to a receiver that
// answers 200 at once: everything remote write costs but the network.
void BM_RemoteWriteQueue_Ksm_1kPods_4Shards(benchmark::State& state) {
  const std::vector<Labels>& series = KsmSeries();
  vigil::remote::QueueOptions o;
  o.config.url = "http://receiver/api/v1/write";
  o.config.queue_config.min_shards = 4;
  o.config.queue_config.max_shards = 4;
  o.config.queue_config.capacity = 10000;
  // The scrape's last partial batches go at once, not after 5 s.
  o.config.queue_config.batch_send_deadline_ms = 1;
  o.send = [](const vigil::remote::RemoteWriteConfig&, const std::string&) {
    return vigil::remote::SendResult{200, "", 0};
  };
  o.now_ms = [] { return kTimestamp; };
  o.sleep_ms = [](int64_t, const std::function<bool()>&) {};
  o.reshard_interval_ms = 0;
  o.block_when_full = true;
  vigil::remote::QueueManager queue(std::move(o));
  std::vector<vigil::SeriesRef> refs;
  for (size_t i = 0; i < series.size(); ++i) {
    refs.push_back(i + 1);
    queue.StoreSeries(i + 1, series[i], 0);
  }
  queue.Start();
  int64_t t = kTimestamp;
  std::vector<vigil::Sample> samples(series.size());
  // The shards' threads do the work: the process's CPU time is the cost
  // (the waiting thread sleeps, so it adds next to nothing).
  const double cpu_start = ProcessCpuSeconds();
  for (auto _ : state) {
    t += 15000;
    for (vigil::Sample& s : samples) s = {t, 1};
    queue.Append(refs.data(), samples.data(), refs.size());
    while (!queue.Idle()) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  const double cpu = ProcessCpuSeconds() - cpu_start;
  queue.Stop();
  const vigil::remote::QueueStats s = queue.Stats();
  state.counters["cpu_ns_per_sample"] =
      cpu * 1e9 /
      (static_cast<double>(series.size()) *
       static_cast<double>(state.iterations()));
  state.counters["wire_bytes_per_sample"] =
      static_cast<double>(s.bytes_sent) / static_cast<double>(s.samples_sent);
}
BENCHMARK(BM_RemoteWriteQueue_Ksm_1kPods_4Shards)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
