// libFuzzer target for alert templates (Go's text/template with
// Prometheus's functions), as rule authors write them: each input is a
// label or annotation template, parsed as alerting rules parse it and
// executed against an alert's data, with `query` answered by the PromQL
// engine over a small store. Any input must expand or fail cleanly — no
// crash, no sanitizer report, no runaway time or memory — within the
// executor's limits: errors in Go's "template: NAME:..." form, output
// within kMaxOutputBytes, `query` called at most max_query_calls times.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fuzz/fuzz_die.h"
#include "lib/rules/template/template.h"
#include "vigil/labels.h"
#include "vigil/promql/engine.h"
#include "vigil/tsdb.h"

namespace {

using vigil::fuzz::Die;

constexpr std::string_view kName = "__alert_Fuzz";
constexpr int64_t kNowMs = 1700000000000;

// A few series as an alert template's queries would find them: targets,
// a gauge, pods; two samples each, 30 s apart.
vigil::tsdb::Head& Store() {
  static vigil::tsdb::Head* const head = [] {
    auto* h = new vigil::tsdb::Head();
    auto app = h->NewAppender();
    const std::vector<std::pair<vigil::Labels, double>> series = {
        {vigil::Labels::FromStrings({"__name__", "up", "job", "node",
                                     "instance", "a.example.com:9100"}),
         1},
        {vigil::Labels::FromStrings({"__name__", "up", "job", "node",
                                     "instance", "b.example.com:9100"}),
         0},
        {vigil::Labels::FromStrings(
             {"__name__", "up", "job", "api", "instance", "[::1]:9090"}),
         1},
        {vigil::Labels::FromStrings(
             {"__name__", "node_load1", "instance", "a.example.com:9100"}),
         0.75},
        {vigil::Labels::FromStrings({"__name__", "kube_pod_info", "namespace",
                                     "kube-system", "pod", "cilium-abc", "node",
                                     "n1"}),
         1},
    };
    for (const auto& [labels, v] : series) {
      (void)app->Append(labels, kNowMs - 30000, v);
      (void)app->Append(labels, kNowMs, v * 2);
    }
    (void)app->Commit();
    return h;
  }();
  return *head;
}

const vigil::promql::Engine& QueryEngine() {
  static const vigil::promql::Engine* const engine = [] {
    vigil::promql::EngineOptions o;
    // A query a template builds may be expensive; the store is small and
    // the fuzzer's time is short. The clock moves a millisecond per
    // reading, so the timeout is 200 cancellation checks whatever the
    // machine's speed.
    o.timeout = std::chrono::milliseconds(200);
    o.max_samples = 100000;
    o.monotonic_clock = [] {
      static std::atomic<int64_t> readings{0};
      return std::chrono::steady_clock::time_point(
          std::chrono::milliseconds(++readings));
    };
    return new vigil::promql::Engine(o);
  }();
  return *engine;
}

// rules' EngineQueryFunc: a vector as it is, a scalar as one sample.
absl::StatusOr<std::vector<vigil::tmpl::QuerySample>> Query(
    std::string_view q) {
  auto result = QueryEngine().InstantQuery(Store(), q, kNowMs);
  if (!result.ok()) return result.status();
  std::vector<vigil::tmpl::QuerySample> out;
  if (auto* v = std::get_if<vigil::promql::Vector>(&result->value)) {
    for (const vigil::promql::VectorSample& s : *v) {
      vigil::tmpl::QuerySample qs;
      for (const vigil::Label& l : s.metric) qs.labels[l.name] = l.value;
      qs.value = s.v;
      out.push_back(std::move(qs));
    }
  } else if (auto* s = std::get_if<vigil::promql::Scalar>(&result->value)) {
    out.push_back({{}, s->v});
  } else {
    return absl::InvalidArgumentError("rule result is not a vector or scalar");
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Its own allocation, so ASan sees any read past the text.
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto tmpl = vigil::tmpl::Template::Parse(kName, text);
  if (!tmpl.ok()) {
    const std::string message(tmpl.status().message());
    if (!message.starts_with("template: ")) {
      Die("parse error not in Go's form", message);
    }
    return 0;
  }
  vigil::tmpl::TemplateData alert;
  alert.labels = {{"alertname", "TargetDown"},
                  {"instance", "a.example.com:9100"},
                  {"job", "node"},
                  {"severity", "critical"}};
  alert.external_labels = {{"cluster", "prod"}};
  alert.external_url = "http://prometheus.example.com/prom";
  alert.value = 0.25;

  vigil::tmpl::ExpandOptions options;
  options.timestamp_ms = kNowMs;
  options.max_query_calls = 8;
  int queries = 0;
  options.query = [&queries](std::string_view q) {
    ++queries;
    return Query(q);
  };
  // Ten microseconds per reading plus the time really spent: the deadline
  // falls after at most 5,000 steps, so a looping template costs the
  // fuzzer little and the same input takes the same path on every machine
  // (which a fixed-seed run needs), except one whose steps are slow — a
  // regexp searching a megabyte match by match — which real time stops.
  options.timeout = std::chrono::milliseconds(50);
  int64_t readings = 0;
  const auto start = std::chrono::steady_clock::now();
  options.monotonic_clock = [&readings, start] {
    return std::chrono::steady_clock::time_point(
        std::chrono::microseconds(10 * ++readings) +
        (std::chrono::steady_clock::now() - start));
  };
  auto out = tmpl->Execute(alert, options);
  if (queries > options.max_query_calls) {
    Die("query called past the limit", std::to_string(queries));
  }
  if (!out.ok()) {
    const std::string message(out.status().message());
    if (!message.starts_with("template: ")) {
      Die("execution error not in Go's form", message);
    }
    return 0;
  }
  if (out->size() > vigil::tmpl::kMaxOutputBytes) {
    Die("output past the limit", std::to_string(out->size()));
  }
  return 0;
}
