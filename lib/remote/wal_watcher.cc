// Following the write-ahead log for a queue; see wal_watcher.h.
#include "lib/remote/wal_watcher.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/tsdb/head_wal.h"
#include "lib/tsdb/wal.h"
#include "lib/tsdb/wal_records.h"

namespace vigil::remote {

WalWatcher::WalWatcher(std::string storage_dir, QueueManager* queue,
                       int64_t start_ms, int64_t poll_interval_ms,
                       std::function<void(std::string_view)> log)
    : storage_dir_(std::move(storage_dir)),
      wal_dir_(storage_dir_ + "/wal"),
      queue_(queue),
      start_ms_(start_ms),
      poll_interval_ms_(poll_interval_ms),
      log_(std::move(log)) {}

WalWatcher::~WalWatcher() { Stop(); }

void WalWatcher::Start() {
  thread_ = std::thread([this] { Run(); });
}

void WalWatcher::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WalWatcher::Log(const std::string& message) {
  // One line per distinct problem, not one per poll.
  if (message == last_error_) return;
  last_error_ = message;
  if (log_) log_(absl::StrCat("remote_name=", queue_->name(), ": ", message));
}

void WalWatcher::Run() {
  while (true) {
    ReadOnce();
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, std::chrono::milliseconds(poll_interval_ms_),
                     [this] { return stop_; })) {
      return;
    }
  }
}

bool WalWatcher::ReadOnce() {
  std::vector<tsdb::wal::SeriesEntry> series;
  std::vector<tsdb::wal::SampleEntry> samples;
  std::vector<tsdb::wal::HistogramSampleEntry> histograms;
  std::vector<SeriesRef> refs;
  std::vector<Sample> values;
  std::vector<int64_t> times;
  std::vector<FloatHistogram> hvalues;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return true;
    }
    absl::StatusOr<std::vector<tsdb::wal::SegmentRef>> segments =
        tsdb::wal::ListSegments(wal_dir_);
    if (!segments.ok()) {
      Log(std::string(segments.status().message()));
      return false;
    }
    if (segments->empty()) return true;
    const int64_t oldest = segments->front().index;
    if (segment_ < oldest) {
      if (segment_ >= 0) {
        // A checkpoint deleted segments this reader had not finished.
        skipped_ += static_cast<uint64_t>(oldest - segment_);
        Log(absl::StrCat("write-ahead log segments ",
                         tsdb::wal::SegmentName(segment_), " to ",
                         tsdb::wal::SegmentName(oldest - 1),
                         " were removed before remote write read them; "
                         "their samples are not sent"));
      }
      segment_ = oldest;
      offset_ = 0;
    }
    // Series last logged before a cut the reader has passed are gone from
    // the Head or logged again after it.
    for (const tsdb::SnapshotDir& snap : tsdb::ListSnapshots(storage_dir_)) {
      if (snap.segment <= segment_ && snap.segment > forgotten_before_) {
        queue_->ForgetSeriesMarkedBefore(snap.segment);
        forgotten_before_ = snap.segment;
      }
    }
    auto it = std::find_if(
        segments->begin(), segments->end(),
        [this](const tsdb::wal::SegmentRef& s) { return s.index >= segment_; });
    if (it == segments->end()) return true;  // ours is newer than any: wait
    if (it->index != segment_) {
      segment_ = it->index;  // a gap in the numbering
      offset_ = 0;
    }
    const bool has_next = it + 1 != segments->end();
    queue_->set_wal_position(segment_, skipped_);
    absl::StatusOr<tsdb::wal::SegmentContents> contents =
        tsdb::wal::ReadSegment(it->path, offset_);
    if (!contents.ok()) {
      // Deleted between the listing and the read: list again.
      if (absl::IsNotFound(contents.status()) ||
          contents.status().message().find("No such file") !=
              std::string_view::npos) {
        continue;
      }
      Log(std::string(contents.status().message()));
      return false;
    }
    for (const std::string& record : contents->records) {
      tsdb::wal::RecordType type;
      if (absl::Status s = tsdb::wal::DecodeRecord(record, &type, &series,
                                                   &samples, &histograms);
          !s.ok()) {
        Log(absl::StrCat("skipping an unreadable write-ahead log record in ",
                         it->path, ": ", s.message()));
        continue;
      }
      if (type == tsdb::wal::RecordType::kSeries) {
        for (const tsdb::wal::SeriesEntry& e : series) {
          queue_->StoreSeries(e.ref, e.labels, segment_);
        }
        continue;
      }
      if (type == tsdb::wal::RecordType::kHistogramSamples) {
        // Decoded even without send_native_histograms: the queue learns
        // which series are histograms, whose staleness markers Prometheus
        // logs (and so sends, or not) as histograms.
        refs.clear();
        times.clear();
        hvalues.clear();
        for (tsdb::wal::HistogramSampleEntry& e : histograms) {
          if (e.t < start_ms_) continue;
          refs.push_back(e.ref);
          times.push_back(e.t);
          hvalues.push_back(std::move(e.h));
        }
        if (!queue_->AppendHistograms(refs.data(), times.data(), hvalues.data(),
                                      refs.size())) {
          return true;  // the queue stopped
        }
        continue;
      }
      if (type != tsdb::wal::RecordType::kSamples) continue;
      refs.clear();
      values.clear();
      for (const tsdb::wal::SampleEntry& e : samples) {
        if (e.t < start_ms_) continue;  // from before this queue existed
        refs.push_back(e.ref);
        values.push_back({e.t, e.v});
      }
      if (!queue_->Append(refs.data(), values.data(), refs.size())) {
        return true;  // the queue stopped
      }
    }
    offset_ = contents->valid_bytes;
    if (!contents->damage.empty() && !contents->torn) {
      Log(absl::StrCat("damaged write-ahead log segment ", it->path, ": ",
                       contents->damage,
                       "; remote write goes on with the "
                       "next segment"));
      if (!has_next) return true;
      ++segment_;
      offset_ = 0;
      continue;
    }
    if (!has_next) return true;  // the segment being written: poll again
    // The writer has moved on, so this segment is complete — but records
    // may have landed between the read above and the listing: read it
    // once more before leaving it.
    absl::StatusOr<tsdb::wal::SegmentContents> rest =
        tsdb::wal::ReadSegment(it->path, offset_);
    if (rest.ok() && !rest->records.empty()) continue;
    ++segment_;
    offset_ = 0;
  }
}

}  // namespace vigil::remote
