// OpenLocalFiles: OpenMetrics files loaded whole into a Head with
// lib/backfill (storage directories with storage_dir_load.h), the rules'
// output appended to the same Head, old chunks dropped as the replay moves
// on.
#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "lib/replay/skip_produced.h"
#include "lib/replay/storage_dir_load.h"
#include "vigil/backfill.h"
#include "vigil/replay.h"
#include "vigil/tsdb.h"

namespace vigil::replay {
namespace {

class LocalFiles : public Source {
 public:
  LocalFiles() : head_(Options()) {}

  Storage& storage() override { return head_; }
  Appendable& output() override { return head_; }
  absl::Status AdvanceTo(int64_t) override { return absl::OkStatus(); }
  void Forget(int64_t before_ms) override { head_.RunGc(before_ms); }
  std::optional<TimeSpan> DataSpan() const override { return span_; }

  tsdb::Head& head() { return head_; }
  void Note(const backfill::LoadStats& s) {
    if (s.samples == 0) return;
    Note(TimeSpan{s.min_time_ms, s.max_time_ms});
  }
  void Note(const TimeSpan& s) {
    if (!span_) {
      span_ = s;
    } else {
      span_->min_ms = std::min(span_->min_ms, s.min_ms);
      span_->max_ms = std::max(span_->max_ms, s.max_ms);
    }
  }

 private:
  // Retention is the replay's to decide: Forget() names the cutoff itself.
  static tsdb::HeadOptions Options() {
    tsdb::HeadOptions o;
    o.retention_ms = 0;
    return o;
  }

  tsdb::Head head_;
  std::optional<TimeSpan> span_;
};

// Skipped samples by name, from files and directories.
std::vector<std::pair<std::string, uint64_t>> MergeCounts(
    std::vector<std::pair<std::string, uint64_t>> a,
    const std::vector<std::pair<std::string, uint64_t>>& b) {
  for (const auto& entry : b) {
    auto it = std::find_if(a.begin(), a.end(), [&](const auto& e) {
      return e.first == entry.first;
    });
    if (it == a.end()) {
      a.push_back(entry);
    } else {
      it->second += entry.second;
    }
  }
  std::sort(a.begin(), a.end());
  return a;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Source>> OpenLocalFiles(
    const std::vector<std::string>& paths,
    const std::vector<std::string>& produced_names, LoadReport* report) {
  auto source = std::make_unique<LocalFiles>();
  SkipProduced filter(source->head(), produced_names);
  LoadReport r;
  std::vector<std::pair<std::string, uint64_t>> dir_skipped;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      auto loaded = LoadStorageDir(source->head(), path, produced_names);
      if (!loaded.ok()) return loaded.status();
      if (loaded->span) source->Note(*loaded->span);
      r.series += loaded->series;
      r.samples += loaded->samples;
      for (auto& s : loaded->skipped) dir_skipped.push_back(std::move(s));
      for (const std::string& note : loaded->notes) {
        r.notes.push_back(absl::StrCat(path, ": ", note));
      }
      continue;
    }
    const uint64_t skipped_before = filter.skipped_samples();
    const uint64_t skipped_series_before = filter.skipped_series();
    auto stats = backfill::LoadOpenMetricsFile(path, filter);
    if (!stats.ok()) return stats.status();
    source->Note(*stats);
    r.series +=
        stats->series - (filter.skipped_series() - skipped_series_before);
    r.samples +=
        stats->samples -
        std::min(stats->samples, filter.skipped_samples() - skipped_before);
  }
  r.skipped = MergeCounts(filter.Counts(), dir_skipped);
  if (report != nullptr) *report = std::move(r);
  return source;
}

}  // namespace vigil::replay
