// /api/v1/series, /api/v1/labels, /api/v1/label/<name>/values,
// /api/v1/metadata and /api/v1/targets/metadata over HTTP.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/api_test_support.h"

namespace vigil::api::testing {
namespace {

using ::testing::StartsWith;

TEST_F(ApiServerTest, SeriesListsMatchingLabelSets) {
  StartServer();
  Reply r = Get("/api/v1/series?match[]=up");
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"], nlohmann::json::parse(R"([
              {"__name__":"up","instance":"a:9090","job":"api"},
              {"__name__":"up","instance":"b:9090","job":"api"}])"));
}

TEST_F(ApiServerTest, SeriesMergesSeveralMatchSets) {
  StartServer();
  // Both selectors match up{instance="a:9090"}: it is listed once.
  Reply r = Get("/api/v1/series?match[]=" + Q("up{instance=\"a:9090\"}") +
                "&match[]=" + Q("{job=\"api\",__name__=~\"up|temperature\"}") +
                "&start=1700000000&end=1700000600");
  ExpectSuccess(r);
  ASSERT_EQ(r.json["data"].size(), 2u) << r.body;
  EXPECT_EQ(r.json["data"][0]["instance"], "a:9090");
  EXPECT_EQ(r.json["data"][1]["instance"], "b:9090");

  Reply post =
      PostForm("/api/v1/series", "match[]=" + Q("{__name__=\"temperature\"}"));
  ExpectSuccess(post);
  EXPECT_EQ(post.json["data"],
            nlohmann::json::parse(
                R"([{"__name__":"temperature","room":"kitchen"}])"));
}

TEST_F(ApiServerTest, SeriesErrors) {
  StartServer();
  ExpectError(Get("/api/v1/series"), 400, "bad_data",
              "no match[] parameter provided");
  ExpectError(Get("/api/v1/series?match[]=" + Q("{foo=\"\"}")), 400, "bad_data",
              "invalid parameter \"match[]\": match[] must contain at least "
              "one non-empty matcher");
  Reply bad = Get("/api/v1/series?match[]=" + Q("up{"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.json["error"].get<std::string>(),
              StartsWith("invalid parameter \"match[]\": 1:4: parse error"));
  ExpectError(Get("/api/v1/series?match[]=up&start=never"), 400, "bad_data",
              "invalid parameter \"start\": Invalid time value for 'start': "
              "cannot parse \"never\" to a valid timestamp");
  ExpectError(Get("/api/v1/series?match[]=up&x=%zz"), 400, "bad_data",
              "error parsing form values: invalid URL escape in \"x=%zz\"");
}

TEST_F(ApiServerTest, SeriesLimit) {
  StartServer();
  Reply r = Get("/api/v1/series?match[]=up&limit=1");
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"].size(), 1u);
  EXPECT_EQ(r.json["warnings"][0], "results truncated due to limit");
}

TEST_F(ApiServerTest, LabelNames) {
  StartServer();
  Reply r = Get("/api/v1/labels");
  ExpectSuccess(r);
  EXPECT_EQ(
      r.json["data"],
      nlohmann::json::parse(R"(["__name__","code","instance","job","room"])"));
  // Restricted by match[]; the sets are unioned.
  r = Get("/api/v1/labels?match[]=temperature&match[]=" +
          Q("up{instance=\"a:9090\"}"));
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"],
            nlohmann::json::parse(R"(["__name__","instance","job","room"])"));
  r = PostForm("/api/v1/labels", "start=1700000000&end=1700000600");
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"].size(), 5u);
  ExpectError(Get("/api/v1/labels?match[]=" + Q("{a=~\".*\"}")), 400,
              "bad_data",
              "match[] must contain at least one non-empty matcher");
  ExpectError(Get("/api/v1/labels?end=x"), 400, "bad_data",
              "invalid parameter \"end\": Invalid time value for 'end': "
              "cannot parse \"x\" to a valid timestamp");
  r = Get("/api/v1/labels?limit=2");
  EXPECT_EQ(r.json["data"], nlohmann::json::parse(R"(["__name__","code"])"));
  EXPECT_EQ(r.json["warnings"][0], "results truncated due to limit");
}

TEST_F(ApiServerTest, LabelValuesOfMetricName) {
  StartServer();
  // Grafana's metric browser asks for __name__.
  Reply r = Get("/api/v1/label/__name__/values");
  ExpectSuccess(r);
  EXPECT_EQ(
      r.json["data"],
      nlohmann::json::parse(R"(["http_requests_total","temperature","up"])"));
  r = Get("/api/v1/label/__name__/values?match[]=" + Q("{job=\"api\"}") +
          "&start=1700000000&end=1700000600");
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"],
            nlohmann::json::parse(R"(["http_requests_total","up"])"));
}

TEST_F(ApiServerTest, LabelValuesOfOtherLabels) {
  StartServer();
  Reply r = Get("/api/v1/label/instance/values");
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"], nlohmann::json::parse(R"(["a:9090","b:9090"])"));
  r = Get("/api/v1/label/code/values?match[]=up");
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"], nlohmann::json::array());
  r = Get("/api/v1/label/nosuchlabel/values");
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"], nlohmann::json::array());
  // Prometheus 3's U__ escaping of UTF-8 names: "U__r_6f_om" is "room".
  r = Get("/api/v1/label/U__r_6f_om/values");
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"], nlohmann::json::parse(R"(["kitchen"])"));
}

TEST_F(ApiServerTest, LabelValuesErrors) {
  StartServer();
  ExpectError(Get("/api/v1/label/%ff/values"), 400, "bad_data",
              "invalid label name: \"\\xff\"");
  Reply bad = Get("/api/v1/label/job/values?match[]=" + Q("up{"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json["errorType"], "bad_data");
  // Not wrapped in "invalid parameter", as in Prometheus's labelValues.
  EXPECT_THAT(bad.json["error"].get<std::string>(), StartsWith("1:4: parse"));
  // POST is not routed for label values (Prometheus registers GET only).
  RawResponse post = Raw("POST", "/api/v1/label/job/values");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.Header("Allow"), "GET");
}

TEST_F(ApiServerTest, MetadataIsEmptyWithoutTargets) {
  StartServer();
  Reply r = Get("/api/v1/metadata");
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"], nlohmann::json::object());
  Reply t = Get("/api/v1/targets/metadata");
  ExpectSuccess(t);
  EXPECT_EQ(t.json["data"], nlohmann::json::array());
  ExpectSuccess(Get("/api/v1/metadata?limit=-1&metric=up"));
  ExpectError(Get("/api/v1/metadata?limit=x"), 400, "bad_data",
              "limit must be a number");
  ExpectError(Get("/api/v1/metadata?limit_per_metric=x"), 400, "bad_data",
              "limit_per_metric must be a number");
  ExpectError(Get("/api/v1/targets/metadata?limit=1.5"), 400, "bad_data",
              "limit must be a number");
}

// Two jobs; the node job's targets disagree on one HELP text.
class MetadataTargets : public TargetsSource {
 public:
  std::vector<ActiveTarget> ActiveTargets() const override { return {}; }
  std::vector<DroppedTarget> DroppedTargets() const override { return {}; }
  std::vector<TargetMetadata> ActiveTargetsMetadata() const override {
    const MetricMetadata up_a{"node_cpu_seconds", "counter", "CPU time.",
                              "seconds"};
    const MetricMetadata up_b{"node_cpu_seconds", "counter",
                              "Seconds the CPUs spent.", "seconds"};
    const MetricMetadata load{"node_load1", "gauge", "1m load.", ""};
    const MetricMetadata ksm{"kube_pod_info", "gauge", "Pod info.", ""};
    return {
        {"node",
         Labels({{"instance", "a:9100"}, {"job", "node"}}),
         {up_a, load}},
        {"kube-state-metrics",
         Labels({{"instance", "ksm:8080"}, {"job", "kube-state-metrics"}}),
         {ksm}},
        {"node",
         Labels({{"instance", "b:9100"}, {"job", "node"}}),
         {up_b, load}},
    };
  }
};

TEST_F(ApiServerTest, MetadataMergesTheTargetsFamilies) {
  MetadataTargets targets;
  deps_.targets = &targets;
  StartServer();
  Reply r = Get("/api/v1/metadata");
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"], nlohmann::json::parse(R"({
    "kube_pod_info": [{"type":"gauge","help":"Pod info.","unit":""}],
    "node_cpu_seconds": [
      {"type":"counter","help":"CPU time.","unit":"seconds"},
      {"type":"counter","help":"Seconds the CPUs spent.","unit":"seconds"}],
    "node_load1": [{"type":"gauge","help":"1m load.","unit":""}]})"))
      << r.body;

  Reply one = Get("/api/v1/metadata?metric=node_load1");
  ExpectSuccess(one);
  EXPECT_EQ(one.json["data"], nlohmann::json::parse(R"({
    "node_load1": [{"type":"gauge","help":"1m load.","unit":""}]})"));
  EXPECT_EQ(Get("/api/v1/metadata?metric=nope").json["data"],
            nlohmann::json::object());

  Reply limited = Get("/api/v1/metadata?limit=2&limit_per_metric=1");
  ExpectSuccess(limited);
  EXPECT_EQ(limited.json["data"], nlohmann::json::parse(R"({
    "kube_pod_info": [{"type":"gauge","help":"Pod info.","unit":""}],
    "node_cpu_seconds": [
      {"type":"counter","help":"CPU time.","unit":"seconds"}]})"))
      << limited.body;
  EXPECT_EQ(Get("/api/v1/metadata?limit=0").json["data"],
            nlohmann::json::object());
}

TEST_F(ApiServerTest, TargetMetadataListsEachTargetsFamilies) {
  MetadataTargets targets;
  deps_.targets = &targets;
  StartServer();
  Reply all = Get("/api/v1/targets/metadata");
  ExpectSuccess(all);
  // Pools in name order, targets in their pool's order.
  ASSERT_EQ(all.json["data"].size(), 5u) << all.body;
  EXPECT_EQ(all.json["data"][0], nlohmann::json::parse(R"({
    "target": {"instance":"ksm:8080","job":"kube-state-metrics"},
    "metric": "kube_pod_info", "type": "gauge", "help": "Pod info.",
    "unit": ""})"));
  EXPECT_EQ(all.json["data"][4]["target"]["instance"], "b:9100");

  Reply by_metric =
      Get("/api/v1/targets/metadata?metric=node_cpu_seconds&" +
          std::string("match_target=") + Q("{instance=~\"b.*\"}"));
  ExpectSuccess(by_metric);
  // With metric= the family is not repeated, as Prometheus leaves it out.
  EXPECT_EQ(by_metric.json["data"], nlohmann::json::parse(R"([{
    "target": {"instance":"b:9100","job":"node"},
    "type": "counter", "help": "Seconds the CPUs spent.",
    "unit": "seconds"}])"))
      << by_metric.body;

  // The limit is checked before each target: the first node target's two
  // families both come.
  Reply limited = Get("/api/v1/targets/metadata?limit=2");
  ExpectSuccess(limited);
  EXPECT_EQ(limited.json["data"].size(), 3u) << limited.body;

  Reply bad = Get("/api/v1/targets/metadata?match_target=" + Q("{job="));
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.json["error"].get<std::string>(),
              StartsWith("invalid parameter \"match_target\": "));
}

}  // namespace
}  // namespace vigil::api::testing
