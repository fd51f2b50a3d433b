// OpenLocalFiles: OpenMetrics files loaded whole into a Head with
// lib/backfill, the rules' output appended to the same Head, old chunks
// dropped as the replay moves on.
#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "lib/model/absl_compat.h"
#include "vigil/backfill.h"
#include "vigil/replay.h"
#include "vigil/tsdb.h"

namespace vigil::replay {
namespace {

// Refs the filter hands out for skipped series: never a Head ref (those
// count up from 1) so that the loader's ref cache keeps working.
constexpr SeriesRef kSkippedRef = SeriesRef{1} << 63;

// Leaves out the series the rules will produce, counting them by name.
class SkipProduced : public Appendable {
 public:
  SkipProduced(Appendable& inner, const std::vector<std::string>& names)
      : inner_(inner) {
    for (const std::string& n : names) counts_.emplace(n, 0);
  }

  std::unique_ptr<Appender> NewAppender() override {
    return std::make_unique<Filter>(*this, inner_.NewAppender());
  }

  uint64_t skipped_series() const { return names_.size(); }
  uint64_t skipped_samples() const {
    uint64_t n = 0;
    for (const auto& [name, count] : counts_) n += count;
    return n;
  }
  std::vector<std::pair<std::string, uint64_t>> Counts() const {
    std::vector<std::pair<std::string, uint64_t>> out;
    for (const auto& [name, count] : counts_) {
      if (count > 0) out.emplace_back(name, count);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  class Filter : public Appender {
   public:
    Filter(SkipProduced& owner, std::unique_ptr<Appender> inner)
        : owner_(owner), inner_(std::move(inner)) {}
    absl::StatusOr<SeriesRef> Append(SeriesRef ref, const Labels& labels,
                                     int64_t t_ms, double v) override {
      if (ref & kSkippedRef) {
        ++owner_.counts_[owner_.names_[ref & ~kSkippedRef]];
        return ref;
      }
      if (ref == 0) {
        auto it = owner_.counts_.find(ToAbsl(labels.MetricName()));
        if (it != owner_.counts_.end()) {
          ++it->second;
          owner_.names_.push_back(it->first);
          return kSkippedRef | (owner_.names_.size() - 1);
        }
      }
      return inner_->Append(ref, labels, t_ms, v);
    }
    absl::Status Commit() override { return inner_->Commit(); }
    void Rollback() override { inner_->Rollback(); }

   private:
    SkipProduced& owner_;
    std::unique_ptr<Appender> inner_;
  };

  Appendable& inner_;
  absl::flat_hash_map<std::string, uint64_t> counts_;
  std::vector<std::string> names_;  // by skipped ref
};

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
    if (!span_) {
      span_ = TimeSpan{s.min_time_ms, s.max_time_ms};
    } else {
      span_->min_ms = std::min(span_->min_ms, s.min_time_ms);
      span_->max_ms = std::max(span_->max_ms, s.max_time_ms);
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

}  // namespace

absl::StatusOr<std::unique_ptr<Source>> OpenLocalFiles(
    const std::vector<std::string>& paths,
    const std::vector<std::string>& produced_names, LoadReport* report) {
  auto source = std::make_unique<LocalFiles>();
  SkipProduced filter(source->head(), produced_names);
  LoadReport r;
  for (const std::string& path : paths) {
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
  r.skipped = filter.Counts();
  if (report != nullptr) *report = std::move(r);
  return source;
}

}  // namespace vigil::replay
