// /api/v1/query and /api/v1/query_range over HTTP: result shapes, value
// and time encodings, parameters and every error path Prometheus has.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>

#include "absl/strings/str_cat.h"
#include "tests/api_test_support.h"

namespace vigil::api::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kMid = "1700000300";  // kT0 + 300s, in seconds

TEST_F(ApiServerTest, InstantVectorHasPrometheusShape) {
  StartServer();
  Reply r = Get(std::string("/api/v1/query?query=up&time=") + kMid);
  ExpectSuccess(r);
  const auto& data = r.json["data"];
  EXPECT_EQ(data["resultType"], "vector");
  ASSERT_EQ(data["result"].size(), 2u);
  const auto& first = data["result"][0];
  EXPECT_EQ(first["metric"],
            nlohmann::json(
                {{"__name__", "up"}, {"instance", "a:9090"}, {"job", "api"}}));
  ASSERT_EQ(first["value"].size(), 2u);
  EXPECT_EQ(first["value"][0], 1700000300);
  EXPECT_EQ(first["value"][1], "1");
  EXPECT_EQ(data["result"][1]["value"][1], "0");
  // No annotations: the keys are left out, not empty.
  EXPECT_FALSE(r.json.contains("warnings"));
  EXPECT_FALSE(r.json.contains("infos"));
}

TEST_F(ApiServerTest, InstantScalarAndString) {
  StartServer();
  Reply r = Get("/api/v1/query?query=" + Q("1+1") + "&time=1435781451.781");
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"]["resultType"], "scalar");
  // The timestamp keeps its milliseconds: float64(t)/1000 as JSON.
  EXPECT_THAT(r.body, HasSubstr("\"result\":[1435781451.781,\"2\"]"));

  r = Get("/api/v1/query?query=" + Q("\"hello\"") + "&time=10");
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"]["resultType"], "string");
  EXPECT_EQ(r.json["data"]["result"], nlohmann::json::parse("[10,\"hello\"]"));
}

TEST_F(ApiServerTest, SampleValuesUseGoFloatFormatting) {
  StartServer();
  struct Case {
    const char* query;
    const char* value;
  };
  // Samples: 'e' below 1e-6 and from 1e21; scalars: never 'e'. Each pair
  // is what Prometheus answers.
  const Case samples[] = {
      {"0.1", "0.1"},
      {"1e21", "1e+21"},
      {"1e-7", "1e-07"},
      {"123456789", "123456789"},
      {"1/0", "+Inf"},
      {"-1/0", "-Inf"},
      {"0/0", "NaN"},
      {"-2.5", "-2.5"},
      {"1e20", "100000000000000000000"},
      {"2^62", "4611686018427388000"},
  };
  for (const Case& c : samples) {
    Reply r =
        Get("/api/v1/query?query=" + Q(absl::StrCat("vector(", c.query, ")")) +
            "&time=1");
    ExpectSuccess(r);
    EXPECT_EQ(r.json["data"]["result"][0]["value"][1], c.value) << c.query;
  }
  const Case scalars[] = {
      {"0.1", "0.1"},        {"1e21", "1000000000000000000000"},
      {"1e-7", "0.0000001"}, {"1/0", "+Inf"},
      {"0/0", "NaN"},        {"2^62", "4611686018427388000"},
  };
  for (const Case& c : scalars) {
    Reply r = Get("/api/v1/query?query=" + Q(c.query) + "&time=1");
    ExpectSuccess(r);
    EXPECT_EQ(r.json["data"]["result"][1], c.value) << c.query;
  }
}

TEST_F(ApiServerTest, TimeParameterForms) {
  StartServer();
  // RFC3339 and unix seconds name the same instant.
  Reply a = Get("/api/v1/query?query=" + Q("time()") +
                "&time=2023-11-14T22:13:20.5Z");
  Reply b = Get("/api/v1/query?query=" + Q("time()") + "&time=1700000000.5");
  ExpectSuccess(a);
  ExpectSuccess(b);
  EXPECT_EQ(a.json["data"]["result"], b.json["data"]["result"]);
  EXPECT_EQ(a.json["data"]["result"][1], "1700000000.5");
  // Fractions are rounded to the millisecond.
  Reply c = Get("/api/v1/query?query=" + Q("time()") + "&time=1.0004");
  EXPECT_EQ(c.json["data"]["result"][0], 1);
  // No time: the API's clock (the fixture pins it at kT0 + 300s).
  Reply d = Get("/api/v1/query?query=" + Q("time()"));
  EXPECT_EQ(d.json["data"]["result"][1], "1700000300");
  // Negative times are allowed. A scalar's time is a float64 that
  // encoding/json trims; a vector's is marshalTimestamp, padded.
  Reply e = Get("/api/v1/query?query=" + Q("time()") + "&time=-1.5");
  EXPECT_THAT(e.body, HasSubstr("[-1.5,\"-1.5\"]"));
  Reply f = Get("/api/v1/query?query=" + Q("vector(time())") + "&time=-1.5");
  EXPECT_THAT(f.body, HasSubstr("[-1.500,\"-1.5\"]"));
}

TEST_F(ApiServerTest, RangeQueryReturnsMatrix) {
  StartServer();
  Reply r = Get("/api/v1/query_range?query=" + Q("up{instance=\"a:9090\"}") +
                "&start=1700000000&end=1700000120&step=60");
  ExpectSuccess(r);
  const auto& data = r.json["data"];
  EXPECT_EQ(data["resultType"], "matrix");
  ASSERT_EQ(data["result"].size(), 1u);
  EXPECT_EQ(data["result"][0]["metric"]["instance"], "a:9090");
  EXPECT_EQ(data["result"][0]["values"],
            nlohmann::json::parse(
                "[[1700000000,\"1\"],[1700000060,\"1\"],[1700000120,\"1\"]]"));
}

TEST_F(ApiServerTest, RangeQueryAcceptsDurationStepAndPostForm) {
  StartServer();
  Reply get = Get(
      "/api/v1/query_range?query=" + Q("sum(rate(http_requests_total[1m]))") +
      "&start=1700000120&end=1700000300&step=1m");
  Reply post = PostForm("/api/v1/query_range",
                        "query=" + Q("sum(rate(http_requests_total[1m]))") +
                            "&start=1700000120&end=1700000300&step=60");
  ExpectSuccess(get);
  ExpectSuccess(post);
  EXPECT_EQ(get.json["data"], post.json["data"]);
  ASSERT_EQ(get.json["data"]["result"].size(), 1u);
  // 11 per 15s over both series: a rate of 11/15.
  EXPECT_EQ(get.json["data"]["result"][0]["values"].size(), 4u);
  EXPECT_EQ(get.json["data"]["result"][0]["metric"], nlohmann::json::object());
  EXPECT_EQ(get.json["data"]["result"][0]["values"][0][1],
            "0.7333333333333333");
}

TEST_F(ApiServerTest, PostBodyWinsOverUrlParameters) {
  StartServer();
  Reply r = PostForm("/api/v1/query?query=2", "query=1&time=5");
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"]["result"], nlohmann::json::parse("[5,\"1\"]"));
}

TEST_F(ApiServerTest, QueryParameterErrors) {
  StartServer();
  ExpectError(Get("/api/v1/query?query=" + Q("up{")), 400, "bad_data",
              "invalid parameter \"query\": 1:4: parse error: unexpected end "
              "of input inside braces");
  Reply empty = Get("/api/v1/query");
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(empty.json["errorType"], "bad_data");
  EXPECT_THAT(empty.json["error"].get<std::string>(),
              StartsWith("invalid parameter \"query\": "));
  ExpectError(Get("/api/v1/query?query=up&time=yesterday"), 400, "bad_data",
              "invalid parameter \"time\": Invalid time value for 'time': "
              "cannot parse \"yesterday\" to a valid timestamp");
  ExpectError(Get("/api/v1/query?query=up&timeout=soon"), 400, "bad_data",
              "invalid parameter \"timeout\": cannot parse \"soon\" to a "
              "valid duration");
  ExpectError(Get("/api/v1/query?query=up&lookback_delta=x"), 400, "bad_data",
              "error parsing lookback delta duration: cannot parse \"x\" to "
              "a valid duration");
  ExpectError(Get("/api/v1/query?query=up&limit=abc"), 400, "bad_data",
              "invalid parameter \"limit\": strconv.Atoi: parsing \"abc\": "
              "invalid syntax");
  ExpectError(Get("/api/v1/query?query=up&limit=-1"), 400, "bad_data",
              "invalid parameter \"limit\": limit must be non-negative");
}

TEST_F(ApiServerTest, RangeParameterErrors) {
  StartServer();
  const std::string q = "/api/v1/query_range?query=up";
  ExpectError(Get(q + "&start=x&end=2&step=1"), 400, "bad_data",
              "invalid parameter \"start\": cannot parse \"x\" to a valid "
              "timestamp");
  ExpectError(Get(q + "&start=1&step=1"), 400, "bad_data",
              "invalid parameter \"end\": cannot parse \"\" to a valid "
              "timestamp");
  ExpectError(Get(q + "&start=10&end=5&step=1"), 400, "bad_data",
              "invalid parameter \"end\": end timestamp must not be before "
              "start time");
  ExpectError(Get(q + "&start=1&end=2&step=abc"), 400, "bad_data",
              "invalid parameter \"step\": cannot parse \"abc\" to a valid "
              "duration");
  const std::string zero_step =
      "invalid parameter \"step\": zero or negative query resolution step "
      "widths are not accepted. Try a positive integer";
  ExpectError(Get(q + "&start=1&end=2&step=0"), 400, "bad_data", zero_step);
  ExpectError(Get(q + "&start=1&end=2&step=-5"), 400, "bad_data", zero_step);
  ExpectError(Get(q + "&start=0&end=11001&step=1"), 400, "bad_data",
              "exceeded maximum resolution of 11,000 points per timeseries. "
              "Try decreasing the query resolution (?step=XX)");
  // Exactly 11,000 steps is still allowed.
  ExpectSuccess(Get(q + "&start=0&end=11000&step=1"));
  // A span past int64 milliseconds saturates as Go's Time.Sub does instead
  // of wrapping into a negative span that passes the check.
  ExpectError(Get(q + "&start=-9e15&end=9e15&step=1000"), 400, "bad_data",
              "exceeded maximum resolution of 11,000 points per timeseries. "
              "Try decreasing the query resolution (?step=XX)");
  ExpectError(Get(q + "&start=1&end=2&step=1e400"), 400, "bad_data",
              "invalid parameter \"step\": cannot parse \"1e400\" to a valid "
              "duration");
  ExpectError(Get(q + "&start=1&end=2&step=1e10"), 400, "bad_data",
              "invalid parameter \"step\": cannot parse \"1e10\" to a valid "
              "duration. It overflows int64");
  ExpectError(
      Get("/api/v1/query_range?query=" + Q("up[5m]") + "&start=1&end=2&step=1"),
      400, "bad_data",
      "invalid parameter \"query\": invalid expression type \"range "
      "vector\" for range query, must be Scalar or instant Vector");
}

TEST_F(ApiServerTest, ExecutionErrorsAre422) {
  StartServer();
  // Dropping `instance` leaves two identical label sets.
  ExpectError(Get("/api/v1/query?query=" +
                  Q("label_replace(up, \"instance\", \"\", \"\", \"\")") +
                  "&time=" + kMid),
              422, "execution",
              "vector cannot contain metrics with the same labelset");
}

TEST_F(ApiServerTest, MaxSamplesIsPassedToTheEngine) {
  ApiServerOptions opts;
  opts.max_samples = 3;
  StartServer(opts);
  ExpectError(Get("/api/v1/query?query=" + Q("up[5m]") + "&time=" + kMid), 422,
              "execution",
              "query processing would load too many samples into memory in "
              "query execution");
  ExpectSuccess(Get("/api/v1/query?query=1&time=1"));
}

TEST_F(ApiServerTest, TimeoutIs503) {
  // Every reading of the engine's clock is a second after the one before, so
  // the 1 ms deadline has passed at the first check after the query starts,
  // however fast the machine is.
  promql::EngineOptions engine_options;
  auto readings = std::make_shared<std::atomic<int64_t>>(0);
  engine_options.monotonic_clock = [readings] {
    return std::chrono::steady_clock::time_point(
        std::chrono::seconds(readings->fetch_add(1)));
  };
  engine_ = promql::Engine(engine_options);
  ApiServerOptions opts;
  opts.query_timeout = std::chrono::milliseconds(1);
  StartServer(opts);
  Reply r =
      Get("/api/v1/query_range?query=" +
          Q("count_over_time((sum(rate(http_requests_total[1m])))[1h:1s])") +
          "&start=1700000000&end=1700011000&step=1");
  ExpectError(r, 503, "timeout", "query timed out in expression evaluation");
}

TEST_F(ApiServerTest, LimitTruncatesWithWarning) {
  StartServer();
  Reply r = Get(std::string("/api/v1/query?query=up&limit=1&time=") + kMid);
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"]["result"].size(), 1u);
  EXPECT_EQ(r.json["warnings"],
            nlohmann::json::parse("[\"results truncated due to limit\"]"));
}

TEST_F(ApiServerTest, LookbackDeltaParameter) {
  StartServer();
  // Ten minutes after the last sample: out of the default 5m lookback.
  const std::string late = "&time=1700001200";
  Reply r = Get("/api/v1/query?query=temperature" + late);
  ExpectSuccess(r);
  EXPECT_TRUE(r.json["data"]["result"].empty());
  r = Get("/api/v1/query?query=temperature&lookback_delta=15m" + late);
  ExpectSuccess(r);
  ASSERT_EQ(r.json["data"]["result"].size(), 1u);
  EXPECT_EQ(r.json["data"]["result"][0]["value"][1], "21.5");
}

TEST_F(ApiServerTest, AnnotationsBecomeInfos) {
  StartServer();
  Reply r = Get("/api/v1/query?query=" + Q("rate(temperature[5m])") +
                "&time=" + kMid);
  ExpectSuccess(r);
  ASSERT_TRUE(r.json.contains("infos")) << r.body;
  EXPECT_THAT(r.json["infos"][0].get<std::string>(),
              HasSubstr("PromQL info: metric might not be a counter"));
}

TEST_F(ApiServerTest, ExemplarsAreEmptyButValidated) {
  StartServer();
  Reply r = Get("/api/v1/query_exemplars?query=up&start=1&end=2");
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"], nlohmann::json::array());
  ExpectError(Get("/api/v1/query_exemplars?query=up&start=5&end=2"), 400,
              "bad_data", "end timestamp must not be before start timestamp");
  Reply bad = Get("/api/v1/query_exemplars?query=" + Q("up{"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.json["error"].get<std::string>(), StartsWith("1:4: parse"));
}

// /api/v1/format_query: the text Prometheus's Prettify prints; the
// expected texts are what Prometheus answers for the same queries.
TEST_F(ApiServerTest, FormatQueryReturnsThePrettifiedText) {
  StartServer();
  Reply r = Get("/api/v1/format_query?query=" +
                Q(R"(sum by(job)(rate(x{b="1",a="2"}[90s])))"));
  ExpectSuccess(r);
  EXPECT_EQ(r.body, R"j({"status":"success","data":"sum by (job) )j"
                    R"j((rate(x{a=\"2\",b=\"1\"}[1m30s]))"})j");

  const std::string long_query =
      R"(kube_pod_container_status_running{container!=""} * on(pod,namespace) )"
      R"(group_left kube_pod_security_context{privileged="true"} > 0 unless )"
      R"(on(pod, namespace) kube_pod_labels{label_app="allowed-privileged-workload"})";
  const std::string want =
      R"(      kube_pod_container_status_running{container!=""}
    * on (pod, namespace) group_left ()
      kube_pod_security_context{privileged="true"}
  >
    0
unless on (pod, namespace)
  kube_pod_labels{label_app="allowed-privileged-workload"})";
  r = Get("/api/v1/format_query?query=" + Q(long_query));
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"], want);
  r = PostForm("/api/v1/format_query", "query=" + Q(long_query));
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"], want);
}

TEST_F(ApiServerTest, FormatQueryParseErrorsAreBadData) {
  StartServer();
  ExpectError(Get("/api/v1/format_query?query=" + Q("sum(up{")), 400,
              "bad_data",
              "invalid parameter \"query\": 1:8: parse error: unexpected end "
              "of input inside braces");
  Reply empty = Get("/api/v1/format_query");
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(empty.json["errorType"], "bad_data");
  EXPECT_THAT(empty.json["error"].get<std::string>(),
              StartsWith("invalid parameter \"query\": "));
  // Other methods are not routed, as in Prometheus.
  EXPECT_EQ(Raw("PUT", "/api/v1/format_query?query=up").status, 405);
}

}  // namespace
}  // namespace vigil::api::testing
