// Writes a vigil storage directory (what `vigil run --storage.tsdb.path`
// leaves) holding the recorded cluster of bench/replay_data.py — the same
// series, values and times — for `vigil replay --data DIR` benchmarks
// (bench/replay_bench.sh's DIR mode). Text of a week of 10,000 pods would
// be some 130 GB; the directory is the compressed chunks.
//
// The samples are appended to a Head in time order, one commit per
// timestamp as scrapes would; all but the last LOG_HOURS go into a
// snapshot, the rest into the write-ahead log after it, as a live vigil
// between two checkpoints leaves them.
//
// usage: replay_storage_data PODS HOURS STEP_SECONDS DIR [LOG_HOURS]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "vigil/labels.h"
#include "vigil/tsdb.h"

namespace {

using vigil::Labels;

struct Series {
  Labels labels;
  bool flapping = false;
  int pod = 0;
  vigil::SeriesRef ref = 0;
};

std::string Bool(bool b) { return b ? "true" : "false"; }

// replay_data.py's series for pod `p`.
void AddPod(int p, std::vector<Series>* out) {
  const std::string ns = absl::StrCat("ns", p % 100);
  const std::string pod = absl::StrCat("pod-", p);
  const bool priv = p % 20 == 0;
  const bool flapping = priv && p % 140 == 0;
  out->push_back(
      {Labels::FromStrings({"__name__", "kube_pod_status_phase", "namespace",
                            ns, "pod", pod, "phase", "Running"}),
       false, p});
  out->push_back(
      {Labels::FromStrings({"__name__", "kube_pod_container_status_running",
                            "namespace", ns, "pod", pod, "container", "app"}),
       flapping, p});
  out->push_back({Labels::FromStrings(
                      {"__name__", "kube_pod_security_context", "namespace", ns,
                       "pod", pod, "privileged", Bool(priv), "host_network",
                       "false", "host_pid", "false", "host_ipc", "false"}),
                  false, p});
  out->push_back(
      {Labels::FromStrings(
           {"__name__", "kube_pod_container_security_context", "namespace", ns,
            "pod", pod, "container", "app", "container_type", "container",
            "privileged", Bool(priv), "allow_privilege_escalation",
            Bool(p % 3 == 0), "run_as_user", p % 10 == 0 ? "0" : "1000"}),
       false, p});
  if (p % 50 == 0) {
    out->push_back(
        {Labels::FromStrings({"__name__", "kube_pod_spec_volumes_host_path",
                              "namespace", ns, "pod", pod, "volume", "data",
                              "path", "/var/lib/data"}),
         false, p});
  }
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "replay_storage_data: %s\n", what.c_str());
  return 1;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since)
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    return Fail(
        "usage: replay_storage_data PODS HOURS STEP_SECONDS DIR [LOG_HOURS]");
  }
  const int pods = std::atoi(argv[1]);
  const double hours = std::atof(argv[2]);
  const int64_t step = std::atoll(argv[3]);
  const std::string dir = argv[4];
  const double log_hours = argc == 6 ? std::atof(argv[5]) : 0;
  if (pods <= 0 || hours <= 0 || step <= 0 || log_hours < 0 ||
      log_hours > hours) {
    return Fail(
        "PODS, HOURS and STEP_SECONDS must be positive, LOG_HOURS "
        "at most HOURS");
  }
  if (std::filesystem::exists(dir)) return Fail(dir + " exists already");

  const int64_t start = 1'700'000'000;  // replay_data.py's
  const int64_t cycle = 6 * 3600;
  const int64_t steps = static_cast<int64_t>(hours * 3600 / step) + 1;
  const int64_t snapshot_steps =
      steps - static_cast<int64_t>(log_hours * 3600 / step);
  std::vector<Series> series;
  for (int p = 0; p < pods; ++p) AddPod(p, &series);

  vigil::tsdb::HeadOptions ho;
  ho.retention_ms = 0;  // a recording of the past: keep all of it
  vigil::tsdb::Head head(ho);
  const auto begin = std::chrono::steady_clock::now();
  uint64_t samples = 0;
  auto append = [&](int64_t from, int64_t to) -> bool {
    for (int64_t i = from; i < to; ++i) {
      const int64_t t = start + i * step;
      auto app = head.NewAppender();
      for (Series& s : series) {
        const double v = s.flapping && (t + s.pod * 60) % cycle >= 2400 ? 0 : 1;
        auto ref = app->Append(s.ref, s.labels, t * 1000, v);
        if (!ref.ok()) {
          Fail(std::string(ref.status().message()));
          return false;
        }
        s.ref = *ref;
      }
      if (absl::Status st = app->Commit(); !st.ok()) {
        Fail(std::string(st.message()));
        return false;
      }
      samples += series.size();
    }
    return true;
  };
  // Appended before the log is opened: they reach the directory through
  // the snapshot only, not as log records written and deleted.
  if (!append(0, snapshot_steps)) return 1;
  vigil::tsdb::WalOptions wo;
  wo.dir = dir;
  auto opened = head.OpenWal(wo, start * 1000);
  if (!opened.ok()) return Fail(std::string(opened.status().message()));
  if (absl::Status st = head.SnapshotWal(); !st.ok()) {
    return Fail(std::string(st.message()));
  }
  if (!append(snapshot_steps, steps)) return 1;
  std::fprintf(stderr,
               "replay_storage_data: %d pods, %zu series, %llu samples "
               "(%lld in the log) in %.1f s: %s\n",
               pods, series.size(), static_cast<unsigned long long>(samples),
               static_cast<long long>((steps - snapshot_steps) *
                                      static_cast<int64_t>(series.size())),
               Seconds(begin), dir.c_str());
  return 0;
}
