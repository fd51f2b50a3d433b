// Replay of recording rules whose results are native histograms: they reach
// the store, --output's record and the output sink (--remote-write), batched
// and step by step, as Prometheus records them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>

#include "vigil/matcher.h"
#include "vigil/replay.h"
#include "vigil/rule_file.h"
#include "vigil/tsdb.h"

namespace vigil::replay {
namespace {

constexpr int64_t kMin = 60 * 1000;

// The input: a Head holding rpc_seconds, a counter histogram whose count
// grows by 22 a minute, from minute 0 to 10.
class HeadSource : public Source {
 public:
  HeadSource() {
    for (int m = 0; m <= 10; ++m) {
      FloatHistogram h;
      h.schema = 0;
      h.zero_count = 2.0 * (m + 1);
      h.positive_spans = {{0, 2}};
      h.positive_buckets = {5.0 * (m + 1), 15.0 * (m + 1)};
      h.count = 22.0 * (m + 1);
      h.sum = 30.0 * (m + 1);
      auto app = head_.NewAppender();
      EXPECT_TRUE(app->AppendHistogram(
                         0, Labels::FromStrings({"__name__", "rpc_seconds"}),
                         m * kMin, h)
                      .ok());
      EXPECT_TRUE(app->Commit().ok());
    }
  }
  Storage& storage() override { return head_; }
  Appendable& output() override { return head_; }
  absl::Status AdvanceTo(int64_t) override { return absl::OkStatus(); }
  void Forget(int64_t) override {}
  std::optional<TimeSpan> DataSpan() const override {
    return TimeSpan{0, 10 * kMin};
  }
  tsdb::Head& head() { return head_; }

 private:
  tsdb::Head head_;
};

class CapturingSink : public OutputSink {
 public:
  void Write(const Labels& labels, int64_t t_ms, double) override {
    floats[labels.ToString()].push_back(t_ms);
  }
  void WriteHistogram(const Labels& labels, int64_t t_ms,
                      const FloatHistogram& h) override {
    histograms[labels.ToString()].emplace_back(t_ms, h);
  }
  absl::Status Flush() override { return absl::OkStatus(); }
  std::map<std::string, std::vector<int64_t>> floats;
  std::map<std::string, std::vector<std::pair<int64_t, FloatHistogram>>>
      histograms;
};

// The histogram samples of `name` in `storage`.
std::vector<std::pair<int64_t, FloatHistogram>> Stored(
    Storage& storage, const std::string& name) {
  std::vector<std::pair<int64_t, FloatHistogram>> out;
  auto q = storage.OpenQuerier(0, 100 * kMin);
  EXPECT_TRUE(q.ok()) << q.status();
  if (!q.ok()) return out;
  auto matcher = Matcher::Create(MatchType::kEqual, "__name__", name);
  EXPECT_TRUE(matcher.ok());
  if (!matcher.ok()) return out;
  auto set = (*q)->Select({0, 100 * kMin}, {*matcher});
  EXPECT_TRUE(set.ok()) << set.status();
  if (!set.ok()) return out;
  for (const auto& series : *set) {
    auto it = series->Iterator();
    while (it->Next()) {
      if (HistogramPtr h = it->AtHistogram()) out.emplace_back(it->At().t, *h);
    }
  }
  return out;
}

TEST(ReplayHistogramTest, RecordedHistogramsReachStoreRecordAndSink) {
  auto specs = ParseRuleFile(R"(groups:
  - name: g
    rules:
      - record: job:rpc_seconds:rate2m
        expr: sum(rate(rpc_seconds[2m]))
)",
                             "rules.yml");
  ASSERT_TRUE(specs.ok()) << specs.status();
  for (int64_t window : {int64_t{0}, kDefaultWindowMs}) {
    HeadSource source;
    tsdb::Head record;
    CapturingSink sink;
    Options o;
    o.start_ms = 2 * kMin;
    o.end_ms = 10 * kMin;
    o.step_ms = kMin;
    o.window_ms = window;
    o.record = &record;
    o.sink = &sink;
    auto r = replay::Run(*specs, source, o);
    ASSERT_TRUE(r.ok()) << r.status();
    for (const auto& e : r->errors) {
      ADD_FAILURE() << "rule " << e.rule << ": " << e.first_error;
    }
    const std::string name = "job:rpc_seconds:rate2m";
    const std::string series =
        Labels::FromStrings({"__name__", name}).ToString();
    EXPECT_TRUE(sink.floats.empty()) << window;
    ASSERT_EQ(sink.histograms.count(series), 1u) << window;
    const auto& sent = sink.histograms.at(series);
    ASSERT_EQ(sent.size(), 9u) << window;
    for (size_t i = 0; i < sent.size(); ++i) {
      EXPECT_EQ(sent[i].first, static_cast<int64_t>(i + 2) * kMin);
      // The count grows 22 a minute: its rate is 22/60 per second.
      EXPECT_NEAR(sent[i].second.count, 22.0 / 60, 1e-9) << window;
      EXPECT_NEAR(sent[i].second.sum, 30.0 / 60, 1e-9) << window;
    }
    const auto stored = Stored(source.head(), name);
    const auto recorded = Stored(record, name);
    ASSERT_EQ(stored.size(), sent.size()) << window;
    ASSERT_EQ(recorded.size(), sent.size()) << window;
    for (size_t i = 0; i < sent.size(); ++i) {
      EXPECT_EQ(stored[i].first, sent[i].first);
      EXPECT_TRUE(stored[i].second.Equals(sent[i].second));
      EXPECT_TRUE(recorded[i].second.Equals(sent[i].second));
    }
    // --output's OpenMetrics text cannot hold them: left out, not written
    // as zeros.
    const std::string om = ::testing::TempDir() + "/replay_histogram_" +
                           std::to_string(::getpid()) + ".om";
    ASSERT_TRUE(WriteOpenMetrics(record, 0, 100 * kMin, om).ok());
    std::ifstream in(om);
    const std::string text((std::istreambuf_iterator<char>(in)),
                           std::istreambuf_iterator<char>());
    std::remove(om.c_str());
    EXPECT_EQ(text.find("\n" + name), std::string::npos) << text;
    EXPECT_NE(text.find("# EOF"), std::string::npos);
  }
}

}  // namespace
}  // namespace vigil::replay
