// DatasourceFetcher: the rules' selectors fetched piece by piece from a
// Prometheus-compatible query API as raw samples.
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/replay/time_text.h"
#include "vigil/datasource.h"
#include "vigil/replay.h"

namespace vigil::replay {
namespace {

// promtool's maxSamplesInAppender, as backfill uses.
constexpr int kSamplesPerCommit = 5000;

// Whether a smaller range could succeed: the answer outgrew the client's
// limit, or the server refused to load that many samples — Prometheus's
// ErrTooManySamples ("query processing would load too many samples into
// memory in query execution") and VictoriaMetrics' -search.maxSamplesPerQuery.
bool TooLarge(const absl::Status& s) {
  return s.code() == absl::StatusCode::kResourceExhausted ||
         absl::StrContains(s.message(), "too many samples") ||
         absl::StrContains(s.message(), "maxSamplesPerQuery");
}

class FromDatasource : public Fetcher {
 public:
  explicit FromDatasource(std::shared_ptr<const datasource::Client> client)
      : client_(std::move(client)) {}

  absl::Status Fetch(const Matchers& selector, int64_t from_ms, int64_t to_ms,
                     Appendable& into) override {
    std::string query;
    auto matrix = client_->RawSamples(selector, from_ms, to_ms, &query);
    if (!matrix.ok()) {
      if (TooLarge(matrix.status()) &&
          to_ms - from_ms >= 2 * kMinFetchSplitMs) {
        const int64_t mid = from_ms + (to_ms - from_ms) / 2;
        if (absl::Status st = Fetch(selector, from_ms, mid, into); !st.ok()) {
          return st;
        }
        return Fetch(selector, mid + 1, to_ms, into);
      }
      return absl::Status(
          matrix.status().code(),
          absl::StrCat("fetching ", datasource::SelectorText(selector),
                       " from ", FormatTimeMs(from_ms), " to ",
                       FormatTimeMs(to_ms), " (query \"", query, "\" at ",
                       FormatTimeMs(to_ms), "): ", matrix.status().message()));
    }
    auto app = into.NewAppender();
    int batched = 0;
    for (const promql::MatrixSeries& s : *matrix) {
      SeriesRef ref = 0;
      for (const Sample& sample : s.samples) {
        auto got = app->Append(ref, s.metric, sample.t, sample.v);
        if (!got.ok()) {
          app->Rollback();
          return absl::Status(
              got.status().code(),
              absl::StrCat("storing the answer to \"", query, "\" at ",
                           FormatTimeMs(to_ms), ": ", got.status().message()));
        }
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
  std::shared_ptr<const datasource::Client> client_;
};

}  // namespace

std::unique_ptr<Fetcher> DatasourceFetcher(
    std::shared_ptr<const datasource::Client> client) {
  return std::make_unique<FromDatasource>(std::move(client));
}

}  // namespace vigil::replay
