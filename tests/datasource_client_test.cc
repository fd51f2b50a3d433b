// The query API client against a loopback server answering as Prometheus
// does, and as broken or hostile remotes do.
#include <cmath>
#include <string>

#include "gtest/gtest.h"
#include "lib/model/url_escape.h"
#include "tests/support/test_http_server.h"
#include "vigil/datasource.h"

namespace vigil::datasource {
namespace {

using ::testing::HasSubstr;
using testing::TestHttpServer;

constexpr char kJson[] = "application/json";

class DatasourceClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start().ok()); }

  std::unique_ptr<Client> NewClient(ClientConfig config = {}) {
    config.url = "http://" + server_.address() + "/prefix/";
    auto c = Client::Create(std::move(config));
    EXPECT_TRUE(c.ok()) << c.status();
    return *std::move(c);
  }

  void Answer(int status, std::string body, int delay_ms = 0) {
    server_.SetReply("/prefix/api/v1/query",
                     {status, kJson, std::move(body), false, delay_ms});
  }

  TestHttpServer server_;
};

TEST_F(DatasourceClientTest, VectorWithGoFloatValues) {
  Answer(200, R"({"status":"success","data":{"resultType":"vector","result":[
    {"metric":{"__name__":"up","job":"a"},"value":[1700000000.123,"1"]},
    {"metric":{"job":"b"},"value":[1700000000.123,"NaN"]},
    {"metric":{"job":"c"},"value":[1700000000.123,"+Inf"]},
    {"metric":{"job":"d"},"value":[1700000000.123,"-Inf"]},
    {"metric":{"job":"e"},"value":[1700000000.123,"1e+21"]}]}})");
  auto r = NewClient()->Query("up{job=~\"a|b\"} > 0", 1700000000123);
  ASSERT_TRUE(r.ok()) << r.status();
  const auto& v = std::get<promql::Vector>(r->value);
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(v[0].metric, Labels::FromStrings({"__name__", "up", "job", "a"}));
  EXPECT_EQ(v[0].t, 1700000000123);
  EXPECT_EQ(v[0].v, 1);
  EXPECT_TRUE(std::isnan(v[1].v));
  EXPECT_EQ(v[2].v, INFINITY);
  EXPECT_EQ(v[3].v, -INFINITY);
  EXPECT_EQ(v[4].v, 1e21);
  EXPECT_TRUE(r->warnings.empty());

  // Prometheus's own clients POST a form.
  const auto req = server_.LastRequest("/prefix/api/v1/query");
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.headers.at("content-type"),
            "application/x-www-form-urlencoded");
  EXPECT_EQ(req.body, "query=" + QueryEscape("up{job=~\"a|b\"} > 0") +
                          "&time=1700000000.123&timeout=30s");
}

TEST_F(DatasourceClientTest, ScalarAndString) {
  Answer(
      200,
      R"({"status":"success","data":{"resultType":"scalar","result":[1.5,"2"]}})");
  auto r = NewClient()->Query("2", 1500);
  ASSERT_TRUE(r.ok()) << r.status();
  const auto& s = std::get<promql::Scalar>(r->value);
  EXPECT_EQ(s.t, 1500);
  EXPECT_EQ(s.v, 2);

  Answer(
      200,
      R"({"status":"success","data":{"resultType":"string","result":[1.5,"hi"]}})");
  r = NewClient()->Query("\"hi\"", 1500);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(std::get<promql::StringResult>(r->value).v, "hi");
}

TEST_F(DatasourceClientTest, RangeQueryGivesMatrix) {
  server_.SetReply(
      "/prefix/api/v1/query_range",
      {200, kJson,
       R"({"status":"success","data":{"resultType":"matrix","result":[
         {"metric":{"a":"1"},"values":[[10,"1"],[20,"2"]]}]}})"});
  auto r = NewClient()->QueryRange("x", 10000, 20000, 10000);
  ASSERT_TRUE(r.ok()) << r.status();
  const auto& m = std::get<promql::Matrix>(r->value);
  ASSERT_EQ(m.size(), 1u);
  ASSERT_EQ(m[0].samples.size(), 2u);
  EXPECT_EQ(m[0].samples[1].t, 20000);
  EXPECT_EQ(m[0].samples[1].v, 2);
  EXPECT_EQ(server_.LastRequest("/prefix/api/v1/query_range").body,
            "query=x&start=10.000&end=20.000&step=10.000&timeout=30s");
}

TEST_F(DatasourceClientTest, WarningsAndInfosAreKept) {
  Answer(200, R"({"status":"success","data":{"resultType":"vector","result":[]},
    "warnings":["PromQL warning: encountered a mix of histograms and floats"],
    "infos":["PromQL info: metric might not be a counter"]})");
  auto r = NewClient()->Query("x", 0);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->warnings, ::testing::ElementsAre(HasSubstr("mix of")));
  EXPECT_THAT(r->infos,
              ::testing::ElementsAre(HasSubstr("might not be a counter")));
}

TEST_F(DatasourceClientTest, RemoteErrorsKeepTheirTypeAndText) {
  Answer(400, R"({"status":"error","errorType":"bad_data",
    "error":"invalid parameter \"query\": 1:5: parse error: unexpected"})");
  auto r = NewClient()->Query("up +", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(),
              HasSubstr("/prefix: HTTP 400: bad_data: invalid parameter "
                        "\"query\": 1:5: parse error"));
  EXPECT_THAT(r.status().message(), HasSubstr("datasource http://127.0.0.1"));

  Answer(
      503,
      R"({"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"})");
  r = NewClient()->Query("up", 0);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(r.status().message(), HasSubstr("HTTP 503: timeout: query"));

  Answer(
      422,
      R"({"status":"error","errorType":"execution","error":"many-to-many matching not allowed"})");
  r = NewClient()->Query("up", 0);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("execution: many-to-many"));
}

TEST_F(DatasourceClientTest, NonJsonAnswersAreQuotedAndBounded) {
  Answer(502, "<html>\n<body>Bad Gateway</body></html>");
  auto r = NewClient()->Query("up", 0);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(),
              HasSubstr("HTTP 502: \"<html>\\n<body>Bad Gateway"));

  Answer(200, "garbage\xff" + std::string(2000, 'x'));
  r = NewClient()->Query("up", 0);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(r.status().message(), HasSubstr("invalid JSON"));
  EXPECT_THAT(r.status().message(), HasSubstr("\"garbage\\xff"));
  EXPECT_LT(r.status().message().size(), 1000u);
}

TEST_F(DatasourceClientTest, MalformedAnswersSayWhat) {
  const std::pair<std::string, std::string> cases[] = {
      {R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"abc"]}]}})",
       "sample value \"abc\" is not a number"},
      {R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1]}]}})",
       "sample is not a [time, value] pair"},
      {R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":1},"value":[1,"1"]}]}})",
       "label \"a\" has a value that is not a string"},
      {R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"histogram":[1,{}]}]}})",
       "native histogram samples are not supported"},
      {R"({"status":"success","data":{"resultType":"pie","result":[]}})",
       "unknown resultType \"pie\""},
      {R"({"status":"success"})", "no \"data\""},
      {R"([1,2])", "not a JSON object"},
      {std::string(100, '[') + std::string(100, ']'), "nested too deeply"},
  };
  for (const auto& [body, want] : cases) {
    Answer(200, body);
    auto r = NewClient()->Query("up", 0);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_THAT(r.status().message(), HasSubstr(want)) << body;
  }
}

TEST_F(DatasourceClientTest, HungRemoteTimesOut) {
  Answer(200,
         R"({"status":"success","data":{"resultType":"vector","result":[]}})",
         /*delay_ms=*/10000);
  ClientConfig config;
  config.timeout = std::chrono::milliseconds(200);
  const auto start = std::chrono::steady_clock::now();
  auto r = NewClient(config)->Query("up", 0);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded)
      << r.status();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_THAT(server_.LastRequest("/prefix/api/v1/query").body,
              HasSubstr("&timeout=200ms"));
}

TEST_F(DatasourceClientTest, ResponseSizeIsBounded) {
  Answer(200,
         R"({"status":"success","data":{"resultType":"vector","result":[)" +
             std::string(4096, ' ') + "]}}");
  ClientConfig config;
  config.max_response_bytes = 1024;
  auto r = NewClient(config)->Query("up", 0);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted)
      << r.status();
}

TEST_F(DatasourceClientTest, SendsCredentialsAndHeaders) {
  Answer(200,
         R"({"status":"success","data":{"resultType":"vector","result":[]}})");
  ClientConfig config;
  config.bearer_token = "s3cret";
  config.headers = {{"X-Scope-OrgID", "team-a"}};
  ASSERT_TRUE(NewClient(config)->Query("up", 0).ok());
  const auto req = server_.LastRequest("/prefix/api/v1/query");
  EXPECT_EQ(req.headers.at("authorization"), "Bearer s3cret");
  EXPECT_EQ(req.headers.at("x-scope-orgid"), "team-a");
}

TEST_F(DatasourceClientTest, LastSamplesReadsTheRangeAndKeepsTheLastPoint) {
  Answer(200, R"({"status":"success","data":{"resultType":"matrix","result":[
    {"metric":{"__name__":"ALERTS_FOR_STATE","alertname":"A"},
     "values":[[100,"50"],[130,"50"]]},
    {"metric":{"__name__":"ALERTS_FOR_STATE","alertname":"A","pod":"p"},
     "values":[]}]}})");
  Matchers ms;
  ms.push_back(
      *Matcher::Create(MatchType::kEqual, "__name__", "ALERTS_FOR_STATE"));
  ms.push_back(*Matcher::Create(MatchType::kEqual, "alertname", "A\"b"));
  auto r = NewClient()->LastSamples(ms, 3600 * 1000, 7200 * 1000);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].t, 130000);
  EXPECT_EQ((*r)[0].v, 50);
  EXPECT_EQ(
      server_.LastRequest("/prefix/api/v1/query").body,
      "query=" +
          QueryEscape("{__name__=\"ALERTS_FOR_STATE\",alertname=\"A\\\"b\"}"
                      "[3600000ms]") +
          "&time=7200.000&timeout=30s");

  Answer(200,
         R"({"status":"success","data":{"resultType":"vector","result":[]}})");
  EXPECT_THAT(NewClient()->LastSamples(ms, 0, 1).status().message(),
              HasSubstr("did not answer with a matrix"));
}

// A 2.x server's left-closed range also returns mint-1: it is dropped, so
// consecutive pieces never overlap whichever version answers.
TEST_F(DatasourceClientTest, RawSamplesKeepsEveryPointInTheClosedRange) {
  Answer(200, R"({"status":"success","data":{"resultType":"matrix","result":[
    {"metric":{"__name__":"up","job":"a"},
     "values":[[59.999,"1"],[60,"2"],[90.5,"NaN"],[120,"3"]]},
    {"metric":{"__name__":"up","job":"b"},"values":[[59.999,"1"]]}]}})");
  Matchers ms;
  ms.push_back(*Matcher::Create(MatchType::kEqual, "__name__", "up"));
  std::string query;
  auto r = NewClient()->RawSamples(ms, 60000, 120000, &query);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(query, "{__name__=\"up\"}[60001ms]");
  ASSERT_EQ(r->size(), 1u);  // job="b" had only the point before mint
  const auto& s = (*r)[0].samples;
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].t, 60000);
  EXPECT_EQ(s[0].v, 2);
  EXPECT_EQ(s[1].t, 90500);
  EXPECT_TRUE(std::isnan(s[1].v));
  EXPECT_EQ(s[2].t, 120000);
  EXPECT_EQ(server_.LastRequest("/prefix/api/v1/query").body,
            "query=" + QueryEscape(query) + "&time=120.000&timeout=30s");

  EXPECT_FALSE(NewClient()->RawSamples(ms, 2, 1).ok());
  EXPECT_FALSE(NewClient()->RawSamples({}, 1, 2).ok());
}

TEST_F(DatasourceClientTest, ConnectionRefusedIsUnavailable) {
  const std::string address = server_.address();
  server_.Stop();
  ClientConfig config;
  config.url = "http://" + address;
  auto c = Client::Create(config);
  ASSERT_TRUE(c.ok());
  auto r = (*c)->Query("up", 0);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
}

absl::StatusOr<std::unique_ptr<Client>> ForUrl(std::string url) {
  ClientConfig config;
  config.url = std::move(url);
  return Client::Create(std::move(config));
}

TEST(DatasourceClient, RejectsUnusableUrls) {
  for (const char* url : {"", "prometheus:9090", "ftp://x", "http://",
                          "http:///path", "http://x/?q=1", "http://x y"}) {
    EXPECT_FALSE(ForUrl(url).ok()) << url;
  }
  EXPECT_TRUE(ForUrl("https://thanos.example/prefix").ok());
}

TEST(DatasourceClient, FormatsTimeAsPrometheusReadsIt) {
  EXPECT_EQ(FormatTime(1700000000123), "1700000000.123");
  EXPECT_EQ(FormatTime(5), "0.005");
  EXPECT_EQ(FormatTime(0), "0.000");
  EXPECT_EQ(FormatTime(-1500), "-1.500");
}

}  // namespace
}  // namespace vigil::datasource
