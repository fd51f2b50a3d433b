// OpenFetching and StorageFetcher: data fetched in bounded pieces of time
// as the replay advances, the shape a remote datasource needs.
#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "lib/replay/skip_produced.h"
#include "vigil/replay.h"
#include "vigil/tsdb.h"

namespace vigil::replay {
namespace {

// promtool's maxSamplesInAppender, as backfill uses.
constexpr int kSamplesPerCommit = 5000;

// Notes the time span of the samples a fetch stored.
class NoteSpan : public Appendable {
 public:
  explicit NoteSpan(Appendable& inner) : inner_(inner) {}
  std::unique_ptr<Appender> NewAppender() override {
    return std::make_unique<Noting>(*this, inner_.NewAppender());
  }
  const std::optional<TimeSpan>& span() const { return span_; }

 private:
  class Noting : public Appender {
   public:
    Noting(NoteSpan& owner, std::unique_ptr<Appender> inner)
        : owner_(owner), inner_(std::move(inner)) {}
    absl::StatusOr<SeriesRef> Append(SeriesRef ref, const Labels& labels,
                                     int64_t t_ms, double v) override {
      auto got = inner_->Append(ref, labels, t_ms, v);
      if (got.ok()) {
        auto& s = owner_.span_;
        if (!s) s = TimeSpan{t_ms, t_ms};
        s->min_ms = std::min(s->min_ms, t_ms);
        s->max_ms = std::max(s->max_ms, t_ms);
      }
      return got;
    }
    absl::Status Commit() override { return inner_->Commit(); }
    void Rollback() override { inner_->Rollback(); }

   private:
    NoteSpan& owner_;
    std::unique_ptr<Appender> inner_;
  };

  Appendable& inner_;
  std::optional<TimeSpan> span_;
};

class Fetching : public Source {
 public:
  Fetching(std::unique_ptr<Fetcher> fetcher, FetchOptions options)
      : fetcher_(std::move(fetcher)),
        options_(std::move(options)),
        head_(HeadOptions()),
        skip_(head_, options_.produced_names),
        note_(skip_) {}

  Storage& storage() override { return head_; }
  Appendable& output() override { return head_; }

  absl::Status AdvanceTo(int64_t ts_ms) override {
    if (!fetched_through_) fetched_through_ = ts_ms - options_.reach_ms - 1;
    const int64_t piece = std::max<int64_t>(options_.piece_ms, 1);
    while (*fetched_through_ < ts_ms) {
      const int64_t from = *fetched_through_ + 1;
      const int64_t to = std::max(ts_ms, from + piece - 1);
      if (absl::Status st =
              fetcher_->Fetch(options_.selectors, from, to, note_);
          !st.ok()) {
        return st;
      }
      fetched_through_ = to;
    }
    return absl::OkStatus();
  }

  void Forget(int64_t before_ms) override { head_.RunGc(before_ms); }
  std::optional<TimeSpan> DataSpan() const override { return note_.span(); }

 private:
  static tsdb::HeadOptions HeadOptions() {
    tsdb::HeadOptions o;
    o.retention_ms = 0;  // Forget() names the cutoff
    return o;
  }

  std::unique_ptr<Fetcher> fetcher_;
  FetchOptions options_;
  tsdb::Head head_;
  SkipProduced skip_;
  NoteSpan note_;
  std::optional<int64_t> fetched_through_;
};

class FromStorage : public Fetcher {
 public:
  explicit FromStorage(Storage& storage) : storage_(storage) {}

  absl::Status Fetch(const std::vector<Matchers>& selectors, int64_t from_ms,
                     int64_t to_ms, Appendable& into) override {
    auto querier = storage_.OpenQuerier(from_ms, to_ms);
    if (!querier.ok()) return querier.status();
    auto app = into.NewAppender();
    absl::flat_hash_set<uint64_t> done;  // a series two selectors match
    int batched = 0;
    for (const Matchers& m : selectors) {
      auto series = (*querier)->Select({from_ms, to_ms}, m);
      if (!series.ok()) {
        return absl::Status(
            series.status().code(),
            absl::StrCat("fetching ", Selector(m), " from ", from_ms, " to ",
                         to_ms, ": ", series.status().message()));
      }
      for (const auto& s : *series) {
        if (!done.insert(s->labels().Hash()).second) continue;
        auto it = s->Iterator();
        SeriesRef ref = 0;
        while (it->Next()) {
          const Sample sample = it->At();
          auto got = app->Append(ref, s->labels(), sample.t, sample.v);
          if (!got.ok()) return got.status();
          ref = *got;
          if (++batched >= kSamplesPerCommit) {
            batched = 0;
            if (absl::Status st = app->Commit(); !st.ok()) return st;
          }
        }
      }
    }
    return app->Commit();
  }

 private:
  static std::string Selector(const Matchers& m) {
    std::string out = "{";
    for (size_t i = 0; i < m.size(); ++i) {
      absl::StrAppend(&out, i == 0 ? "" : ", ", m[i].ToString());
    }
    return out + "}";
  }

  Storage& storage_;
};

}  // namespace

std::unique_ptr<Source> OpenFetching(std::unique_ptr<Fetcher> fetcher,
                                     FetchOptions options) {
  return std::make_unique<Fetching>(std::move(fetcher), std::move(options));
}

std::unique_ptr<Fetcher> StorageFetcher(Storage& storage) {
  return std::make_unique<FromStorage>(storage);
}

}  // namespace vigil::replay
