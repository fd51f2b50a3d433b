#include <algorithm>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "lib/httpclient/http_client.h"
#include "vigil/notify.h"

namespace vigil::notify {
namespace {

constexpr std::string_view kAlertsPath = "/api/v2/alerts";

bool PostBatch(const AlertmanagerTarget& am, const std::string& body) {
  http::Request req;
  req.method = "POST";
  std::string base = am.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  req.url = base + std::string(kAlertsPath);
  req.body = body;
  req.headers = {{"Content-Type", "application/json"}, {"User-Agent", "vigil"}};
  req.timeout = am.timeout;
  req.basic_auth_user = am.basic_auth_user;
  req.basic_auth_password = am.basic_auth_password;
  req.bearer_token = am.bearer_token;
  req.tls = {am.ca_file, am.cert_file, am.key_file, am.server_name,
             am.insecure_skip_verify};
  req.max_body_bytes = 1 << 20;  // Alertmanager answers with little
  auto resp = http::Perform(req);
  return resp.ok() && resp->status / 100 == 2;
}

}  // namespace

struct Notifier::Impl {
  mutable std::mutex mu;
  std::condition_variable wake;     // work arrived or stopping
  std::condition_variable drained;  // queue became empty
  NotifierOptions options;
  std::deque<NotifierAlert> queue;
  NotifierStats stats;
  bool in_flight = false;
  bool stopping = false;
  std::thread sender;

  void Run() {
    std::unique_lock lock(mu);
    while (true) {
      wake.wait(lock, [&] { return stopping || !queue.empty(); });
      if (queue.empty()) break;  // stopping with nothing left
      const size_t n = std::min(queue.size(), kMaxBatchSize);
      std::vector<NotifierAlert> batch(
          std::make_move_iterator(queue.begin()),
          std::make_move_iterator(queue.begin() + static_cast<long>(n)));
      queue.erase(queue.begin(), queue.begin() + static_cast<long>(n));
      std::vector<AlertmanagerTarget> targets = options.alertmanagers;
      in_flight = true;
      lock.unlock();

      const std::string body = EncodeAlertsJson(batch);
      std::vector<std::future<bool>> results;
      for (const AlertmanagerTarget& am : targets) {
        results.push_back(std::async(
            std::launch::async, [&am, &body] { return PostBatch(am, body); }));
      }
      size_t failures = 0;
      for (auto& r : results) failures += r.get() ? 0 : 1;

      lock.lock();
      in_flight = false;
      stats.send_errors += failures;
      if (!targets.empty() && failures < targets.size()) {
        stats.alerts_sent += batch.size();
        ++stats.batches_sent;
      } else {
        stats.alerts_dropped += batch.size();
      }
      if (queue.empty()) drained.notify_all();
    }
    drained.notify_all();
  }
};

Notifier::Notifier(NotifierOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->sender = std::thread([this] { impl_->Run(); });
}

Notifier::~Notifier() {
  Flush(std::chrono::seconds(5));
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
    // What could not be delivered in time is dropped, not waited for.
    impl_->stats.alerts_dropped += impl_->queue.size();
    impl_->queue.clear();
  }
  impl_->wake.notify_all();
  impl_->sender.join();
}

void Notifier::Send(std::vector<NotifierAlert> alerts) {
  std::lock_guard lock(impl_->mu);
  const NotifierOptions& o = impl_->options;
  for (NotifierAlert& a : alerts) {
    if (!o.external_labels.empty()) {
      LabelsBuilder b(a.labels);
      for (const Label& l : o.external_labels) {
        if (!a.labels.Has(l.name)) b.Set(l.name, l.value);
      }
      a.labels = b.Build();
    }
    if (o.relabel) {
      std::optional<Labels> relabeled = o.relabel(a.labels);
      if (!relabeled || relabeled->empty()) continue;
      a.labels = std::move(*relabeled);
    }
    impl_->queue.push_back(std::move(a));
  }
  // Prometheus drops the oldest alerts when the queue overflows.
  if (impl_->queue.size() > o.queue_capacity) {
    const size_t excess = impl_->queue.size() - o.queue_capacity;
    impl_->queue.erase(impl_->queue.begin(),
                       impl_->queue.begin() + static_cast<long>(excess));
    impl_->stats.alerts_dropped += excess;
  }
  impl_->wake.notify_one();
}

void Notifier::ApplyOptions(NotifierOptions options) {
  std::lock_guard lock(impl_->mu);
  impl_->options = std::move(options);
}

bool Notifier::Flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  return impl_->drained.wait_for(
      lock, timeout, [&] { return impl_->queue.empty() && !impl_->in_flight; });
}

NotifierStats Notifier::Stats() const {
  std::lock_guard lock(impl_->mu);
  NotifierStats s = impl_->stats;
  s.queue_length = impl_->queue.size();
  s.alertmanagers = impl_->options.alertmanagers.size();
  return s;
}

}  // namespace vigil::notify
