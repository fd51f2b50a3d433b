// Remote write of native histograms: the prometheus.Histogram encoding
// (integer histograms as deltas, float histograms as counts, custom
// buckets, reset hints, staleness markers) read back by the generated
// decoder, send_native_histograms, the queue following a real write-ahead
// log with histogram records, and the blocking writer of vigil replay.
#include <yaml-cpp/yaml.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/remote/write_request.h"
#include "prompb/remote.pb.h"
#include "tests/support/wait_for.h"
#include "vigil/remote_write.h"
#include "vigil/tsdb.h"

namespace vigil::remote {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// An integer histogram with negative, zero and positive buckets over two
// positive spans, as a scrape of a protobuf target yields it.
FloatHistogram IntegerHistogram(double scale = 1) {
  FloatHistogram h;
  h.schema = 3;
  h.zero_threshold = 0.001;
  h.zero_count = 2 * scale;
  h.positive_spans = {{-2, 2}, {3, 3}};
  h.positive_buckets = {1 * scale, 4 * scale, 4 * scale, 0, 7 * scale};
  h.negative_spans = {{1, 2}};
  h.negative_buckets = {3 * scale, 1 * scale};
  h.count = h.zero_count + 16 * scale + 4 * scale;
  h.sum = 12.5 * scale;
  h.counter_reset_hint = CounterResetHint::kNotCounterReset;
  return h;
}

// A float histogram, as a rate() yields it.
FloatHistogram FractionalHistogram() {
  FloatHistogram h = IntegerHistogram();
  h.Mul(1.0 / 60);
  h.counter_reset_hint = CounterResetHint::kGauge;
  return h;
}

// Classic buckets as a native histogram (schema -53): bounds 0.1, 1, 10 and
// +Inf.
FloatHistogram CustomBuckets() {
  FloatHistogram h;
  h.schema = kCustomBucketsSchema;
  h.custom_values = {0.1, 1, 10};
  h.positive_spans = {{0, 4}};
  h.positive_buckets = {5, 0, 2, 1};
  h.count = 8;
  h.sum = 17;
  h.counter_reset_hint = CounterResetHint::kCounterReset;
  return h;
}

FloatHistogram StaleHistogram() {
  FloatHistogram h;
  h.sum = StaleNaN();
  return h;
}

std::string Body(const std::vector<EncodedSample>& in) {
  std::string raw;
  EncodeWriteRequest(in.data(), in.size(), &raw);
  std::string body;
  Compress(raw, &body);
  return body;
}

prometheus::WriteRequest Parse(const std::vector<EncodedSample>& in) {
  std::string raw;
  EncodeWriteRequest(in.data(), in.size(), &raw);
  prometheus::WriteRequest req;
  EXPECT_TRUE(req.ParseFromString(raw));
  return req;
}

TEST(HistogramEncodingTest, IntegerHistogramsAreDeltas) {
  const std::string labels =
      EncodeLabels(Labels::FromStrings({"__name__", "h"}));
  const FloatHistogram h = IntegerHistogram();
  ASSERT_TRUE(IsIntegerHistogram(h));
  const prometheus::WriteRequest req =
      Parse({{&labels, 1700000000123, 0, &h, true}});
  ASSERT_EQ(req.timeseries_size(), 1);
  ASSERT_EQ(req.timeseries(0).samples_size(), 0);
  ASSERT_EQ(req.timeseries(0).histograms_size(), 1);
  const prometheus::Histogram& p = req.timeseries(0).histograms(0);
  EXPECT_EQ(p.count_case(), prometheus::Histogram::kCountInt);
  EXPECT_EQ(p.count_int(), 22u);
  EXPECT_EQ(p.zero_count_case(), prometheus::Histogram::kZeroCountInt);
  EXPECT_EQ(p.zero_count_int(), 2u);
  EXPECT_EQ(p.schema(), 3);
  EXPECT_EQ(p.zero_threshold(), 0.001);
  EXPECT_EQ(p.sum(), 12.5);
  EXPECT_EQ(p.timestamp(), 1700000000123);
  EXPECT_EQ(p.reset_hint(), prometheus::Histogram::NO);
  // Counts 1 4 4 0 7 as deltas from the previous bucket, across spans.
  EXPECT_THAT(p.positive_deltas(), ElementsAre(1, 3, 0, -4, 7));
  EXPECT_THAT(p.negative_deltas(), ElementsAre(3, -2));
  EXPECT_EQ(p.positive_counts_size(), 0);
  EXPECT_EQ(p.negative_counts_size(), 0);
  ASSERT_EQ(p.positive_spans_size(), 2);
  EXPECT_EQ(p.positive_spans(0).offset(), -2);
  EXPECT_EQ(p.positive_spans(0).length(), 2u);
  EXPECT_EQ(p.positive_spans(1).offset(), 3);
  EXPECT_EQ(p.positive_spans(1).length(), 3u);
  ASSERT_EQ(p.negative_spans_size(), 1);
  EXPECT_EQ(p.negative_spans(0).offset(), 1);
  EXPECT_EQ(p.custom_values_size(), 0);
}

TEST(HistogramEncodingTest, FloatHistogramsAreAbsoluteCounts) {
  const std::string labels =
      EncodeLabels(Labels::FromStrings({"__name__", "r"}));
  const FloatHistogram h = FractionalHistogram();
  ASSERT_FALSE(IsIntegerHistogram(h));
  const prometheus::WriteRequest req = Parse({{&labels, 5, 0, &h, false}});
  const prometheus::Histogram& p = req.timeseries(0).histograms(0);
  EXPECT_EQ(p.count_case(), prometheus::Histogram::kCountFloat);
  EXPECT_EQ(p.count_float(), h.count);
  EXPECT_EQ(p.zero_count_case(), prometheus::Histogram::kZeroCountFloat);
  EXPECT_EQ(p.zero_count_float(), h.zero_count);
  EXPECT_EQ(p.reset_hint(), prometheus::Histogram::GAUGE);
  EXPECT_THAT(p.positive_counts(),
              ElementsAre(h.positive_buckets[0], h.positive_buckets[1],
                          h.positive_buckets[2], 0, h.positive_buckets[4]));
  EXPECT_THAT(p.negative_counts(),
              ElementsAre(h.negative_buckets[0], h.negative_buckets[1]));
  EXPECT_EQ(p.positive_deltas_size(), 0);
}

TEST(HistogramEncodingTest, RoundTripsEveryKind) {
  const Labels a = Labels::FromStrings({"__name__", "h", "job", "api"});
  const Labels b = Labels::FromStrings({"__name__", "c"});
  const std::string la = EncodeLabels(a);
  const std::string lb = EncodeLabels(b);
  const FloatHistogram integer = IntegerHistogram(1000);
  const FloatHistogram fractional = FractionalHistogram();
  const FloatHistogram custom = CustomBuckets();
  const FloatHistogram stale = StaleHistogram();
  FloatHistogram empty;  // count 0: the oneof still says which kind
  const std::vector<EncodedSample> in = {
      {&la, 1000, 0, &integer, true},
      {&lb, 1000, 7.5},  // a float sample in the same request
      {&la, 2000, 0, &fractional, false},
      {&la, 3000, 0, &custom, true},
      {&la, 4000, 0, &custom, false},
      {&la, 5000, 0, &stale, true},
      {&la, 6000, 0, &stale, false},
      {&la, 0, 0, &empty, false},
  };
  auto out = DecodeWriteRequest(Body(in));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const DecodedSeries& s = (*out)[i];
    EXPECT_EQ(s.labels, in[i].labels == &la ? a : b) << i;
    if (in[i].h == nullptr) {
      ASSERT_EQ(s.samples.size(), 1u);
      EXPECT_TRUE(s.histograms.empty());
      EXPECT_EQ(s.samples[0].second, in[i].v);
      continue;
    }
    ASSERT_TRUE(s.samples.empty()) << i;
    ASSERT_EQ(s.histograms.size(), 1u) << i;
    const DecodedHistogram& d = s.histograms[0];
    EXPECT_EQ(d.t, in[i].t) << i;
    EXPECT_EQ(d.integer, in[i].integer) << i;
    EXPECT_EQ(d.h.counter_reset_hint, in[i].h->counter_reset_hint) << i;
    EXPECT_EQ(d.h.custom_values, in[i].h->custom_values) << i;
    EXPECT_TRUE(d.h.Equals(*in[i].h)) << i << ": " << d.h.TestExpression()
                                      << " vs " << in[i].h->TestExpression();
  }
  EXPECT_TRUE(IsStaleNaN((*out)[5].histograms[0].h.sum));
  EXPECT_TRUE(IsStaleNaN((*out)[6].histograms[0].h.sum));
}

TEST(HistogramEncodingTest, WhatCountsAsAnIntegerHistogram) {
  EXPECT_TRUE(IsIntegerHistogram(IntegerHistogram()));
  EXPECT_TRUE(IsIntegerHistogram(CustomBuckets()));
  EXPECT_TRUE(IsIntegerHistogram(StaleHistogram()));
  EXPECT_FALSE(IsIntegerHistogram(FractionalHistogram()));
  FloatHistogram h = IntegerHistogram();
  h.negative_buckets[1] = -1;  // a negative count: only a float histogram
  EXPECT_FALSE(IsIntegerHistogram(h));
  h = IntegerHistogram();
  h.zero_count = std::ldexp(1.0, 63);  // past int64's deltas
  EXPECT_FALSE(IsIntegerHistogram(h));
  h = IntegerHistogram();
  h.count = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(IsIntegerHistogram(h));
}

TEST(HistogramEncodingTest, BucketsThatDisagreeWithTheirSpansAreAnError) {
  prometheus::WriteRequest req;
  prometheus::TimeSeries* ts = req.add_timeseries();
  prometheus::Label* l = ts->add_labels();
  l->set_name("__name__");
  l->set_value("h");
  prometheus::Histogram* h = ts->add_histograms();
  h->set_count_int(3);
  h->set_timestamp(42);
  prometheus::BucketSpan* span = h->add_positive_spans();
  span->set_offset(0);
  span->set_length(3);
  h->add_positive_deltas(1);  // 3 buckets spanned, 1 count
  std::string body;
  Compress(req.SerializeAsString(), &body);
  auto out = DecodeWriteRequest(body);
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(std::string(out.status().message()),
              HasSubstr("histogram at 42: spans cover 3 positive"));
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("series h{}"));
}

TEST(HistogramConfigTest, SendNativeHistogramsDefaultsToFalse) {
  auto c =
      DecodeRemoteWriteConfigs(YAML::Load("- url: http://a/api/v1/write\n"
                                          "- url: http://b/api/v1/write\n"
                                          "  send_native_histograms: true\n"),
                               "prom.yml", "/etc");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE((*c)[0].send_native_histograms);
  EXPECT_TRUE((*c)[1].send_native_histograms);
  auto bad = DecodeRemoteWriteConfigs(
      YAML::Load("- url: http://a/api/v1/write\n"
                 "  send_native_histograms: sometimes\n"),
      "prom.yml", "/etc");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("prom.yml:2"));
}

// A receiver that keeps every request's decoded series.
class Receiver {
 public:
  SendResult Send(const std::string& body) {
    auto decoded = DecodeWriteRequest(body);
    std::lock_guard lock(mu_);
    if (!decoded.ok()) {
      errors_.push_back(std::string(decoded.status().message()));
      return {400, std::string(decoded.status().message()), 0};
    }
    size_t n = 0;
    for (DecodedSeries& s : *decoded) {
      n += s.samples.size() + s.histograms.size();
      Got& got = series_[s.labels.ToString()];
      for (const auto& sample : s.samples) got.samples.push_back(sample);
      for (DecodedHistogram& h : s.histograms) {
        got.histograms.push_back(std::move(h));
      }
      total_ += s.samples.size() + s.histograms.size();
    }
    // Metadata-only requests hold no series.
    if (n > 0) request_sizes_.push_back(n);
    return {200, "", 0};
  }
  struct Got {
    std::vector<std::pair<int64_t, double>> samples;
    std::vector<DecodedHistogram> histograms;
  };
  std::map<std::string, Got> series() {
    std::lock_guard lock(mu_);
    return series_;
  }
  size_t total() {
    std::lock_guard lock(mu_);
    return total_;
  }
  std::vector<size_t> request_sizes() {
    std::lock_guard lock(mu_);
    return request_sizes_;
  }
  std::vector<std::string> errors() {
    std::lock_guard lock(mu_);
    return errors_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, Got> series_;
  std::vector<size_t> request_sizes_;
  std::vector<std::string> errors_;
  size_t total_ = 0;
};

const Labels kHist = Labels::FromStrings({"__name__", "rpc_seconds"});
const Labels kRate = Labels::FromStrings({"__name__", "job:rpc_seconds:rate"});
const Labels kFloat = Labels::FromStrings({"__name__", "up"});
const Labels kDropped = Labels::FromStrings({"__name__", "secret_seconds"});

// A Head with a write-ahead log, and a WriteStorage following it with one
// queue of at most 7 samples per request.
class HistogramLogTest : public ::testing::Test {
 protected:
  void Open(bool send_histograms) {
    dir_ = ::testing::TempDir() + "/rw_hist_" + std::to_string(::getpid()) +
           "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    tsdb::WalOptions wal;
    wal.dir = dir_;
    ASSERT_TRUE(head_.OpenWal(wal, 0).ok());
    WriteStorageOptions o;
    o.storage_dir = dir_;
    o.send = [this](const RemoteWriteConfig&, const std::string& body) {
      return receiver_.Send(body);
    };
    o.now_ms = [] { return int64_t{0}; };  // every sample is after the start
    o.sleep_ms = [](int64_t, const std::function<bool()>&) {};
    o.wal_poll_interval_ms = 5;
    o.reshard_interval_ms = 0;
    storage_ = std::make_unique<WriteStorage>(o);
    RemoteWriteConfig c;
    c.url = "http://receiver/api/v1/write";
    c.send_native_histograms = send_histograms;
    c.queue_config.max_samples_per_send = 7;
    c.queue_config.batch_send_deadline_ms = 5;
    c.queue_config.max_shards = 1;
    c.metadata_config.send = false;
    auto relabel =
        relabel::DecodeConfigs(YAML::Load("- source_labels: [__name__]\n"
                                          "  regex: secret_.*\n"
                                          "  action: drop\n"),
                               "prom.yml");
    ASSERT_TRUE(relabel.ok()) << relabel.status();
    c.write_relabel_configs = *relabel;
    ASSERT_TRUE(storage_->ApplyConfig({c}, Labels()).ok());
  }
  void TearDown() override {
    if (storage_ != nullptr) storage_->Stop();
    std::filesystem::remove_all(dir_);
  }
  // Steps 1..kSteps: an integer histogram, a float histogram, a float and a
  // histogram relabeling drops, each in its own commit's records; then a
  // staleness marker (a float StaleNaN, as a scrape or a rule appends it)
  // for both histogram series.
  void Write() {
    for (int step = 1; step <= kSteps; ++step) {
      auto app = head_.NewAppender();
      const int64_t t = step * 1000;
      ASSERT_TRUE(
          app->AppendHistogram(0, kHist, t, IntegerHistogram(step)).ok());
      FloatHistogram rate = FractionalHistogram();
      rate.Mul(step);
      ASSERT_TRUE(app->AppendHistogram(0, kRate, t, rate).ok());
      ASSERT_TRUE(app->Append(0, kFloat, t, step).ok());
      ASSERT_TRUE(
          app->AppendHistogram(0, kDropped, t, IntegerHistogram(step)).ok());
      ASSERT_TRUE(app->Commit().ok());
    }
    auto app = head_.NewAppender();
    const int64_t end = (kSteps + 1) * 1000;
    ASSERT_TRUE(app->Append(0, kHist, end, StaleNaN()).ok());
    ASSERT_TRUE(app->Append(0, kRate, end, StaleNaN()).ok());
    ASSERT_TRUE(app->Append(0, kFloat, end, StaleNaN()).ok());
    ASSERT_TRUE(app->Commit().ok());
  }

  // The queue's counters once it holds nothing.
  QueueStats Drained() {
    EXPECT_TRUE(testing::WaitFor(
        [&] {
          const QueueStats s = storage_->Stats().queues[0];
          return s.samples_pending == 0 && s.histograms_pending == 0;
        },
        std::chrono::seconds(20)));
    return storage_->Stats().queues[0];
  }

  static constexpr int kSteps = 10;
  std::string dir_;
  tsdb::Head head_;
  Receiver receiver_;
  std::unique_ptr<WriteStorage> storage_;
};

TEST_F(HistogramLogTest, HistogramRecordsReachTheReceiver) {
  Open(/*send_histograms=*/true);
  Write();
  // Per step: 2 histograms and a float; then 3 markers.
  const size_t want = 3 * kSteps + 3;
  ASSERT_TRUE(testing::WaitFor([&] { return receiver_.total() >= want; },
                               std::chrono::seconds(20)))
      << receiver_.total();
  const QueueStats s = Drained();
  EXPECT_EQ(receiver_.total(), want);
  EXPECT_THAT(receiver_.errors(), ElementsAre());
  const auto got = receiver_.series();
  ASSERT_EQ(got.size(), 3u);

  const Receiver::Got& hist = got.at(kHist.ToString());
  EXPECT_TRUE(hist.samples.empty());
  ASSERT_EQ(hist.histograms.size(), static_cast<size_t>(kSteps + 1));
  for (int step = 1; step <= kSteps; ++step) {
    const DecodedHistogram& d = hist.histograms[step - 1];
    EXPECT_EQ(d.t, step * 1000);
    EXPECT_TRUE(d.integer) << step;  // scraped: an integer histogram
    EXPECT_TRUE(d.h.Equals(IntegerHistogram(step))) << d.h.TestExpression();
  }
  // The marker goes as Prometheus's head logs it: a stale histogram of the
  // series' kind, not a float.
  EXPECT_EQ(hist.histograms.back().t, (kSteps + 1) * 1000);
  EXPECT_TRUE(IsStaleNaN(hist.histograms.back().h.sum));
  EXPECT_TRUE(hist.histograms.back().integer);

  const Receiver::Got& rate = got.at(kRate.ToString());
  ASSERT_EQ(rate.histograms.size(), static_cast<size_t>(kSteps + 1));
  for (int step = 1; step <= kSteps; ++step) {
    FloatHistogram want_h = FractionalHistogram();
    want_h.Mul(step);
    EXPECT_FALSE(rate.histograms[step - 1].integer) << step;
    EXPECT_TRUE(rate.histograms[step - 1].h.Equals(want_h));
  }
  EXPECT_TRUE(IsStaleNaN(rate.histograms.back().h.sum));
  EXPECT_FALSE(rate.histograms.back().integer);

  const Receiver::Got& up = got.at(kFloat.ToString());
  EXPECT_TRUE(up.histograms.empty());
  ASSERT_EQ(up.samples.size(), static_cast<size_t>(kSteps + 1));
  EXPECT_TRUE(IsStaleNaN(up.samples.back().second));

  // One batch holds both kinds, max_samples_per_send counting both.
  for (size_t n : receiver_.request_sizes()) EXPECT_LE(n, 7u);
  EXPECT_GE(receiver_.request_sizes().size(), want / 7);

  EXPECT_EQ(s.histograms_sent, 2u * (kSteps + 1));
  EXPECT_EQ(s.samples_sent, static_cast<uint64_t>(kSteps + 1));
  EXPECT_EQ(s.histograms_dropped_relabel, static_cast<uint64_t>(kSteps));
  EXPECT_EQ(s.dropped_relabel, 0u);
  EXPECT_EQ(s.histograms_failed, 0u);
  EXPECT_EQ(s.histograms_pending, 0);
  EXPECT_EQ(s.samples_pending, 0);
}

TEST_F(HistogramLogTest, WithoutSendNativeHistogramsOnlyFloatsGo) {
  Open(/*send_histograms=*/false);
  Write();
  // The float series' samples and marker; the histogram series' markers
  // are histograms in Prometheus's log, and not sent either.
  ASSERT_TRUE(testing::WaitFor(
      [&] { return receiver_.total() >= static_cast<size_t>(kSteps + 1); },
      std::chrono::seconds(20)));
  // Everything in the log has been read once the float marker is out: the
  // histogram markers were in the same commit, before it.
  const QueueStats s = Drained();
  const auto got = receiver_.series();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got.begin()->first, kFloat.ToString());
  EXPECT_EQ(got.begin()->second.samples.size(),
            static_cast<size_t>(kSteps + 1));
  EXPECT_EQ(s.histograms_sent, 0u);
  // Skipped uncounted, as Prometheus's watcher skips them.
  EXPECT_EQ(s.histograms_dropped_relabel, 0u);
  EXPECT_EQ(s.dropped_relabel, 0u);
}

TEST_F(HistogramLogTest, CustomBucketHistogramsAreDroppedAndCounted) {
  Open(/*send_histograms=*/true);
  const Labels nhcb = Labels::FromStrings({"__name__", "classic_seconds"});
  {
    auto app = head_.NewAppender();
    ASSERT_TRUE(app->AppendHistogram(0, nhcb, 1000, CustomBuckets()).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  {
    auto app = head_.NewAppender();
    ASSERT_TRUE(app->AppendHistogram(0, kHist, 2000, IntegerHistogram(1)).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  // The log is read in order: once the later histogram is out, the
  // custom-bucket one has been seen.
  ASSERT_TRUE(testing::WaitFor([&] { return receiver_.total() >= 1; },
                               std::chrono::seconds(20)));
  const QueueStats s = Drained();
  const auto got = receiver_.series();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got.begin()->first, kHist.ToString());
  EXPECT_EQ(s.histograms_sent, 1u);
  EXPECT_EQ(s.histograms_dropped_nhcb, 1u);
  EXPECT_EQ(s.histograms_dropped_relabel, 0u);
}

// Memory mode (no log): the Head's commit observers hand the queue floats
// and histograms; a float staleness marker ends the histogram series as a
// stale histogram of its kind; custom buckets stay out, counted.
TEST(MemoryModeHistogramTest, CommittedHistogramsAndTheirMarkersAreSent) {
  tsdb::Head head;
  Receiver receiver;
  WriteStorageOptions o;
  o.send = [&](const RemoteWriteConfig&, const std::string& body) {
    return receiver.Send(body);
  };
  o.now_ms = [] { return int64_t{0}; };
  o.reshard_interval_ms = 0;
  WriteStorage storage(o);
  RemoteWriteConfig c;
  c.url = "http://receiver/api/v1/write";
  c.send_native_histograms = true;
  c.queue_config.max_shards = 1;
  c.metadata_config.send = false;
  ASSERT_TRUE(storage.ApplyConfig({c}, Labels()).ok());
  head.SetCommitObserver(
      [&](const SeriesRef* refs, const Sample* samples, size_t n,
          const std::function<Labels(size_t)>& labels_of) {
        storage.OnCommit(refs, samples, n, labels_of);
      },
      [&](const SeriesRef* refs, const int64_t* ts, FloatHistogram* hs,
          size_t n, const std::function<Labels(size_t)>& labels_of) {
        storage.OnHistogramCommit(refs, ts, hs, n, labels_of);
      });
  const Labels nhcb = Labels::FromStrings({"__name__", "classic_seconds"});
  auto app = head.NewAppender();
  ASSERT_TRUE(app->AppendHistogram(0, kHist, 1000, IntegerHistogram(1)).ok());
  ASSERT_TRUE(app->AppendHistogram(0, kRate, 1000, FractionalHistogram()).ok());
  ASSERT_TRUE(app->AppendHistogram(0, nhcb, 1000, CustomBuckets()).ok());
  ASSERT_TRUE(app->Append(0, kFloat, 1000, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  ASSERT_TRUE(app->Append(0, kHist, 2000, StaleNaN()).ok());
  ASSERT_TRUE(app->Append(0, kRate, 2000, StaleNaN()).ok());
  ASSERT_TRUE(app->Commit().ok());
  // Dropped as it was queued, under the commit.
  EXPECT_EQ(storage.Stats().queues.at(0).histograms_dropped_nhcb, 1u);
  storage.Stop();  // sends what is queued
  head.SetCommitObserver(nullptr);
  const auto got = receiver.series();
  ASSERT_EQ(got.size(), 3u);
  const Receiver::Got& hist = got.at(kHist.ToString());
  ASSERT_EQ(hist.histograms.size(), 2u);
  EXPECT_TRUE(hist.histograms[0].integer);
  EXPECT_TRUE(hist.histograms[0].h.Equals(IntegerHistogram(1)));
  EXPECT_TRUE(hist.histograms[1].integer);
  EXPECT_TRUE(IsStaleNaN(hist.histograms[1].h.sum));
  const Receiver::Got& rate = got.at(kRate.ToString());
  ASSERT_EQ(rate.histograms.size(), 2u);
  EXPECT_FALSE(rate.histograms[0].integer);
  EXPECT_TRUE(rate.histograms[0].h.Equals(FractionalHistogram()));
  EXPECT_FALSE(rate.histograms[1].integer);
  EXPECT_TRUE(IsStaleNaN(rate.histograms[1].h.sum));
  EXPECT_EQ(got.at(kFloat.ToString()).samples.size(), 1u);
}

TEST(BlockingWriterHistogramTest, SendsRecordedHistogramsAndTheirMarkers) {
  Receiver receiver;
  RemoteWriteConfig c;
  c.url = "http://receiver/api/v1/write";
  c.send_native_histograms = true;
  c.queue_config.max_samples_per_send = 2;
  BlockingWriter::Options o;
  o.send = [&](const RemoteWriteConfig&, const std::string& body) {
    return receiver.Send(body);
  };
  o.sleep_ms = [](int64_t) {};
  BlockingWriter w(c, Labels::FromStrings({"replica", "r1"}), o);
  const FloatHistogram custom = CustomBuckets();
  w.AppendHistogram(kRate, 1000, FractionalHistogram());
  w.AppendHistogram(kRate, 2000, custom);
  w.Append(kRate, 3000, StaleNaN());
  w.Append(kFloat, 1000, 1);
  w.Append(kFloat, 2000, StaleNaN());
  ASSERT_TRUE(w.Flush().ok());
  // The custom-bucket one stays out, as in Prometheus's remote write 1.0.
  EXPECT_EQ(w.histograms_sent(), 2u);
  EXPECT_EQ(w.custom_bucket_histograms_dropped(), 1u);
  EXPECT_EQ(w.samples_sent(), 2u);
  for (size_t n : receiver.request_sizes()) EXPECT_LE(n, 2u);
  const auto got = receiver.series();
  const Receiver::Got& rate = got.at(
      Labels::FromStrings({"__name__", "job:rpc_seconds:rate", "replica", "r1"})
          .ToString());
  ASSERT_EQ(rate.histograms.size(), 2u);
  EXPECT_TRUE(rate.samples.empty());
  // Rule results are float histograms, in Prometheus too.
  for (const DecodedHistogram& d : rate.histograms) EXPECT_FALSE(d.integer);
  EXPECT_TRUE(rate.histograms[0].h.Equals(FractionalHistogram()));
  EXPECT_TRUE(IsStaleNaN(rate.histograms[1].h.sum));
  const Receiver::Got& up = got.at(
      Labels::FromStrings({"__name__", "up", "replica", "r1"}).ToString());
  ASSERT_EQ(up.samples.size(), 2u);
  EXPECT_TRUE(IsStaleNaN(up.samples[1].second));
}

TEST(BlockingWriterHistogramTest, DropsHistogramsUnlessAsked) {
  Receiver receiver;
  RemoteWriteConfig c;
  c.url = "http://receiver/api/v1/write";
  BlockingWriter::Options o;
  o.send = [&](const RemoteWriteConfig&, const std::string& body) {
    return receiver.Send(body);
  };
  BlockingWriter w(c, Labels(), o);
  w.AppendHistogram(kRate, 1000, FractionalHistogram());
  w.Append(kRate, 2000, StaleNaN());
  w.Append(kFloat, 1000, 1);
  EXPECT_EQ(w.buffered(), 1u);
  ASSERT_TRUE(w.Flush().ok());
  EXPECT_EQ(w.histograms_sent(), 0u);
  EXPECT_EQ(receiver.series().size(), 1u);
}

}  // namespace
}  // namespace vigil::remote
