// OpenFetching and StorageFetcher: data fetched in bounded pieces of time
// as the replay advances, the shape a remote datasource needs.
#include <algorithm>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "lib/replay/skip_produced.h"
#include "vigil/datasource.h"
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

// Stores a sample only when it is newer than the last one stored for its
// series in this piece: a series that two selectors match comes in twice,
// and the Head would reject the second copy as out of order.
class NewerOnly : public Appendable {
 public:
  explicit NewerOnly(Appendable& inner) : inner_(inner) {}
  std::unique_ptr<Appender> NewAppender() override {
    return std::make_unique<Filtering>(*this, inner_.NewAppender());
  }
  // A new piece: every sample of it is newer than the last one's.
  void Clear() { last_.clear(); }

 private:
  class Filtering : public Appender {
   public:
    Filtering(NewerOnly& owner, std::unique_ptr<Appender> inner)
        : owner_(owner), inner_(std::move(inner)) {}
    absl::StatusOr<SeriesRef> Append(SeriesRef ref, const Labels& labels,
                                     int64_t t_ms, double v) override {
      auto [it, added] = owner_.last_.try_emplace(labels.Hash(), t_ms);
      if (!added && t_ms <= it->second) return ref;
      auto got = inner_->Append(ref, labels, t_ms, v);
      if (got.ok()) it->second = t_ms;
      return got;
    }
    absl::Status Commit() override { return inner_->Commit(); }
    void Rollback() override { inner_->Rollback(); }

   private:
    NewerOnly& owner_;
    std::unique_ptr<Appender> inner_;
  };

  Appendable& inner_;
  absl::flat_hash_map<uint64_t, int64_t> last_;  // labels hash → time
};

class Fetching : public Source {
 public:
  Fetching(std::unique_ptr<Fetcher> fetcher, FetchOptions options)
      : fetcher_(std::move(fetcher)),
        options_(std::move(options)),
        head_(HeadOptions()),
        skip_(head_, options_.produced_names),
        note_(skip_),
        newer_(note_) {}

  Storage& storage() override { return head_; }
  Appendable& output() override { return head_; }

  absl::Status AdvanceTo(int64_t ts_ms) override {
    if (!fetched_through_) fetched_through_ = ts_ms - options_.reach_ms - 1;
    const int64_t piece = std::max<int64_t>(options_.piece_ms, 1);
    while (*fetched_through_ < ts_ms) {
      const int64_t from = *fetched_through_ + 1;
      constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
      const int64_t to = from > kMax - (piece - 1) ? kMax : from + (piece - 1);
      if (absl::Status st = FetchPiece(from, to); !st.ok()) return st;
      fetched_through_ = to;
    }
    return absl::OkStatus();
  }

  void Forget(int64_t before_ms) override { head_.RunGc(before_ms); }
  std::optional<TimeSpan> DataSpan() const override { return note_.span(); }
  std::vector<DataGap> Gaps() const override { return gaps_; }

 private:
  static tsdb::HeadOptions HeadOptions() {
    tsdb::HeadOptions o;
    o.retention_ms = 0;  // Forget() names the cutoff
    return o;
  }

  absl::Status FetchPiece(int64_t from, int64_t to) {
    newer_.Clear();
    for (const Matchers& selector : options_.selectors) {
      absl::Status st = fetcher_->Fetch(selector, from, to, newer_);
      if (st.ok()) continue;
      if (!options_.keep_going) return st;
      AddGap(datasource::SelectorText(selector), from, to, st.message());
    }
    return absl::OkStatus();
  }

  // One gap per selector and run of failed pieces: an outage of a day is
  // one line, not one per piece.
  void AddGap(std::string selector, int64_t from, int64_t to,
              absl::string_view error) {
    for (auto it = gaps_.rbegin(); it != gaps_.rend(); ++it) {
      if (it->selector != selector) continue;
      if (it->to_ms + 1 == from) {
        it->to_ms = to;
        return;
      }
      break;
    }
    gaps_.emplace_back(std::move(selector), from, to, std::string(error));
  }

  std::unique_ptr<Fetcher> fetcher_;
  FetchOptions options_;
  tsdb::Head head_;
  SkipProduced skip_;
  NoteSpan note_;
  NewerOnly newer_;
  std::optional<int64_t> fetched_through_;
  std::vector<DataGap> gaps_;
};

class FromStorage : public Fetcher {
 public:
  explicit FromStorage(Storage& storage) : storage_(storage) {}

  absl::Status Fetch(const Matchers& selector, int64_t from_ms, int64_t to_ms,
                     Appendable& into) override {
    auto querier = storage_.OpenQuerier(from_ms, to_ms);
    if (!querier.ok()) return querier.status();
    auto app = into.NewAppender();
    int batched = 0;
    auto series = (*querier)->Select({from_ms, to_ms}, selector);
    if (!series.ok()) {
      return absl::Status(
          series.status().code(),
          absl::StrCat("fetching ", datasource::SelectorText(selector),
                       " from ", from_ms, " to ", to_ms, ": ",
                       series.status().message()));
    }
    for (const auto& s : *series) {
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
    return app->Commit();
  }

 private:
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
