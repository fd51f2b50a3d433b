// BlockingWriter (vigil/remote_write.h): remote write with the queues'
// encoder, sender and retry rules, on the caller's thread and lossless.
#include <algorithm>
#include <chrono>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "lib/remote/http_sender.h"
#include "lib/remote/write_request.h"
#include "vigil/relabel.h"
#include "vigil/remote_write.h"

namespace vigil::remote {

struct BlockingWriter::Impl {
  RemoteWriteConfig config;
  Labels external_labels;
  Options options;
  // Per series seen: its labels encoded once (null: relabelling dropped
  // it). Keyed by the labels' hash, checked against the labels.
  struct Series {
    Labels labels;
    std::shared_ptr<const std::string> encoded;
    // Its last sample was a histogram: a staleness marker ends it as a
    // stale histogram, as Prometheus's head logs it.
    bool histogram = false;
  };
  absl::flat_hash_map<uint64_t, std::vector<Series>> series;
  struct Pending {
    const std::string* labels;
    int64_t t;
    double v;
    std::shared_ptr<const FloatHistogram> h = nullptr;  // null: a float
  };
  std::vector<Pending> pending;
  uint64_t samples_sent = 0;
  uint64_t histograms_sent = 0;
  uint64_t custom_bucket_histograms_dropped = 0;
  uint64_t requests_sent = 0;

  Series& Find(const Labels& labels) {
    std::vector<Series>& bucket = series[labels.Hash()];
    for (Series& s : bucket) {
      if (s.labels == labels) return s;
    }
    Series s;
    s.labels = labels;
    LabelsBuilder b(labels);
    // Prometheus: a series' own label wins over an external one.
    for (const Label& l : external_labels) {
      if (!labels.Has(l.name)) b.Set(l.name, l.value);
    }
    std::optional<Labels> kept =
        relabel::Process(b.Build(), config.write_relabel_configs);
    if (kept && !kept->empty()) {
      s.encoded = std::make_shared<const std::string>(EncodeLabels(*kept));
    }
    bucket.push_back(std::move(s));
    return bucket.back();
  }

  absl::Status Send(const std::string& body, size_t n, size_t nh) {
    const QueueConfig& q = config.queue_config;
    int64_t backoff = q.min_backoff_ms;
    std::string last;
    for (int attempt = 0; attempt < options.max_attempts; ++attempt) {
      const SendResult r = options.send(config, body);
      ++requests_sent;
      if (r.status / 100 == 2) {
        samples_sent += n;
        histograms_sent += nh;
        return absl::OkStatus();
      }
      last = r.status == 0 ? r.error
                           : absl::StrCat("HTTP ", r.status, ": ", r.error);
      const bool retry = r.status == 0 || r.status / 100 == 5 ||
                         (r.status == 429 && q.retry_on_http_429);
      if (!retry) break;
      // Prometheus: a Retry-After replaces the backoff step.
      const int64_t sleep = r.retry_after_ms > 0 ? r.retry_after_ms : backoff;
      if (attempt + 1 < options.max_attempts) options.sleep_ms(sleep);
      backoff = std::min(sleep * 2, q.max_backoff_ms);
    }
    // Histograms are named only when there were some.
    const std::string lost =
        nh == 0 ? absl::StrCat(n, " samples")
                : absl::StrCat(n, " samples and ", nh, " histograms");
    return absl::UnavailableError(absl::StrCat(
        "remote write to ", config.url, " failed (", lost, " lost): ", last));
  }
};

BlockingWriter::BlockingWriter(RemoteWriteConfig config, Labels external_labels,
                               Options options)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->external_labels = std::move(external_labels);
  if (!options.send) options.send = HttpSend;
  if (!options.sleep_ms) {
    options.sleep_ms = [](int64_t ms) {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    };
  }
  options.max_attempts = std::max(options.max_attempts, 1);
  impl_->options = std::move(options);
}

BlockingWriter::~BlockingWriter() = default;

void BlockingWriter::Append(const Labels& labels, int64_t t_ms, double v) {
  Impl::Series& s = impl_->Find(labels);
  if (s.histogram && IsStaleNaN(v)) {
    if (!impl_->config.send_native_histograms || s.encoded == nullptr) return;
    auto marker = std::make_shared<FloatHistogram>();
    marker->sum = v;
    impl_->pending.push_back({s.encoded.get(), t_ms, 0, std::move(marker)});
    return;
  }
  s.histogram = false;
  if (s.encoded != nullptr)
    impl_->pending.push_back({s.encoded.get(), t_ms, v});
}

void BlockingWriter::AppendHistogram(const Labels& labels, int64_t t_ms,
                                     const FloatHistogram& h) {
  Impl::Series& s = impl_->Find(labels);
  s.histogram = true;
  if (!impl_->config.send_native_histograms || s.encoded == nullptr) return;
  // As the queues: remote write 1.0 has no field for custom bounds.
  if (h.UsesCustomBuckets()) {
    ++impl_->custom_bucket_histograms_dropped;
    return;
  }
  impl_->pending.push_back(
      {s.encoded.get(), t_ms, 0, std::make_shared<const FloatHistogram>(h)});
}

size_t BlockingWriter::buffered() const { return impl_->pending.size(); }

absl::Status BlockingWriter::Flush() {
  std::vector<Impl::Pending>& p = impl_->pending;
  // A series' samples keep their order: the sort is stable.
  std::stable_sort(
      p.begin(), p.end(),
      [](const Impl::Pending& a, const Impl::Pending& b) { return a.t < b.t; });
  const size_t per = static_cast<size_t>(
      std::max<int64_t>(impl_->config.queue_config.max_samples_per_send, 1));
  std::vector<EncodedSample> batch;
  std::string request, body;
  size_t done = 0;
  absl::Status status;
  while (done < p.size()) {
    const size_t n = std::min(per, p.size() - done);
    batch.clear();
    size_t nh = 0;
    for (size_t i = done; i < done + n; ++i) {
      // What rules record is a float histogram, in Prometheus too.
      batch.push_back({p[i].labels, p[i].t, p[i].v, p[i].h.get(), false});
      nh += p[i].h != nullptr;
    }
    request.clear();
    EncodeWriteRequest(batch.data(), batch.size(), &request);
    Compress(request, &body);
    done += n;
    status = impl_->Send(body, n - nh, nh);
    if (!status.ok()) break;
  }
  p.erase(p.begin(), p.begin() + static_cast<ptrdiff_t>(done));
  return status;
}

uint64_t BlockingWriter::samples_sent() const { return impl_->samples_sent; }
uint64_t BlockingWriter::histograms_sent() const {
  return impl_->histograms_sent;
}

uint64_t BlockingWriter::custom_bucket_histograms_dropped() const {
  return impl_->custom_bucket_histograms_dropped;
}
uint64_t BlockingWriter::requests_sent() const { return impl_->requests_sent; }

}  // namespace vigil::remote
