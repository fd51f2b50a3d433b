// scrape_configs decoding, target label population and file_sd.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "vigil/discovery.h"
#include "vigil/scrape.h"

namespace vigil::scrape {
namespace {

using ::testing::HasSubstr;

ScrapeConfig One(const std::string& yaml) {
  auto c = ParseScrapeConfigs(yaml, "p.yml");
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() && !c->empty() ? (*c)[0] : ScrapeConfig{};
}

std::string Err(const std::string& yaml) {
  auto c = ParseScrapeConfigs(yaml, "p.yml");
  EXPECT_FALSE(c.ok()) << yaml;
  return std::string(c.status().message());
}

TEST(ScrapeConfigTest, Defaults) {
  ScrapeConfig c = One("- job_name: j\n");
  EXPECT_EQ(c.scrape_interval_ms, 60000);
  EXPECT_EQ(c.scrape_timeout_ms, 10000);
  EXPECT_EQ(c.metrics_path, "/metrics");
  EXPECT_EQ(c.scheme, "http");
  EXPECT_FALSE(c.honor_labels);
  EXPECT_TRUE(c.honor_timestamps);
  EXPECT_TRUE(c.enable_compression);
  EXPECT_EQ(c.sample_limit, 0u);
}

TEST(ScrapeConfigTest, TimeoutDefaultsToIntervalWhenShorter) {
  EXPECT_EQ(One("- job_name: j\n  scrape_interval: 5s\n").scrape_timeout_ms,
            5000);
  GlobalDefaults g;
  g.scrape_interval_ms = 30000;
  g.scrape_timeout_ms = 20000;
  auto c = ParseScrapeConfigs("- job_name: j\n", "p.yml", g);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)[0].scrape_interval_ms, 30000);
  EXPECT_EQ((*c)[0].scrape_timeout_ms, 20000);
}

TEST(ScrapeConfigTest, AllFields) {
  ScrapeConfig c = One(R"(- job_name: full
  scrape_interval: 30s
  scrape_timeout: 5s
  metrics_path: /m
  scheme: https
  params: {module: [http_2xx, x]}
  honor_labels: true
  honor_timestamps: false
  basic_auth: {username: u, password_file: /etc/pw}
  tls_config: {ca_file: /ca, server_name: s, insecure_skip_verify: true}
  sample_limit: 100
  label_limit: 30
  label_name_length_limit: 200
  label_value_length_limit: 300
  body_size_limit: 10MB
  static_configs:
  - targets: [a:1, b:2]
    labels: {env: prod}
  file_sd_configs:
  - files: [/tmp/x/*.json]
    refresh_interval: 1m
  relabel_configs:
  - target_label: t
    replacement: v
  metric_relabel_configs:
  - source_labels: [__name__]
    regex: go_.*
    action: drop
)");
  EXPECT_EQ(c.scrape_interval_ms, 30000);
  EXPECT_EQ(c.scrape_timeout_ms, 5000);
  EXPECT_EQ(c.metrics_path, "/m");
  EXPECT_EQ(c.scheme, "https");
  EXPECT_EQ(c.params.at("module").size(), 2u);
  EXPECT_TRUE(c.honor_labels);
  EXPECT_FALSE(c.honor_timestamps);
  ASSERT_TRUE(c.basic_auth.has_value());
  EXPECT_EQ(c.basic_auth->password_file, "/etc/pw");
  EXPECT_EQ(c.tls_config.server_name, "s");
  EXPECT_TRUE(c.tls_config.insecure_skip_verify);
  EXPECT_EQ(c.body_size_limit_bytes, 10 << 20);
  ASSERT_EQ(c.static_configs.size(), 1u);
  EXPECT_EQ(c.static_configs[0].targets.size(), 2u);
  EXPECT_EQ(c.static_configs[0].labels.Get("env"), "prod");
  ASSERT_EQ(c.file_sd_configs.size(), 1u);
  EXPECT_EQ(c.file_sd_configs[0].refresh_interval_ms, 60000);
  EXPECT_EQ(c.relabel_configs.size(), 1u);
  EXPECT_EQ(c.metric_relabel_configs.size(), 1u);
}

TEST(ScrapeConfigTest, BearerTokenBecomesAuthorization) {
  ScrapeConfig c = One("- job_name: j\n  bearer_token: abc\n");
  ASSERT_TRUE(c.authorization.has_value());
  EXPECT_EQ(c.authorization->type, "Bearer");
  EXPECT_EQ(c.authorization->credentials, "abc");
}

TEST(ScrapeConfigTest, ErrorsWithPositions) {
  EXPECT_EQ(Err("- scrape_interval: 5s\n"), "p.yml:1:3: job_name is empty");
  EXPECT_EQ(Err("- job_name: j\n  scrape_interval: 5s\n  scrape_timeout: 6s\n"),
            "p.yml:1:3: scrape timeout greater than scrape interval for "
            "scrape config with job name \"j\"");
  EXPECT_EQ(Err("- job_name: j\n  bogus: 1\n"),
            "p.yml:2:3: field bogus not found in type config.ScrapeConfig");
  EXPECT_EQ(Err("- job_name: j\n  scrape_interval: 5x\n"),
            "p.yml:2:20: not a valid duration string: \"5x\"");
  EXPECT_EQ(Err("- job_name: j\n- job_name: j\n"),
            "p.yml:2:3: found multiple scrape configs with job name \"j\"");
  EXPECT_EQ(Err("- job_name: j\n  static_configs:\n  - targets: "
                "['http://a:1']\n"),
            "p.yml:3:3: \"http://a:1\" is not a valid hostname");
  EXPECT_EQ(Err("- job_name: j\n  basic_auth: {username: u, password: p, "
                "password_file: f}\n"),
            "p.yml:2:15: at most one of basic_auth password & password_file "
            "must be configured");
  EXPECT_EQ(Err("- job_name: j\n  bearer_token: a\n  bearer_token_file: f\n"),
            "p.yml:1:3: at most one of bearer_token & bearer_token_file must "
            "be configured");
  EXPECT_EQ(Err("- job_name: j\n  file_sd_configs:\n  - files: [a.txt]\n"),
            "p.yml:3:12: path name \"a.txt\" is not valid for file discovery");
  EXPECT_EQ(Err("- job_name: j\n  relabel_configs:\n  - action: keep\n"
                "    regex: (\n"),
            "p.yml:4:12: error parsing regexp: missing closing ): `^(?s:()$`");
  EXPECT_EQ(Err("- job_name: j\n  kubernetes_sd_configs: []\n"),
            "p.yml:2:3: kubernetes_sd_configs is not supported by vigil "
            "(supported: static_configs, file_sd_configs)");
  EXPECT_EQ(Err("- job_name: j\n  sample_limit: many\n"),
            "p.yml:2:17: cannot unmarshal !!str `many` into uint64");
}

ScrapeConfig Job() {
  return One(R"(- job_name: node
  scrape_interval: 15s
  params: {module: [a, b]}
)");
}

TEST(PopulateLabelsTest, DefaultsAndInstance) {
  ScrapeConfig c = Job();
  auto res = PopulateLabels(
      Labels::FromStrings({"__address__", "h:9100", "__meta_x", "m"}),
      Labels::FromStrings({"env", "prod"}), c);
  ASSERT_TRUE(res.ok());
  ASSERT_TRUE(res->has_value());
  const Labels& l = **res;
  EXPECT_EQ(l.Get("job"), "node");
  EXPECT_EQ(l.Get("instance"), "h:9100");
  EXPECT_EQ(l.Get("__scheme__"), "http");
  EXPECT_EQ(l.Get("__metrics_path__"), "/metrics");
  EXPECT_EQ(l.Get("__scrape_interval__"), "15s");
  EXPECT_EQ(l.Get("__scrape_timeout__"), "10s");
  EXPECT_EQ(l.Get("__param_module"), "a");
  EXPECT_FALSE(l.Has("__meta_x"));
  EXPECT_EQ(l.Get("env"), "prod");
  EXPECT_EQ(PublicTargetLabels(l),
            Labels::FromStrings(
                {"env", "prod", "instance", "h:9100", "job", "node"}));
  EXPECT_EQ(TargetUrl(l, c.params), "http://h:9100/metrics?module=a&module=b");
}

TEST(PopulateLabelsTest, RelabelingDropsAndRewrites) {
  ScrapeConfig c = One(R"(- job_name: bb
  metrics_path: /probe
  relabel_configs:
  - source_labels: [__address__]
    target_label: __param_target
  - source_labels: [__param_target]
    target_label: instance
  - target_label: __address__
    replacement: exporter:9115
  - source_labels: [instance]
    regex: skip.*
    action: drop
)");
  auto res = PopulateLabels(
      Labels::FromStrings({"__address__", "https://example.com"}), {}, c);
  ASSERT_TRUE(res.ok()) << res.status();
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->Get("instance"), "https://example.com");
  EXPECT_EQ(TargetUrl(**res, c.params),
            "http://exporter:9115/probe?target=https%3A%2F%2Fexample.com");
  auto dropped =
      PopulateLabels(Labels::FromStrings({"__address__", "skip.me"}), {}, c);
  ASSERT_TRUE(dropped.ok());
  EXPECT_FALSE(dropped->has_value());
}

TEST(PopulateLabelsTest, Errors) {
  ScrapeConfig c = Job();
  c.relabel_configs = One(R"(- job_name: x
  relabel_configs:
  - target_label: __address__
    replacement: ""
)")
                          .relabel_configs;
  auto res = PopulateLabels(Labels::FromStrings({"__address__", "a:1"}), {}, c);
  EXPECT_EQ(res.status().message(), "no address");

  c = Job();
  res = PopulateLabels(
      Labels::FromStrings({"__address__", "a:1", "__scrape_timeout__", "20s"}),
      {}, c);
  EXPECT_EQ(res.status().message(),
            "scrape timeout cannot be greater than scrape interval (\"20s\" > "
            "\"15s\")");
  res = PopulateLabels(
      Labels::FromStrings({"__address__", "a:1", "__scrape_interval__", "0s"}),
      {}, c);
  EXPECT_EQ(res.status().message(), "scrape interval cannot be 0");
}

class FileSdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil_file_sd_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }
  std::string dir_;
};

TEST_F(FileSdTest, ReadsJsonAndYaml) {
  Write("a.json",
        R"([{"targets": ["h1:1", "h2:2"], "labels": {"env": "dev"}}])");
  Write("b.yml", "- targets: [h3:3]\n");
  auto a = ReadTargetGroupFile(dir_ + "/a.json");
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ((*a)[0].targets.size(), 2u);
  EXPECT_EQ((*a)[0].labels.Get("env"), "dev");
  auto b = ReadTargetGroupFile(dir_ + "/b.yml");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ((*b)[0].targets[0].Get("__address__"), "h3:3");
}

TEST_F(FileSdTest, ErrorsCarryPositions) {
  Write("bad.json", "[\n  {\"targets\": [1,]}\n]");
  auto r = ReadTargetGroupFile(dir_ + "/bad.json");
  EXPECT_THAT(r.status().message(), HasSubstr(dir_ + "/bad.json:2:"));
  Write("bad.yml", "- targets: [a]\n  lables: {}\n");
  r = ReadTargetGroupFile(dir_ + "/bad.yml");
  EXPECT_EQ(r.status().message(),
            dir_ +
                "/bad.yml:2:3: field lables not found in type "
                "targetgroup.Group");
}

TEST_F(FileSdTest, RereadsChangedFiles) {
  Write("t.json", R"([{"targets": ["h1:1"]}])");
  discovery::FileSdWatcher w({FileSdConfig{{dir_ + "/*.json"}, 1000}});
  EXPECT_TRUE(w.Refresh());
  ASSERT_EQ(w.Groups().size(), 1u);
  EXPECT_FALSE(w.Refresh());  // unchanged
  Write("t.json", R"([{"targets": ["h1:1", "h2:2", "h3:3"]}])");
  EXPECT_TRUE(w.Refresh());  // size changed
  EXPECT_EQ(w.Groups()[0].targets.size(), 3u);
  // A broken file keeps the last good groups.
  Write("t.json", R"([{"targets": ["h1:1", "h2:2", "h3:3"]}}])");
  w.Refresh();
  EXPECT_EQ(w.errors().size(), 1u);
  EXPECT_EQ(w.Groups()[0].targets.size(), 3u);
  // A new file matching the glob is picked up; a removed one goes.
  Write("u.json", R"([{"targets": ["h9:9"]}])");
  EXPECT_TRUE(w.Refresh());
  EXPECT_EQ(w.Groups().size(), 2u);
  std::filesystem::remove(dir_ + "/u.json");
  EXPECT_TRUE(w.Refresh());
  EXPECT_EQ(w.Groups().size(), 1u);
}

TEST_F(FileSdTest, AFileThatMatchesButCannotBeStatedKeepsItsGroups) {
  Write("t.json", R"([{"targets": ["h1:1"]}])");
  discovery::FileSdWatcher w({FileSdConfig{{dir_ + "/*.json"}, 1000}});
  ASSERT_TRUE(w.Refresh());
  // A dangling symlink: the glob matches its name, stat() fails.
  std::filesystem::remove(dir_ + "/t.json");
  std::filesystem::create_symlink(dir_ + "/gone.json", dir_ + "/t.json");
  EXPECT_FALSE(w.Refresh());
  ASSERT_EQ(w.errors().size(), 1u);
  EXPECT_THAT(w.errors()[0], HasSubstr(dir_ + "/t.json: "));
  ASSERT_EQ(w.Groups().size(), 1u);
  EXPECT_EQ(w.Groups()[0].targets.size(), 1u);
}

// YAML 1.1 as Go's yaml.v2 reads it: booleans like "yes", integers with
// underscores, hex and octal, and merge keys. promtool 2.42 accepts this.
TEST(ScrapeConfigTest, GoYamlScalarsAndMergeKeys) {
  auto c = ParseScrapeConfigs(R"(
- &job
  job_name: a
  honor_labels: yes
  honor_timestamps: Off
  sample_limit: 1_000
  label_limit: 0x1F
  relabel_configs:
    - &hash {source_labels: [x], target_label: s, modulus: 017,
             action: hashmod}
- <<: *job
  job_name: b
  sample_limit: 2.9
  relabel_configs:
    - <<: *hash
      modulus: 0b110
)",
                              "p.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->size(), 2u);
  EXPECT_TRUE((*c)[0].honor_labels);
  EXPECT_FALSE((*c)[0].honor_timestamps);
  EXPECT_EQ((*c)[0].sample_limit, 1000u);
  EXPECT_EQ((*c)[0].label_limit, 31u);
  ASSERT_EQ((*c)[0].relabel_configs.size(), 1u);
  EXPECT_EQ((*c)[0].relabel_configs[0].modulus, 15u);
  EXPECT_EQ((*c)[1].job_name, "b");
  EXPECT_TRUE((*c)[1].honor_labels);
  EXPECT_EQ((*c)[1].sample_limit, 2u);
  EXPECT_EQ((*c)[1].label_limit, 31u);
  ASSERT_EQ((*c)[1].relabel_configs.size(), 1u);
  EXPECT_EQ((*c)[1].relabel_configs[0].modulus, 6u);
  EXPECT_EQ((*c)[1].relabel_configs[0].target_label, "s");

  EXPECT_EQ(Err("- job_name: a\n  honor_labels: TrUe\n"),
            "p.yml:2:17: cannot unmarshal !!str `TrUe` into bool");
  EXPECT_EQ(Err("- job_name: a\n  sample_limit: -1\n"),
            "p.yml:2:17: cannot unmarshal !!int `-1` into uint64");
  EXPECT_EQ(Err("- job_name: a\n  <<: 5\n"),
            "p.yml:2:7: map merge requires map or sequence of maps as the "
            "value");
}

}  // namespace
}  // namespace vigil::scrape

namespace vigil::scrape {
namespace {

TEST(ScrapeConfigProtocolsTest, DefaultsFollowNativeHistograms) {
  EXPECT_EQ(One("- job_name: j\n").scrape_protocols,
            DefaultScrapeProtocols(false));
  EXPECT_FALSE(One("- job_name: j\n").scrape_native_histograms);
  ScrapeConfig c = One("- job_name: j\n  scrape_native_histograms: true\n");
  EXPECT_TRUE(c.scrape_native_histograms);
  ASSERT_FALSE(c.scrape_protocols.empty());
  EXPECT_EQ(c.scrape_protocols[0], ScrapeProtocol::kPrometheusProto);
  EXPECT_EQ(c.scrape_protocols.size(), 5u);
}

TEST(ScrapeConfigProtocolsTest, GlobalSettingsAreInherited) {
  GlobalDefaults g;
  g.scrape_native_histograms = true;
  g.convert_classic_histograms_to_nhcb = true;
  auto c = ParseScrapeConfigs(
      "- job_name: a\n- job_name: b\n  scrape_native_histograms: false\n"
      "  convert_classic_histograms_to_nhcb: false\n",
      "p.yml", g);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE((*c)[0].scrape_native_histograms);
  EXPECT_TRUE((*c)[0].convert_classic_histograms_to_nhcb);
  EXPECT_EQ((*c)[0].scrape_protocols, DefaultScrapeProtocols(true));
  EXPECT_FALSE((*c)[1].scrape_native_histograms);
  EXPECT_FALSE((*c)[1].convert_classic_histograms_to_nhcb);
  EXPECT_EQ((*c)[1].scrape_protocols, DefaultScrapeProtocols(false));
  // A global scrape_protocols wins over the per-job default.
  g.scrape_protocols = {ScrapeProtocol::kPrometheusText0_0_4};
  c = ParseScrapeConfigs("- job_name: a\n", "p.yml", g);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)[0].scrape_protocols, g.scrape_protocols);
}

TEST(ScrapeConfigProtocolsTest, ExplicitListAndLimits) {
  ScrapeConfig c =
      One("- job_name: j\n  scrape_protocols: [PrometheusProto, "
          "OpenMetricsText1.0.0]\n  native_histogram_bucket_limit: 160\n"
          "  native_histogram_min_bucket_factor: 1.1\n"
          "  always_scrape_classic_histograms: true\n");
  EXPECT_EQ(c.scrape_protocols, (std::vector<ScrapeProtocol>{
                                    ScrapeProtocol::kPrometheusProto,
                                    ScrapeProtocol::kOpenMetricsText1_0_0}));
  EXPECT_EQ(c.native_histogram_bucket_limit, 160u);
  EXPECT_EQ(c.native_histogram_min_bucket_factor, 1.1);
  EXPECT_TRUE(c.always_scrape_classic_histograms);
  EXPECT_FALSE(c.SameAs(One("- job_name: j\n")));
}

TEST(ScrapeConfigProtocolsTest, Errors) {
  EXPECT_EQ(Err("- job_name: j\n  scrape_protocols: []\n"),
            "p.yml:2:21: scrape_protocols cannot be empty for scrape config "
            "with job name \"j\"");
  EXPECT_EQ(Err("- job_name: j\n  scrape_protocols: [PrometheusProto, "
                "prometheusproto]\n"),
            "p.yml:2:21: duplicated protocol in scrape_protocols, got "
            "[PrometheusProto prometheusproto] for scrape config with job "
            "name \"j\"");
  EXPECT_EQ(Err("- job_name: j\n  scrape_protocols: [Protobuf]\n"),
            "p.yml:2:21: scrape_protocols: unknown scrape protocol Protobuf, "
            "supported: [OpenMetricsText0.0.1 OpenMetricsText1.0.0 "
            "PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0] for "
            "scrape config with job name \"j\"");
  EXPECT_THAT(Err("- job_name: j\n  fallback_scrape_protocol: x\n"),
              HasSubstr("unknown scrape protocol x, supported: ["));
  EXPECT_EQ(One("- job_name: j\n  fallback_scrape_protocol: PrometheusProto\n")
                .fallback_scrape_protocol,
            FallbackProtocol::kPrometheusProto);
  EXPECT_THAT(Err("- job_name: j\n  native_histogram_bucket_limit: -1\n"),
              HasSubstr("p.yml:2:34"));
}

}  // namespace
}  // namespace vigil::scrape
