#include "lib/replay/skip_produced.h"

#include <algorithm>

#include "lib/model/absl_compat.h"

namespace vigil::replay {

class SkipProduced::Filter : public Appender {
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

std::unique_ptr<Appender> SkipProduced::NewAppender() {
  return std::make_unique<Filter>(*this, inner_.NewAppender());
}

uint64_t SkipProduced::skipped_samples() const {
  uint64_t n = 0;
  for (const auto& [name, count] : counts_) n += count;
  return n;
}

std::vector<std::pair<std::string, uint64_t>> SkipProduced::Counts() const {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (const auto& [name, count] : counts_) {
    if (count > 0) out.emplace_back(name, count);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace vigil::replay
