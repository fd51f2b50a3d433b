// Replays what Grafana's Prometheus data source sends on "Save & test" and
// when a dashboard panel loads, and checks every answer is one Grafana
// accepts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/api_test_support.h"

namespace vigil::api::testing {
namespace {

// Grafana sends these on its data source requests.
const std::vector<std::pair<std::string, std::string>> kGrafanaHeaders = {
    {"Content-Type", "application/x-www-form-urlencoded"},
    {"Accept", "application/json, text/plain, */*"},
    {"X-Grafana-Org-Id", "1"},
    {"User-Agent", "Grafana/11.0.0"},
};

class GrafanaTest : public ApiServerTest {
 protected:
  Reply Send(const std::string& method, const std::string& target,
             const std::string& body = "") {
    http::Request req;
    req.method = method;
    req.url = Url(target);
    req.body = body;
    req.headers = kGrafanaHeaders;
    auto r = http::Perform(req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? ToReply(*r) : Reply{};
  }
};

TEST_F(GrafanaTest, SaveAndTest) {
  ApiServerOptions opts;
  opts.build_info.version = "3.0.0";
  StartServer(opts);
  // 1. Grafana detects the flavour and version.
  Reply info = Send("GET", "/api/v1/status/buildinfo");
  ExpectSuccess(info);
  EXPECT_TRUE(info.json["data"]["version"].is_string());
  // 2. The health check: an instant query of 1+1, POSTed.
  Reply health = Send("POST", "/api/v1/query", "query=1%2B1&time=1700000300");
  ExpectSuccess(health);
  EXPECT_EQ(health.json["data"]["resultType"], "scalar");
  EXPECT_EQ(health.json["data"]["result"][1], "2");
  // Older Grafana versions test with GET.
  Reply get = Send("GET", "/api/v1/query?query=1%2B1&time=1700000300");
  ExpectSuccess(get);
  EXPECT_EQ(get.json["data"], health.json["data"]);
}

TEST_F(GrafanaTest, DashboardPanelAndQueryEditor) {
  StartServer();
  const std::string range = "start=1700000000&end=1700000600";
  // Metric browser / code completion.
  Reply names = Send("GET", "/api/v1/label/__name__/values?" + range);
  ExpectSuccess(names);
  EXPECT_THAT(names.json["data"].get<std::vector<std::string>>(),
              ::testing::Contains("up"));
  Reply labels = Send("POST", "/api/v1/labels", range);
  ExpectSuccess(labels);
  EXPECT_THAT(labels.json["data"].get<std::vector<std::string>>(),
              ::testing::Contains("job"));
  Reply job_values =
      Send("GET", "/api/v1/label/job/values?match[]=" + Q("up") + "&" + range);
  ExpectSuccess(job_values);
  EXPECT_EQ(job_values.json["data"], nlohmann::json::parse(R"(["api"])"));
  Reply series = Send("POST", "/api/v1/series",
                      "match[]=" + Q("up{job=\"api\"}") + "&" + range);
  ExpectSuccess(series);
  EXPECT_EQ(series.json["data"].size(), 2u);
  Reply meta = Send("GET", "/api/v1/metadata");
  ExpectSuccess(meta);
  EXPECT_TRUE(meta.json["data"].is_object());

  // The panel: a range query POSTed with Grafana's integer step.
  Reply panel =
      Send("POST", "/api/v1/query_range",
           "query=" + Q("sum by (job) (rate(http_requests_total[1m]))") +
               "&start=1700000060&end=1700000600&step=30");
  ExpectSuccess(panel);
  const auto& data = panel.json["data"];
  EXPECT_EQ(data["resultType"], "matrix");
  ASSERT_EQ(data["result"].size(), 1u);
  EXPECT_EQ(data["result"][0]["metric"], nlohmann::json({{"job", "api"}}));
  const auto& values = data["result"][0]["values"];
  ASSERT_EQ(values.size(), 19u);
  for (size_t i = 0; i < values.size(); ++i) {
    // [<unix seconds number>, "<value string>"], evenly stepped.
    ASSERT_TRUE(values[i][0].is_number());
    EXPECT_EQ(values[i][0].get<int64_t>(), 1700000060 + 30 * int64_t(i));
    ASSERT_TRUE(values[i][1].is_string());
  }
  // Exemplars are asked for alongside the panel query.
  Reply ex = Send("POST", "/api/v1/query_exemplars",
                  "query=" + Q("http_requests_total") + "&" + range);
  ExpectSuccess(ex);
  EXPECT_TRUE(ex.json["data"].is_array());
  // Alerting view.
  ExpectSuccess(Send("GET", "/api/v1/rules"));
}

}  // namespace
}  // namespace vigil::api::testing
