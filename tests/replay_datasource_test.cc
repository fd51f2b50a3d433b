// Replay over a Prometheus-compatible query API (DatasourceFetcher through
// OpenFetching), against a loopback server that answers range selectors as
// Prometheus 2.x does (both ends of the range included) and can refuse
// large ranges or fail from some time on.
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/test_http_server.h"
#include "vigil/datasource.h"
#include "vigil/replay.h"
#include "vigil/replay_report.h"

namespace vigil::replay {
namespace {

using ::testing::HasSubstr;
using testing::TestHttpServer;

constexpr int64_t kMin = 60 * 1000;
constexpr char kTooMany[] =
    R"({"status":"error","errorType":"execution","error":"query processing would load too many samples into memory in query execution"})";

// up{job="a"} = 1 at every minute from 0 to 59.
class FakePrometheus {
 public:
  // Ranges longer than this are refused as Prometheus refuses a query over
  // --query.max-samples; answers for times after fail_after_ms are 503.
  int64_t max_range_ms = 1000 * kMin;
  int64_t fail_after_ms = 1000 * kMin;
  std::vector<std::pair<int64_t, int64_t>> asked;  // (time, range)

  TestHttpServer::Reply Answer(const TestHttpServer::Request& r) {
    // query=%7B__name__%3D%22up%22%7D%5B<N>ms%5D&time=<s.ms>&timeout=…
    const size_t open = r.body.find("%5B");
    const size_t ms = r.body.find("ms%5D");
    const size_t time = r.body.find("&time=");
    int64_t range = 0;
    double seconds = 0;
    if (open == std::string::npos || ms == std::string::npos ||
        time == std::string::npos ||
        !absl::SimpleAtoi(r.body.substr(open + 3, ms - open - 3), &range) ||
        !absl::SimpleAtod(
            r.body.substr(time + 6, r.body.find('&', time + 1) - time - 6),
            &seconds)) {
      return {400, "application/json", R"({"status":"error"})"};
    }
    const int64_t t = static_cast<int64_t>(seconds * 1000 + 0.5);
    asked.emplace_back(t, range);
    if (t > fail_after_ms) {
      return {503, "application/json",
              R"({"status":"error","errorType":"unavailable","error":"down"})"};
    }
    if (range > max_range_ms) return {422, "application/json", kTooMany};
    std::string values;
    for (int64_t m = 0; m < 60; ++m) {
      if (m * kMin < t - range || m * kMin > t) continue;
      absl::StrAppend(&values, values.empty() ? "" : ",", "[", m * 60,
                      ",\"1\"]");
    }
    return {
        200, "application/json",
        absl::StrCat(
            R"({"status":"success","data":{"resultType":"matrix","result":[)",
            values.empty()
                ? ""
                : R"({"metric":{"__name__":"up","job":"a"},"values":[)",
            values, values.empty() ? "" : "]}", "]}}")};
  }
};

class ReplayDatasourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    server_.SetHandler("/api/v1/query",
                       [this](const auto& r) { return remote_.Answer(r); });
  }

  std::unique_ptr<Source> Open(const std::vector<RuleGroupSpec>& specs,
                               int64_t piece_ms, bool keep_going) {
    datasource::ClientConfig config;
    config.url = "http://" + server_.address();
    auto client = datasource::Client::Create(config);
    EXPECT_TRUE(client.ok()) << client.status();
    FetchOptions fo;
    fo.selectors = RuleSelectors(specs);
    fo.reach_ms = 5 * kMin;
    fo.piece_ms = piece_ms;
    fo.keep_going = keep_going;
    fo.produced_names = ProducedMetricNames(specs);
    return OpenFetching(
        DatasourceFetcher(
            std::shared_ptr<const datasource::Client>(std::move(*client))),
        fo);
  }

  static std::vector<RuleGroupSpec> Rules() {
    // Two selectors of the same series: it must be stored once.
    auto specs = ParseRuleFile(R"(groups:
  - name: g
    rules:
      - alert: Up
        expr: up == 1
        for: 5m
      - record: job:up
        expr: max by (job) (up{job="a"})
)",
                               "rules.yml");
    EXPECT_TRUE(specs.ok()) << specs.status();
    return *specs;
  }

  static Options Minutes(int64_t from, int64_t to) {
    Options o;
    o.start_ms = from * kMin;
    o.end_ms = to * kMin;
    o.step_ms = kMin;
    return o;
  }

  FakePrometheus remote_;
  TestHttpServer server_;
};

TEST_F(ReplayDatasourceTest, RawSamplesInPiecesSplitWhenTooLarge) {
  remote_.max_range_ms = 30 * kMin;
  const auto specs = Rules();
  auto source = Open(specs, 2 * 60 * kMin, false);
  auto r = replay::Run(specs, *source, Minutes(10, 59));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->errors.empty()) << r->errors[0].first_error;
  EXPECT_TRUE(r->gaps.empty());
  ASSERT_EQ(r->alerts.size(), 1u);
  ASSERT_EQ(r->alerts[0].episodes.size(), 1u);
  EXPECT_EQ(r->alerts[0].episodes[0].pending_ms, 10 * kMin);
  EXPECT_EQ(r->alerts[0].episodes[0].fired_ms, 15 * kMin);
  EXPECT_EQ(r->alerts[0].episodes[0].resolved_ms, std::nullopt);
  // The 2 h piece from 5m was refused and asked again in halves, until
  // every range fit.
  int refused = 0;
  for (const auto& [t, range] : remote_.asked) {
    if (range > remote_.max_range_ms) ++refused;
  }
  EXPECT_GE(refused, 2);  // once per selector at least
  EXPECT_GT(remote_.asked.size(), 2 * static_cast<size_t>(refused));
}

TEST_F(ReplayDatasourceTest, AFailureNamesTheQueryAndTheTime) {
  remote_.fail_after_ms = 30 * kMin;
  const auto specs = Rules();
  auto source = Open(specs, 20 * kMin, false);
  auto r = replay::Run(specs, *source, Minutes(10, 59));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(
      std::string(r.status().message()),
      HasSubstr(absl::StrCat(
          "fetching {__name__=\"up\"} from 1970-01-01T00:25:00Z to "
          "1970-01-01T00:44:59.999Z (query \"{__name__=\"up\"}[1200000ms]\" "
          "at 1970-01-01T00:44:59.999Z): datasource http://",
          server_.address(), ": HTTP 503")));
}

TEST_F(ReplayDatasourceTest, KeepGoingReportsTheGaps) {
  remote_.fail_after_ms = 30 * kMin;
  const auto specs = Rules();
  auto source = Open(specs, 20 * kMin, true);
  auto r = replay::Run(specs, *source, Minutes(10, 59));
  ASSERT_TRUE(r.ok()) << r.status();
  // One gap per selector from the first failed piece to the last one.
  ASSERT_EQ(r->gaps.size(), 2u);
  for (const DataGap& g : r->gaps) {
    EXPECT_EQ(g.from_ms, 25 * kMin);
    EXPECT_EQ(g.to_ms, 65 * kMin - 1);
    EXPECT_THAT(g.error, HasSubstr("HTTP 503"));
  }
  EXPECT_EQ(r->gaps[0].selector, "{__name__=\"up\"}");
  EXPECT_EQ(r->gaps[1].selector, "{job=\"a\",__name__=\"up\"}");
  // The last sample fetched is at 24m; lookback no longer reaches it at 29m.
  ASSERT_EQ(r->alerts.size(), 1u);
  EXPECT_EQ(r->alerts[0].episodes.at(0).resolved_ms, 29 * kMin);

  std::ostringstream text;
  PrintText(*r, {}, text);
  EXPECT_THAT(text.str(),
              HasSubstr("Data gaps: the rules saw no samples of these "
                        "selectors there\n  {__name__=\"up\"} from "
                        "1970-01-01T00:25:00Z to 1970-01-01T01:04:59.999Z: "
                        "fetching"));
  EXPECT_THAT(ToJson(*r), HasSubstr("\"gaps\": ["));
}

TEST_F(ReplayDatasourceTest, NothingFetchedSaysWhy) {
  remote_.fail_after_ms = -1;
  const auto specs = Rules();
  auto source = Open(specs, 20 * kMin, true);
  auto r = replay::Run(specs, *source, Minutes(10, 20));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("no data in the range: every fetch failed, the "
                        "first: fetching {__name__=\"up\"}"));
}

}  // namespace
}  // namespace vigil::replay
