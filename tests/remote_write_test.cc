// Remote write: config decoding, the wire encoding, the queue (order across
// resharding, retries and backoff, overflow), the HTTP answers, and the
// queue following a real write-ahead log.
#include "vigil/remote_write.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/remote/http_sender.h"
#include "lib/remote/queue_manager.h"
#include "lib/remote/shard_math.h"
#include "lib/remote/write_request.h"
#include "prompb/remote.pb.h"
#include "tests/support/test_http_server.h"
#include "tests/support/wait_for.h"
#include "vigil/tsdb.h"

namespace vigil::remote {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<std::vector<RemoteWriteConfig>> Parse(const std::string& yaml) {
  return DecodeRemoteWriteConfigs(YAML::Load(yaml), "prom.yml", "/etc/vigil");
}

TEST(RemoteWriteConfigTest, DefaultsArePrometheus) {
  auto c = Parse("- url: http://example:9090/api/v1/write\n");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->size(), 1u);
  const RemoteWriteConfig& rw = (*c)[0];
  EXPECT_EQ(rw.remote_timeout_ms, 30000);
  EXPECT_EQ(rw.queue_config.capacity, 10000);
  EXPECT_EQ(rw.queue_config.min_shards, 1);
  EXPECT_EQ(rw.queue_config.max_shards, 50);
  EXPECT_EQ(rw.queue_config.max_samples_per_send, 2000);
  EXPECT_EQ(rw.queue_config.batch_send_deadline_ms, 5000);
  EXPECT_EQ(rw.queue_config.min_backoff_ms, 30);
  EXPECT_EQ(rw.queue_config.max_backoff_ms, 5000);
  EXPECT_FALSE(rw.queue_config.retry_on_http_429);
  EXPECT_TRUE(rw.metadata_config.send);
  EXPECT_EQ(rw.metadata_config.send_interval_ms, 60000);
  EXPECT_EQ(QueueName(rw).size(), 6u);
}

TEST(RemoteWriteConfigTest, EveryField) {
  auto c = Parse(R"(
- url: https://mimir/api/v1/push
  name: mimir
  remote_timeout: 10s
  headers: {X-Scope-OrgID: team-a}
  authorization: {credentials_file: token}
  tls_config: {ca_file: ca.pem, insecure_skip_verify: true}
  write_relabel_configs:
    - source_labels: [__name__]
      regex: 'ALERTS|.*:.*'
      action: keep
  queue_config:
    capacity: 500
    min_shards: 2
    max_shards: 4
    max_samples_per_send: 100
    batch_send_deadline: 1s
    min_backoff: 100ms
    max_backoff: 10s
    retry_on_http_429: true
  metadata_config: {send: false}
)");
  ASSERT_TRUE(c.ok()) << c.status();
  const RemoteWriteConfig& rw = (*c)[0];
  EXPECT_EQ(rw.name, "mimir");
  EXPECT_EQ(QueueName(rw), "mimir");
  EXPECT_EQ(rw.remote_timeout_ms, 10000);
  ASSERT_EQ(rw.headers.size(), 1u);
  EXPECT_EQ(rw.headers[0].second, "team-a");
  ASSERT_TRUE(rw.authorization.has_value());
  EXPECT_EQ(rw.authorization->type, "Bearer");
  EXPECT_EQ(rw.authorization->credentials_file, "/etc/vigil/token");
  EXPECT_EQ(rw.tls_config.ca_file, "/etc/vigil/ca.pem");
  EXPECT_TRUE(rw.tls_config.insecure_skip_verify);
  EXPECT_EQ(rw.write_relabel_configs.size(), 1u);
  EXPECT_EQ(rw.queue_config.capacity, 500);
  EXPECT_EQ(rw.queue_config.min_shards, 2);
  EXPECT_EQ(rw.queue_config.max_shards, 4);
  EXPECT_EQ(rw.queue_config.max_samples_per_send, 100);
  EXPECT_EQ(rw.queue_config.batch_send_deadline_ms, 1000);
  EXPECT_EQ(rw.queue_config.min_backoff_ms, 100);
  EXPECT_EQ(rw.queue_config.max_backoff_ms, 10000);
  EXPECT_TRUE(rw.queue_config.retry_on_http_429);
  EXPECT_FALSE(rw.metadata_config.send);
}

TEST(RemoteWriteConfigTest, ErrorsSayWhere) {
  struct Case {
    std::string yaml;
    std::string error;
  };
  const Case cases[] = {
      {"- name: a\n", "prom.yml:1:3: url for remote_write is empty"},
      {"- url: http://a\n  queue_config: {capacity: 0}\n",
       "prom.yml:2:28: capacity must be greater than 0"},
      {"- url: http://a\n  queue_config: {min_shards: 5, max_shards: 2}\n",
       "min_shards must not be greater than max_shards"},
      {"- url: http://a\n  headers: {Content-Type: x}\n",
       "prom.yml:2:13: \"Content-Type\" is a reserved header"},
      {"- url: http://a\n  headers: {authorization: x}\n",
       "authorization header must be changed via the basic_auth or "
       "authorization parameter"},
      {"- url: http://a\n  bogus: 1\n",
       "prom.yml:2:3: field bogus not found in type config.plain"},
      {"- url: http://a\n  name: x\n- url: http://b\n  name: x\n",
       "prom.yml:4:9: found multiple remote write configs with job name "
       "\"x\""},
      {"- url: ftp://a\n", "prom.yml:1:8: unsupported scheme"},
      {"- url: http://a\n  sigv4: {region: x}\n",
       "sigv4 is not supported by vigil's remote_write"},
      {"- url: http://a\n  protobuf_message: io.prometheus.write.v2.Request\n",
       "invalid protobuf_message value"},
      {"- url: http://a\n  queue_config: {min_backoff: soon}\n",
       "prom.yml:2:31: not a valid duration string"},
      {"- url: http://a\n  write_relabel_configs: [{action: replace}]\n",
       "prom.yml:2:27: relabel configuration for replace action requires"},
      {"- url: http://a\n  basic_auth: {username: u}\n  authorization: "
       "{credentials: t}\n",
       "at most one of basic_auth, oauth2 & authorization"},
  };
  for (const Case& c : cases) {
    auto parsed = Parse(c.yaml);
    ASSERT_FALSE(parsed.ok()) << c.yaml;
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(c.error))
        << c.yaml;
  }
}

TEST(WriteRequestTest, RoundTripsThroughTheGeneratedDecoder) {
  const Labels a = Labels::FromStrings({"__name__", "up", "job", "kube"});
  const Labels b =
      Labels::FromStrings({"__name__", "ALERTS", "alertname", "Ünïcode"});
  const std::string la = EncodeLabels(a);
  const std::string lb = EncodeLabels(b);
  const std::vector<EncodedSample> in = {
      {&la, 1700000000123, 1},
      {&lb, 0, -2.5},
      {&la, -5, StaleNaN()},
      {&lb, int64_t{1} << 50, 1e308},
  };
  std::string raw;
  EncodeWriteRequest(in.data(), in.size(), &raw);
  std::string body;
  Compress(raw, &body);
  auto out = DecodeWriteRequest(body);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ((*out)[i].labels, i % 2 == 0 ? a : b);
    ASSERT_EQ((*out)[i].samples.size(), 1u);
    EXPECT_EQ((*out)[i].samples[0].first, in[i].t);
    EXPECT_EQ(std::bit_cast<uint64_t>((*out)[i].samples[0].second),
              std::bit_cast<uint64_t>(in[i].v));
  }
  EXPECT_TRUE(IsStaleNaN((*out)[2].samples[0].second));
}

TEST(WriteRequestTest, GarbageIsAnError) {
  EXPECT_FALSE(DecodeWriteRequest("not snappy at all").ok());
  std::string body;
  Compress("\xff\xff\xff", &body);
  EXPECT_FALSE(DecodeWriteRequest(body).ok());
}

TEST(WriteRequestTest, MetadataRoundTripsThroughTheGeneratedDecoder) {
  const std::vector<scrape::MetricMetadata> in = {
      {"kube_pod_info", "gauge", "Information about pod.", ""},
      {"http_requests", "counter", "", ""},
      {"size", "gaugehistogram", "Ünïcode \"help\"\nline two", "bytes"},
      {"odd", "untyped", "A type Prometheus does not know.", ""},
      {"rpc", "summary", "", "seconds"},
      {"state", "stateset", "", ""},
      {"build", "info", "", ""},
      {"latency", "histogram", "", ""},
      {"", "unknown", "", ""},
  };
  std::string raw;
  EncodeMetadataRequest(in.data(), in.size(), &raw);
  prometheus::WriteRequest generated;
  ASSERT_TRUE(generated.ParseFromString(raw));
  EXPECT_EQ(generated.timeseries_size(), 0);
  ASSERT_EQ(generated.metadata_size(), static_cast<int>(in.size()));
  EXPECT_EQ(generated.metadata(2).type(),
            prometheus::MetricMetadata::GAUGEHISTOGRAM);
  EXPECT_EQ(generated.metadata(2).unit(), "bytes");
  // Prometheus's metricTypeToMetricTypeProto: a name it does not know is
  // UNKNOWN.
  EXPECT_EQ(generated.metadata(3).type(), prometheus::MetricMetadata::UNKNOWN);
  std::string body;
  Compress(raw, &body);
  auto out = DecodeWriteRequestMetadata(body);
  ASSERT_TRUE(out.ok()) << out.status();
  std::vector<scrape::MetricMetadata> want = in;
  want[3].type = "unknown";
  EXPECT_EQ(*out, want);
  auto series = DecodeWriteRequest(body);
  ASSERT_TRUE(series.ok());
  EXPECT_TRUE(series->empty());
  EXPECT_FALSE(DecodeWriteRequestMetadata("garbage").ok());
}

TEST(ShardMathTest, FollowsTheBacklog) {
  ShardInputs in;
  // 10k samples/s in and out, 0.5 s of sending per second: one shard is
  // half busy, so one is enough.
  in.samples_in_per_second = 10000;
  in.samples_out_per_second = 10000;
  in.send_seconds_per_second = 0.5;
  in.highest_received_seconds = 1000;
  in.highest_sent_seconds = 1000;
  double desired = 0;
  EXPECT_EQ(DesiredShards(in, 1, 1, 50, &desired), 1);
  EXPECT_DOUBLE_EQ(desired, 0.5);
  // 100 s behind: a twentieth of the backlog (50k samples) is added to
  // the rate, at 50 µs each: 3 shards.
  in.highest_sent_seconds = 900;
  EXPECT_EQ(DesiredShards(in, 1, 1, 50, &desired), 3);
  EXPECT_DOUBLE_EQ(desired, 3.0);
  // Within ±30% of the current count nothing changes.
  EXPECT_EQ(DesiredShards(in, 3, 1, 50), 3);
  // Clamped to the maximum.
  EXPECT_EQ(DesiredShards(in, 1, 1, 2), 2);
  // Nothing sent yet: no basis for a change.
  in.samples_out_per_second = 0;
  EXPECT_EQ(DesiredShards(in, 4, 1, 50), 4);
}

// A receiver that decodes what it gets, answering from a script.
class FakeReceiver {
 public:
  SendResult Send(const std::string& body) {
    auto decoded = DecodeWriteRequest(body);
    auto metadata = DecodeWriteRequestMetadata(body);
    std::lock_guard lock(mu_);
    SendResult r;
    r.status = 200;
    if (!script_.empty()) {
      r = script_.front();
      script_.erase(script_.begin());
    }
    ++requests_;
    if (r.status / 100 == 2 && decoded.ok()) {
      for (const DecodedSeries& s : *decoded) {
        for (const auto& [t, v] : s.samples) {
          received_[s.labels.ToString()].push_back(t);
          ++samples_;
        }
      }
    }
    if (r.status / 100 == 2 && metadata.ok()) {
      metadata_.insert(metadata_.end(), metadata->begin(), metadata->end());
    }
    return r;
  }
  std::vector<scrape::MetricMetadata> metadata() {
    std::lock_guard lock(mu_);
    return metadata_;
  }
  void Script(std::vector<SendResult> answers) {
    std::lock_guard lock(mu_);
    script_ = std::move(answers);
  }
  std::map<std::string, std::vector<int64_t>> received() {
    std::lock_guard lock(mu_);
    return received_;
  }
  int samples() {
    std::lock_guard lock(mu_);
    return samples_;
  }
  int requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  std::mutex mu_;
  std::vector<SendResult> script_;
  std::map<std::string, std::vector<int64_t>> received_;
  std::vector<scrape::MetricMetadata> metadata_;
  int samples_ = 0;
  int requests_ = 0;
};

struct QueueFixture {
  FakeReceiver receiver;
  std::mutex sleeps_mu;
  std::vector<int64_t> sleeps;
  std::unique_ptr<QueueManager> queue;

  explicit QueueFixture(
      RemoteWriteConfig config, bool block = false,
      std::function<std::vector<scrape::MetricMetadata>()> metadata = {}) {
    QueueOptions o;
    o.metadata = std::move(metadata);
    o.config = std::move(config);
    o.send = [this](const RemoteWriteConfig&, const std::string& body) {
      return receiver.Send(body);
    };
    o.now_ms = [] { return int64_t{1'000'000}; };
    // The injected clock: a backoff is recorded, not slept.
    o.sleep_ms = [this](int64_t ms, const std::function<bool()>&) {
      std::lock_guard lock(sleeps_mu);
      sleeps.push_back(ms);
    };
    o.reshard_by_hand = true;
    o.flush_deadline_ms = 5000;
    o.block_when_full = block;
    queue = std::make_unique<QueueManager>(std::move(o));
  }
  std::vector<int64_t> Sleeps() {
    std::lock_guard lock(sleeps_mu);
    return sleeps;
  }
};

RemoteWriteConfig SmallQueue() {
  RemoteWriteConfig c;
  c.url = "http://receiver/api/v1/write";
  c.queue_config.max_samples_per_send = 7;
  c.queue_config.batch_send_deadline_ms = 5;
  c.queue_config.max_shards = 8;
  return c;
}

Labels Series(int i) {
  return Labels::FromStrings(
      {"__name__", "kube_pod_info", "pod", "p" + std::to_string(i)});
}

TEST(QueueManagerTest, KeepsEachSeriesInOrderAcrossResharding) {
  QueueFixture f(SmallQueue(), /*block=*/true);
  constexpr int kSeries = 50;
  constexpr int kSteps = 120;
  for (int i = 0; i < kSeries; ++i) {
    f.queue->StoreSeries(static_cast<SeriesRef>(i + 1), Series(i), 0);
  }
  f.queue->Start();
  std::atomic<bool> done{false};
  std::thread resharder([&] {
    for (int n = 0; !done; ++n) f.queue->Reshard(1 + n % 4);
  });
  for (int step = 0; step < kSteps; ++step) {
    std::vector<SeriesRef> refs;
    std::vector<Sample> samples;
    for (int i = 0; i < kSeries; ++i) {
      refs.push_back(static_cast<SeriesRef>(i + 1));
      samples.push_back({int64_t{step} * 1000, static_cast<double>(step)});
    }
    ASSERT_TRUE(f.queue->Append(refs.data(), samples.data(), refs.size()));
  }
  done = true;
  resharder.join();
  ASSERT_TRUE(testing::WaitFor([&] { return f.queue->Idle(); },
                               std::chrono::seconds(20)));
  f.queue->Stop();
  const auto received = f.receiver.received();
  ASSERT_EQ(received.size(), static_cast<size_t>(kSeries));
  for (const auto& [series, ts] : received) {
    ASSERT_EQ(ts.size(), static_cast<size_t>(kSteps)) << series;
    for (int step = 0; step < kSteps; ++step) {
      ASSERT_EQ(ts[step], int64_t{step} * 1000) << series;
    }
  }
  const QueueStats s = f.queue->Stats();
  EXPECT_EQ(s.samples_sent, static_cast<uint64_t>(kSeries * kSteps));
  EXPECT_EQ(s.samples_pending, 0);
  EXPECT_EQ(s.highest_sent_timestamp_seconds, (kSteps - 1));
}

// A backlog with slow sends: one resharding decision raises the shard
// count, and every series still arrives whole and in order.
TEST(QueueManagerTest, ReshardsUpWhenBehind) {
  RemoteWriteConfig c = SmallQueue();
  c.queue_config.capacity = 5000;
  c.queue_config.max_samples_per_send = 10;
  FakeReceiver receiver;
  QueueOptions o;
  o.config = c;
  o.send = [&receiver](const RemoteWriteConfig&, const std::string& body) {
    // A receiver 2 ms away: the latency the shard count must make up for.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return receiver.Send(body);
  };
  o.now_ms = [] { return int64_t{1'000'000}; };
  o.sleep_ms = [](int64_t, const std::function<bool()>&) {};
  o.reshard_by_hand = true;
  o.block_when_full = true;
  QueueManager queue(std::move(o));
  constexpr int kSeries = 20;
  constexpr int kSteps = 100;
  for (int i = 0; i < kSeries; ++i) {
    queue.StoreSeries(static_cast<SeriesRef>(i + 1), Series(i), 0);
  }
  queue.Start();
  for (int step = 0; step < kSteps; ++step) {
    std::vector<SeriesRef> refs;
    std::vector<Sample> samples;
    for (int i = 0; i < kSeries; ++i) {
      refs.push_back(static_cast<SeriesRef>(i + 1));
      samples.push_back({int64_t{step} * 15000, 1});
    }
    ASSERT_TRUE(queue.Append(refs.data(), samples.data(), refs.size()));
  }
  // A few batches out: 25 minutes of samples behind, at 2 ms per 10.
  ASSERT_TRUE(testing::WaitFor([&] { return receiver.requests() >= 5; },
                               std::chrono::seconds(10)));
  queue.ReshardTick();
  const QueueStats s = queue.Stats();
  EXPECT_GT(s.shards_desired, 1.0);
  EXPECT_GT(s.shards, 1);
  EXPECT_LE(s.shards, c.queue_config.max_shards);
  ASSERT_TRUE(
      testing::WaitFor([&] { return queue.Idle(); }, std::chrono::seconds(30)));
  for (const auto& [series, ts] : receiver.received()) {
    ASSERT_EQ(ts.size(), static_cast<size_t>(kSteps)) << series;
    EXPECT_TRUE(std::is_sorted(ts.begin(), ts.end())) << series;
  }
}

TEST(QueueManagerTest, RetriesWithExponentialBackoffAndRetryAfter) {
  RemoteWriteConfig c = SmallQueue();
  c.queue_config.max_backoff_ms = 200;
  QueueFixture f(c);
  f.receiver.Script({{500, "boom", 0},
                     {0, "connection refused", 0},
                     {503, "busy", 0},
                     {502, "bad gateway", 0},
                     {503, "later", 1500},
                     {500, "boom", 0},
                     {200, "", 0}});
  f.queue->StoreSeries(1, Series(1), 0);
  f.queue->Start();
  std::vector<SeriesRef> refs(7, 1);
  std::vector<Sample> samples;
  for (int i = 0; i < 7; ++i) samples.push_back({i, 1});
  f.queue->Append(refs.data(), samples.data(), refs.size());
  ASSERT_TRUE(testing::WaitFor([&] { return f.queue->Idle(); },
                               std::chrono::seconds(10)));
  // 30, 60, 120, then capped at 200; Retry-After replaces a step, and the
  // next one doubles it (capped).
  EXPECT_EQ(f.Sleeps(), (std::vector<int64_t>{30, 60, 120, 200, 1500, 200}));
  const QueueStats s = f.queue->Stats();
  EXPECT_EQ(s.samples_sent, 7u * 7);
  EXPECT_EQ(s.samples_retried, 7u * 6);
  EXPECT_EQ(s.samples_failed, 0u);
  EXPECT_EQ(s.requests_failed, 6u);
  EXPECT_EQ(f.receiver.samples(), 7);
}

TEST(QueueManagerTest, DropsOn4xxAndOn429UnlessAsked) {
  for (bool retry_429 : {false, true}) {
    RemoteWriteConfig c = SmallQueue();
    c.queue_config.retry_on_http_429 = retry_429;
    QueueFixture f(c);
    f.receiver.Script({{400, "bad labels", 0}, {429, "slow down", 0}});
    f.queue->StoreSeries(1, Series(1), 0);
    f.queue->Start();
    for (int batch = 0; batch < 2; ++batch) {
      std::vector<SeriesRef> refs(7, 1);
      std::vector<Sample> samples;
      for (int i = 0; i < 7; ++i) samples.push_back({batch * 7 + i, 1});
      f.queue->Append(refs.data(), samples.data(), refs.size());
      ASSERT_TRUE(testing::WaitFor([&] { return f.queue->Idle(); },
                                   std::chrono::seconds(10)));
    }
    const QueueStats s = f.queue->Stats();
    // The 400 batch is dropped either way; the 429 one only without
    // retry_on_http_429 (with it, the retry gets the default 200).
    EXPECT_EQ(s.samples_failed, retry_429 ? 7u : 14u) << retry_429;
    EXPECT_EQ(s.samples_retried, retry_429 ? 7u : 0u) << retry_429;
    EXPECT_EQ(f.receiver.samples(), retry_429 ? 7 : 0) << retry_429;
  }
}

std::vector<scrape::MetricMetadata> SomeMetadata(int n) {
  std::vector<scrape::MetricMetadata> out;
  for (int i = 0; i < n; ++i) {
    out.push_back({"family_" + std::to_string(i), "gauge",
                   "Help " + std::to_string(i) + ".", ""});
  }
  return out;
}

// Metadata goes out in requests of metadata_config.max_samples_per_send,
// retried and dropped by the samples' rules, with its own counters.
TEST(QueueManagerTest, SendsMetadataInBatchesRetriedAsSamplesAre) {
  RemoteWriteConfig c = SmallQueue();
  c.metadata_config.max_samples_per_send = 2;
  const std::vector<scrape::MetricMetadata> md = SomeMetadata(5);
  QueueFixture f(c, false, [&md] { return md; });
  // [0,1]: 503 then accepted; [2,3]: accepted; [4]: refused.
  f.receiver.Script(
      {{503, "busy", 0}, {200, "", 0}, {200, "", 0}, {400, "bad", 0}});
  f.queue->SendMetadata();
  EXPECT_EQ(f.receiver.requests(), 4);
  EXPECT_EQ(f.receiver.metadata(),
            std::vector<scrape::MetricMetadata>(md.begin(), md.begin() + 4));
  EXPECT_EQ(f.Sleeps(), (std::vector<int64_t>{30}));
  const QueueStats s = f.queue->Stats();
  EXPECT_EQ(s.metadata_sent, 4u);
  EXPECT_EQ(s.metadata_retried, 2u);
  EXPECT_EQ(s.metadata_failed, 1u);
  EXPECT_GT(s.metadata_bytes, 0u);
  EXPECT_EQ(s.requests_failed, 2u);
  // None of it counts as samples.
  EXPECT_EQ(s.samples_sent, 0u);
  EXPECT_EQ(s.bytes_sent, 0u);

  // No metadata: no request.
  QueueFixture empty(c, false,
                     [] { return std::vector<scrape::MetricMetadata>{}; });
  empty.queue->SendMetadata();
  EXPECT_EQ(empty.receiver.requests(), 0);
}

TEST(QueueManagerTest, MemoryModeCountsEveryOverflowingSample) {
  RemoteWriteConfig c = SmallQueue();
  c.queue_config.capacity = 10;
  c.queue_config.max_samples_per_send = 5;
  QueueFixture f(c);
  f.queue->StoreSeries(1, Series(1), 0);
  f.queue->Start();
  std::vector<SeriesRef> refs(100, 1);
  std::vector<Sample> samples;
  for (int i = 0; i < 100; ++i) samples.push_back({i, 1});
  // One commit holds the queue while it is queued: 10 fit, 90 do not.
  f.queue->Append(refs.data(), samples.data(), refs.size());
  ASSERT_TRUE(testing::WaitFor([&] { return f.queue->Idle(); },
                               std::chrono::seconds(10)));
  const QueueStats s = f.queue->Stats();
  EXPECT_EQ(s.dropped_queue_full, 90u);
  EXPECT_EQ(f.receiver.samples(), 10);
  EXPECT_EQ(s.samples_sent, 10u);
}

TEST(QueueManagerTest, WriteRelabelKeepsAlertsAndRecordings) {
  RemoteWriteConfig c = SmallQueue();
  auto relabel = relabel::ParseConfigs(
      "- source_labels: [__name__]\n  regex: 'ALERTS|.*:.*'\n  action: "
      "keep\n");
  ASSERT_TRUE(relabel.ok()) << relabel.status();
  c.write_relabel_configs = *relabel;
  QueueFixture f(c);
  f.queue->StoreSeries(1, Labels::FromStrings({"__name__", "up"}), 0);
  f.queue->StoreSeries(2, Labels::FromStrings({"__name__", "ALERTS"}), 0);
  f.queue->StoreSeries(3, Labels::FromStrings({"__name__", "job:up:sum"}), 0);
  f.queue->StoreSeries(4, Labels::FromStrings({"__name__", "ALERTS_FOR_STATE"}),
                       0);
  f.queue->Start();
  const SeriesRef refs[] = {1, 2, 3, 4, 99};
  const Sample samples[] = {{1, 1}, {1, 1}, {1, 1}, {1, 1}, {1, 1}};
  f.queue->Append(refs, samples, 5);
  f.queue->Stop();
  const auto received = f.receiver.received();
  EXPECT_EQ(received.size(), 2u);
  EXPECT_TRUE(received.contains(
      Labels::FromStrings({"__name__", "ALERTS"}).ToString()));
  EXPECT_TRUE(received.contains(
      Labels::FromStrings({"__name__", "job:up:sum"}).ToString()));
  const QueueStats s = f.queue->Stats();
  EXPECT_EQ(s.dropped_relabel, 2u);
  EXPECT_EQ(s.dropped_unknown_series, 1u);
}

TEST(HttpSendTest, SpeaksTheProtocolAndReportsStatus) {
  testing::TestHttpServer server;
  ASSERT_TRUE(server.Start().ok());
  RemoteWriteConfig c;
  c.url = "http://" + server.address() + "/api/v1/write";
  c.headers = {{"X-Scope-OrgID", "team-a"}};
  c.authorization = scrape::Authorization{"Bearer", "s3cret", ""};
  const Labels l = Labels::FromStrings({"__name__", "up"});
  const std::string encoded = EncodeLabels(l);
  EncodedSample s{&encoded, 1234, 1};
  std::string raw;
  EncodeWriteRequest(&s, 1, &raw);
  std::string body;
  Compress(raw, &body);

  server.SetReply("/api/v1/write", {204, "", "", false});
  SendResult ok = HttpSend(c, body);
  EXPECT_EQ(ok.status, 204);
  const auto req = server.LastRequest("/api/v1/write");
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.headers.at("content-encoding"), "snappy");
  EXPECT_EQ(req.headers.at("content-type"), "application/x-protobuf");
  EXPECT_EQ(req.headers.at("x-prometheus-remote-write-version"), "0.1.0");
  EXPECT_EQ(req.headers.at("authorization"), "Bearer s3cret");
  EXPECT_EQ(req.headers.at("x-scope-orgid"), "team-a");
  EXPECT_EQ(req.headers.at("user-agent"), kUserAgent);
  auto decoded = DecodeWriteRequest(req.body);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ(decoded->size(), 1u);
  EXPECT_EQ((*decoded)[0].labels, l);

  // A body past curl's 1 MiB threshold goes without waiting for a
  // "100 Continue".
  const std::string big(2 << 20, 'b');
  EXPECT_EQ(HttpSend(c, big).status, 204);
  EXPECT_FALSE(server.LastRequest("/api/v1/write").headers.contains("expect"));
  EXPECT_EQ(server.LastRequest("/api/v1/write").body.size(), big.size());

  testing::TestHttpServer::Reply too_many;
  too_many.status = 429;
  too_many.body = "slow down\n";
  too_many.headers = {{"Retry-After", "7"}};
  server.SetReply("/api/v1/write", too_many);
  SendResult r429 = HttpSend(c, body);
  EXPECT_EQ(r429.status, 429);
  EXPECT_EQ(r429.retry_after_ms, 7000);
  EXPECT_THAT(r429.error, HasSubstr("slow down"));

  server.SetReply("/api/v1/write", {400, "text/plain", "out of order\n"});
  EXPECT_EQ(HttpSend(c, body).status, 400);

  // A 2xx with a body that is not what a receiver says is still a
  // success: remote write 1.0 answers carry nothing to read. However long
  // the body, the status counts (Prometheus reads and discards it).
  const std::string huge(3 << 20, '\xff');
  server.SetReply("/api/v1/write", {200, "application/octet-stream", huge});
  EXPECT_EQ(HttpSend(c, body).status, 200);
  server.SetReply("/api/v1/write", {400, "application/octet-stream", huge});
  SendResult r400 = HttpSend(c, body);
  EXPECT_EQ(r400.status, 400);
  EXPECT_EQ(r400.error,
            "server returned HTTP status 400: (a body that is not text)");
  server.SetReply("/api/v1/write",
                  {400, "text/plain", std::string(300, 'x') + "\n"});
  EXPECT_EQ(HttpSend(c, body).error,
            "server returned HTTP status 400: " + std::string(256, 'x'));

  // A receiver that hangs: remote_timeout ends the attempt, which is then
  // retried like a refused connection.
  testing::TestHttpServer::Reply hang;
  hang.status = 200;
  hang.delay_ms = 5000;
  server.SetReply("/api/v1/write", hang);
  c.remote_timeout_ms = 200;
  const auto start = std::chrono::steady_clock::now();
  SendResult hung = HttpSend(c, body);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
  EXPECT_EQ(hung.status, 0);
  EXPECT_THAT(hung.error, HasSubstr("timed out"));

  server.Stop();
  SendResult down = HttpSend(c, body);
  EXPECT_EQ(down.status, 0);
  EXPECT_FALSE(down.error.empty());
}

// A Head with a write-ahead log in a fresh directory, a WriteStorage
// following it with one small queue (capacity 20, one shard), and a
// receiver that answers 503 while `down`.
class LogFollowingTest : public ::testing::Test {
 protected:
  void Open(const std::string& name, int64_t segment_bytes) {
    dir_ = ::testing::TempDir() + "/" + name + "_" + std::to_string(::getpid());
    std::filesystem::remove_all(dir_);
    tsdb::WalOptions wal;
    wal.dir = dir_;
    wal.segment_bytes = segment_bytes;
    ASSERT_TRUE(head_.OpenWal(wal, 0).ok());
    WriteStorageOptions o;
    o.storage_dir = dir_;
    o.send = [this](const RemoteWriteConfig&, const std::string& body) {
      if (down_) return SendResult{503, "down", 0};
      return receiver_.Send(body);
    };
    o.now_ms = [] { return int64_t{0}; };  // every sample is after the start
    o.sleep_ms = [](int64_t, const std::function<bool()>&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    };
    o.wal_poll_interval_ms = 5;
    o.reshard_interval_ms = 0;
    storage_ = std::make_unique<WriteStorage>(o);
    RemoteWriteConfig c = SmallQueue();
    c.queue_config.capacity = 20;  // far less than the outage's samples
    c.queue_config.max_shards = 1;
    ASSERT_TRUE(storage_->ApplyConfig({c}, Labels()).ok());
  }
  void TearDown() override {
    if (storage_ != nullptr) storage_->Stop();
    std::filesystem::remove_all(dir_);
  }
  // One commit of `kSeries` series at the next step.
  void Commit() {
    ++step_;
    auto app = head_.NewAppender();
    for (int i = 0; i < kSeries; ++i) {
      ASSERT_TRUE(app->Append(Series(i), step_ * 1000, step_).ok());
    }
    ASSERT_TRUE(app->Commit().ok());
  }
  // The queue is full and the reader waits behind it.
  void WaitUntilBlocked() {
    ASSERT_TRUE(testing::WaitFor(
        [&] {
          const QueueStats s = storage_->Stats().queues[0];
          return s.samples_retried > 0 && s.samples_pending >= 20;
        },
        std::chrono::seconds(10)));
  }

  static constexpr int kSeries = 30;
  std::string dir_;
  tsdb::Head head_;
  FakeReceiver receiver_;
  std::atomic<bool> down_{true};
  std::unique_ptr<WriteStorage> storage_;
  int step_ = 0;
};

// The queue follows a real log: an outage longer than the queue holds
// loses nothing.
TEST_F(LogFollowingTest, OutageLongerThanTheQueueLosesNothing) {
  Open("remote_wal", tsdb::WalOptions().segment_bytes);
  constexpr int kSteps = 40;
  for (int step = 1; step <= kSteps; ++step) Commit();
  WaitUntilBlocked();
  down_ = false;
  ASSERT_TRUE(
      testing::WaitFor([&] { return receiver_.samples() == kSeries * kSteps; },
                       std::chrono::seconds(20)))
      << receiver_.samples();
  const auto received = receiver_.received();
  ASSERT_EQ(received.size(), static_cast<size_t>(kSeries));
  for (const auto& [series, ts] : received) {
    ASSERT_EQ(ts.size(), static_cast<size_t>(kSteps)) << series;
    for (int step = 1; step <= kSteps; ++step) {
      EXPECT_EQ(ts[step - 1], step * 1000) << series;
    }
  }
  const QueueStats s = storage_->Stats().queues[0];
  EXPECT_EQ(s.dropped_queue_full, 0u);
  EXPECT_EQ(s.samples_failed, 0u);
}

// A checkpoint that removes segments the reader has not reached: the reader
// moves to the oldest segment left, counts what it lost, and carries on
// with the series the Head logged again after the cut.
TEST_F(LogFollowingTest, SegmentsRemovedByACheckpointAreSkippedAndCounted) {
  Open("remote_wal_cut", 128 << 10);  // the smallest: segments come quickly
  while (head_.GetWalStats().segment_current < 3) Commit();
  WaitUntilBlocked();                     // holding segment 0's records
  ASSERT_TRUE(head_.SnapshotWal().ok());  // deletes the segments before it
  Commit();
  const int last = step_;
  down_ = false;
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        const auto received = receiver_.received();
        if (received.size() != kSeries) return false;
        for (const auto& [series, ts] : received) {
          if (ts.empty() || ts.back() != last * 1000) return false;
        }
        return true;
      },
      std::chrono::seconds(20)));
  EXPECT_GE(storage_->Stats().queues[0].wal_segments_skipped, 1u);
  EXPECT_LT(receiver_.samples(), kSeries * last);  // what was skipped
  // Whatever arrived arrived in order.
  for (const auto& [series, ts] : receiver_.received()) {
    EXPECT_TRUE(std::is_sorted(ts.begin(), ts.end())) << series;
  }
}

// A lone sample reaching an idle shard (waiting on an empty queue, with no
// deadline) is sent at its batch deadline, not when a batch fills up: a
// trickle of alerts and recordings must not wait for 7 of them.
TEST(WriteStorageTest, ALoneSampleAfterAnIdleSpellIsSentAtItsDeadline) {
  FakeReceiver receiver;
  WriteStorageOptions o;
  o.send = [&](const RemoteWriteConfig&, const std::string& body) {
    return receiver.Send(body);
  };
  o.reshard_interval_ms = 0;
  WriteStorage storage(o);
  RemoteWriteConfig one_shard = SmallQueue();
  one_shard.queue_config.min_shards = 1;
  one_shard.queue_config.max_shards = 1;
  ASSERT_TRUE(storage.ApplyConfig({one_shard}, Labels()).ok());
  const SeriesRef ref = 1;
  for (int64_t i = 1; i <= 3; ++i) {
    // Nothing pending: the shard took the last batch and, holding the
    // queue's lock from then on, went back to waiting on its empty queue
    // before this commit can enqueue.
    ASSERT_TRUE(testing::WaitFor(
        [&] { return storage.Stats().queues[0].samples_pending == 0; },
        std::chrono::seconds(10)));
    const Sample sample{i * 1000, 1};
    storage.OnCommit(&ref, &sample, 1, [](size_t) { return Series(1); });
    ASSERT_TRUE(testing::WaitFor(
        [&] { return receiver.samples() == static_cast<int>(i); },
        std::chrono::seconds(10)))
        << "sample " << i << " was not sent";
  }
}

// A reload with the same config keeps the queue and what it counted.
TEST(WriteStorageTest, ReloadKeepsAnUnchangedQueue) {
  FakeReceiver receiver;
  WriteStorageOptions o;
  o.send = [&](const RemoteWriteConfig&, const std::string& body) {
    return receiver.Send(body);
  };
  o.reshard_interval_ms = 0;
  WriteStorage storage(o);
  ASSERT_TRUE(storage.ApplyConfig({SmallQueue()}, Labels()).ok());
  const SeriesRef ref = 1;
  const Sample sample{1000, 1};
  storage.OnCommit(&ref, &sample, 1, [](size_t) { return Series(1); });
  ASSERT_TRUE(testing::WaitFor([&] { return receiver.samples() == 1; },
                               std::chrono::seconds(10)));
  ASSERT_TRUE(storage.ApplyConfig({SmallQueue()}, Labels()).ok());
  EXPECT_EQ(storage.Stats().queues[0].samples_sent, 1u);
  RemoteWriteConfig changed = SmallQueue();
  changed.queue_config.capacity = 99;
  ASSERT_TRUE(storage.ApplyConfig({changed}, Labels()).ok());
  EXPECT_EQ(storage.Stats().queues[0].samples_sent, 0u);
  EXPECT_EQ(storage.Stats().queues[0].shard_capacity, 99);
  ASSERT_TRUE(storage.ApplyConfig({}, Labels()).ok());
  EXPECT_TRUE(storage.Stats().queues.empty());
}

// Memory mode: the Head's commits reach the queue, staleness markers
// included.
TEST(WriteStorageTest, MemoryModeSendsCommittedSamples) {
  tsdb::Head head;
  FakeReceiver receiver;
  WriteStorageOptions o;
  o.send = [&](const RemoteWriteConfig&, const std::string& body) {
    return receiver.Send(body);
  };
  o.reshard_interval_ms = 0;
  WriteStorage storage(o);
  ASSERT_TRUE(
      storage
          .ApplyConfig({SmallQueue()}, Labels::FromStrings({"cluster", "c1"}))
          .ok());
  head.SetCommitObserver([&](const SeriesRef* refs, const Sample* samples,
                             size_t n,
                             const std::function<Labels(size_t)>& labels_of) {
    storage.OnCommit(refs, samples, n, labels_of);
  });
  auto app = head.NewAppender();
  ASSERT_TRUE(app->Append(Series(1), 1000, 1).ok());
  ASSERT_TRUE(app->Append(Series(2), 1000, 2).ok());
  ASSERT_TRUE(app->Commit().ok());
  ASSERT_TRUE(app->Append(Series(1), 2000, StaleNaN()).ok());
  ASSERT_TRUE(app->Commit().ok());
  storage.Stop();
  head.SetCommitObserver(nullptr);
  const auto received = receiver.received();
  ASSERT_EQ(received.size(), 2u);
  const std::string s1 =
      LabelsBuilder(Series(1)).Set("cluster", "c1").Build().ToString();
  ASSERT_TRUE(received.contains(s1));
  EXPECT_EQ(received.at(s1), (std::vector<int64_t>{1000, 2000}));
  EXPECT_EQ(storage.Stats().highest_timestamp_seconds, 2.0);
}

// Every send_interval, each queue whose metadata_config.send holds posts
// the targets' metadata over HTTP like a sample batch.
TEST(WriteStorageTest, SendsTheTargetsMetadataEveryInterval) {
  testing::TestHttpServer server;
  ASSERT_TRUE(server.Start().ok());
  server.SetReply("/on", {204, "", ""});
  server.SetReply("/off", {204, "", ""});
  const std::vector<scrape::MetricMetadata> md = {
      {"up", "gauge", "Whether the target answered.", ""},
      {"kube_pod_info", "gauge", "Information about pod.", ""}};
  WriteStorageOptions o;
  o.reshard_interval_ms = 0;
  o.metadata = [&md] { return md; };
  WriteStorage storage(o);
  RemoteWriteConfig on;
  on.name = "on";
  on.url = "http://" + server.address() + "/on";
  on.metadata_config.send_interval_ms = 20;
  RemoteWriteConfig off = on;
  off.name = "off";
  off.url = "http://" + server.address() + "/off";
  off.metadata_config.send = false;
  ASSERT_TRUE(storage.ApplyConfig({on, off}, Labels()).ok());
  ASSERT_TRUE(testing::WaitFor([&] { return server.RequestCount("/on") >= 2; },
                               std::chrono::seconds(10)));
  const auto req = server.LastRequest("/on");
  EXPECT_EQ(req.headers.at("content-encoding"), "snappy");
  EXPECT_EQ(req.headers.at("x-prometheus-remote-write-version"), "0.1.0");
  auto got = DecodeWriteRequestMetadata(req.body);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, md);
  // By hand too (all queues that send metadata, at once).
  const int before = server.RequestCount("/on");
  storage.SendMetadata();
  EXPECT_GT(server.RequestCount("/on"), before);
  const WriteStats stats = storage.Stats();
  ASSERT_EQ(stats.queues.size(), 2u);
  EXPECT_GE(stats.queues[0].metadata_sent, md.size());
  EXPECT_EQ(stats.queues[1].metadata_sent, 0u);
  storage.Stop();
  EXPECT_EQ(server.RequestCount("/off"), 0);
}

}  // namespace
}  // namespace vigil::remote
