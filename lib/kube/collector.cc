// Collector: the collection cycle (list, convert, append, record) and the
// optional loop thread; see include/vigil/kube.h.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/kube/collection_writer.h"
#include "lib/kube/exposition.h"
#include "lib/kube/health_series.h"
#include "lib/kube/pod_lister.h"
#include "lib/kube/security_series.h"
#include "lib/model/absl_compat.h"
#include "lib/model/go_quote.h"
#include "lib/model/wall_clock.h"
#include "vigil/kube.h"
#include "vigil/storage.h"

namespace vigil::kube {
namespace {

absl::Status ValidateOptions(const CollectorOptions& o) {
  const std::string& url = o.api.api_url;
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("kube: api_url must start with http:// or https://, got ",
                     QuoteString(url)));
  }
  auto positive = [](std::string_view name, int64_t v) {
    return v > 0 ? absl::OkStatus()
                 : absl::InvalidArgumentError(absl::StrCat(
                       "kube: ", ToAbsl(name), " must be positive, got ", v));
  };
  for (absl::Status s :
       {positive("interval_ms", o.interval_ms),
        positive("request_timeout_ms", o.request_timeout_ms),
        positive("page_size", o.page_size), positive("max_pages", o.max_pages),
        positive("max_pods", static_cast<int64_t>(o.max_pods)),
        positive("max_body_bytes", o.max_body_bytes)}) {
    if (!s.ok()) return s;
  }
  if (o.exposition_max_age_ms < 0) {
    return absl::InvalidArgumentError(
        "kube: exposition_max_age_ms must not be negative");
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view ErrorReasonName(ErrorReason reason) {
  switch (reason) {
    case ErrorReason::kNone:
      return "";
    case ErrorReason::kToken:
      return "token";
    case ErrorReason::kTransport:
      return "transport";
    case ErrorReason::kTimeout:
      return "timeout";
    case ErrorReason::kUnauthorized:
      return "unauthorized";
    case ErrorReason::kForbidden:
      return "forbidden";
    case ErrorReason::kExpired:
      return "expired";
    case ErrorReason::kHttpStatus:
      return "http_status";
    case ErrorReason::kMalformed:
      return "malformed";
    case ErrorReason::kLimit:
      return "limit";
  }
  return "";
}

struct Collector::Impl {
  Impl(CollectorOptions o, Appendable* storage) : options(std::move(o)) {
    if (storage != nullptr) writer.emplace(storage);
    if (!options.now_ms) options.now_ms = WallClockMs;
  }

  CollectorOptions options;

  std::mutex collect_mu;  // one collection at a time
  std::optional<CollectionWriter> writer;

  mutable std::mutex mu;  // guards status and snapshot
  CollectorStatus status;
  std::shared_ptr<const PodSeries> snapshot;  // the last successful list

  std::atomic<bool> stopping{false};  // interrupts a list between pages
  std::mutex lifecycle_mu;            // serialises Start() and Stop()
  std::mutex loop_mu;
  std::condition_variable loop_cv;
  bool loop_stop = false;  // guarded by loop_mu
  std::thread loop;

  // Start()'s thread: `collect` now, then on the interval grid until Stop().
  void Run(const std::function<void()>& collect);
};

void Collector::Impl::Run(const std::function<void()>& collect) {
  const auto interval = std::chrono::milliseconds(options.interval_ms);
  auto next = std::chrono::steady_clock::now();
  for (;;) {
    std::unique_lock<std::mutex> lock(loop_mu);
    if (loop_cv.wait_until(lock, next, [this] { return loop_stop; })) return;
    lock.unlock();
    collect();
    const auto now = std::chrono::steady_clock::now();
    // A list slower than the interval skips the slots it overran.
    while (next <= now) next += interval;
  }
}

absl::StatusOr<std::unique_ptr<Collector>> Collector::Create(
    CollectorOptions options, Appendable* storage) {
  if (absl::Status s = ValidateOptions(options); !s.ok()) return s;
  return std::unique_ptr<Collector>(
      new Collector(std::make_unique<Impl>(std::move(options), storage)));
}

Collector::Collector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Collector::~Collector() { Stop(); }

absl::Status Collector::CollectOnce() {
  Impl& im = *impl_;
  std::lock_guard<std::mutex> collect(im.collect_mu);
  const int64_t now_ms = im.options.now_ms();
  const auto started = std::chrono::steady_clock::now();
  ListResult list = ListPods(im.options, [&im] { return im.stopping.load(); });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();
  if (list.status.code() == absl::StatusCode::kCancelled) return list.status;

  std::shared_ptr<PodSeries> series;
  if (list.status.ok()) {
    series = std::make_shared<PodSeries>();
    for (const PodSecurity& pod : list.pods) {
      AddPodSeries(pod, im.options.pod_status_series, series.get());
    }
    series->Sort();
  }

  std::vector<std::vector<SeriesSample>> health;
  {
    std::lock_guard<std::mutex> lock(im.mu);
    CollectorStatus& st = im.status;
    ++st.collections;
    st.last_attempt_ms = now_ms;
    st.last_duration_seconds = seconds;
    st.up = list.status.ok();
    if (list.status.ok()) {
      st.last_success_ms = now_ms;
      st.pods = list.pods.size();
      st.series = series->size();
      st.pages = list.pages;
      st.last_error_reason = ErrorReason::kNone;
      st.last_error.clear();
      im.snapshot = series;
    } else {
      st.last_error_reason = list.reason;
      st.last_error = std::string(list.status.message());
      ++st.errors_total[static_cast<size_t>(list.reason)];
    }
    health = HealthSeries(st);
  }

  if (im.writer) {
    uint64_t rejected = 0;
    absl::Status written =
        im.writer->Write(series.get(), health, now_ms, &rejected);
    if (!written.ok()) ++rejected;
    if (rejected > 0) {
      std::lock_guard<std::mutex> lock(im.mu);
      im.status.append_errors += rejected;
    }
  }
  return list.status;
}

absl::Status Collector::Start() {
  Impl& im = *impl_;
  std::lock_guard<std::mutex> lifecycle(im.lifecycle_mu);
  if (im.loop.joinable()) {
    return absl::FailedPreconditionError("kube collector already started");
  }
  {
    std::lock_guard<std::mutex> lock(im.loop_mu);
    im.loop_stop = false;
  }
  im.stopping = false;
  im.loop = std::thread([this] {
    // A failure is recorded in Status() and the health series.
    impl_->Run([this] { (void)CollectOnce(); });
  });
  return absl::OkStatus();
}

void Collector::Stop() {
  Impl& im = *impl_;
  std::lock_guard<std::mutex> lifecycle(im.lifecycle_mu);
  if (!im.loop.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(im.loop_mu);
    im.loop_stop = true;
  }
  im.stopping = true;
  im.loop_cv.notify_all();
  im.loop.join();
  im.stopping = false;
}

CollectorStatus Collector::Status() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->status;
}

std::string Collector::RenderExposition() const {
  const Impl& im = *impl_;
  std::shared_ptr<const PodSeries> snapshot;
  CollectorStatus status;
  {
    std::lock_guard<std::mutex> lock(im.mu);
    snapshot = im.snapshot;
    status = im.status;
  }
  if (snapshot != nullptr && im.options.now_ms() - status.last_success_ms >
                                 im.options.exposition_max_age_ms) {
    snapshot = nullptr;
  }
  std::string out;
  const std::vector<SeriesSample> none;
  const size_t families =
      im.options.pod_status_series ? kNumPodFamilies : kFirstStatusFamily;
  for (size_t i = 0; i < families; ++i) {
    RenderFamily(PodFamilyInfo(i),
                 snapshot != nullptr ? snapshot->families[i] : none, &out);
  }
  const auto health = HealthSeries(status);
  for (size_t i = 0; i < kNumHealthFamilies; ++i) {
    RenderFamily(HealthFamilyInfo(i), health[i], &out);
  }
  return out;
}

}  // namespace vigil::kube
