// Status, targets and lifecycle endpoints, routing, limits and the
// server's own behaviour (port 0, bad addresses, prefixes, CORS).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>

#include "tests/api_test_support.h"

namespace vigil::api::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST_F(ApiServerTest, BuildInfoConfigFlags) {
  ApiServerOptions opts;
  opts.build_info = {"0.1.0", "abc123", "main", "ci", "20240101-00:00:00",
                     "c++20"};
  opts.flags = {{"web.listen-address", ":9090"}, {"query.timeout", "2m"}};
  deps_.config_yaml = [] {
    return std::string("global:\n  scrape_interval: 15s\n");
  };
  StartServer(opts);

  Reply r = Get("/api/v1/status/buildinfo");
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"], nlohmann::json::parse(R"({
    "version":"0.1.0","revision":"abc123","branch":"main","buildUser":"ci",
    "buildDate":"20240101-00:00:00","goVersion":"c++20"})"));
  r = Get("/api/v1/status/config");
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"]["yaml"], "global:\n  scrape_interval: 15s\n");
  r = Get("/api/v1/status/flags");
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"], nlohmann::json::parse(
                                R"({"query.timeout":"2m",
                                    "web.listen-address":":9090"})"));
}

TEST_F(ApiServerTest, RuntimeInfo) {
  StartServer();
  Reply r = Get("/api/v1/status/runtimeinfo");
  ExpectSuccess(r);
  const auto& d = r.json["data"];
  for (const char* key :
       {"startTime", "CWD", "hostname", "serverTime", "reloadConfigSuccess",
        "lastConfigTime", "corruptionCount", "goroutineCount", "GOMAXPROCS",
        "GOMEMLIMIT", "GOGC", "GODEBUG", "storageRetention"}) {
    EXPECT_TRUE(d.contains(key)) << key;
  }
  EXPECT_EQ(d["serverTime"], "2023-11-14T22:18:20Z");
  EXPECT_EQ(d["reloadConfigSuccess"], true);
}

class FakeTargets : public TargetsSource {
 public:
  std::vector<ActiveTarget> ActiveTargets() const override {
    ActiveTarget b;
    b.scrape_pool = "node";
    b.scrape_url = "http://node:9100/metrics";
    b.labels = Labels::FromStrings({"instance", "node:9100", "job", "node"});
    b.discovered_labels =
        Labels::FromStrings({"__address__", "node:9100", "job", "node"});
    b.health = TargetHealth::kDown;
    b.last_error = "connection refused";
    b.last_scrape_ms = 1700000000123;
    b.last_scrape_duration_seconds = 0.0125;
    b.scrape_interval = "15s";
    b.scrape_timeout = "10s";
    ActiveTarget a = b;
    a.scrape_pool = "api";
    a.scrape_url = "http://api:8080/metrics";
    a.health = TargetHealth::kUp;
    a.last_error.clear();
    return {b, a};
  }
  std::vector<DroppedTarget> DroppedTargets() const override {
    return {{Labels::FromStrings({"__address__", "x:1"}), "node"}};
  }
};

TEST_F(ApiServerTest, Targets) {
  FakeTargets targets;
  deps_.targets = &targets;
  StartServer();
  Reply r = Get("/api/v1/targets");
  ExpectSuccess(r);
  const auto& d = r.json["data"];
  ASSERT_EQ(d["activeTargets"].size(), 2u);
  // Sorted by scrape pool.
  EXPECT_EQ(d["activeTargets"][0]["scrapePool"], "api");
  const auto& node = d["activeTargets"][1];
  EXPECT_EQ(node["health"], "down");
  EXPECT_EQ(node["lastError"], "connection refused");
  EXPECT_EQ(node["lastScrape"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(node["lastScrapeDuration"], 0.0125);
  EXPECT_EQ(node["scrapeUrl"], "http://node:9100/metrics");
  EXPECT_EQ(node["globalUrl"], "http://node:9100/metrics");
  EXPECT_EQ(node["labels"]["job"], "node");
  EXPECT_EQ(node["discoveredLabels"]["__address__"], "node:9100");
  EXPECT_EQ(node["scrapeInterval"], "15s");
  EXPECT_EQ(node["scrapeTimeout"], "10s");
  EXPECT_EQ(d["droppedTargets"], nlohmann::json::parse(R"([
    {"discoveredLabels":{"__address__":"x:1"},"scrapePool":"node"}])"));
  EXPECT_EQ(d["droppedTargetCounts"], nlohmann::json::parse(R"({"node":1})"));

  r = Get("/api/v1/targets?state=active&scrapePool=node");
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"]["activeTargets"].size(), 1u);
  EXPECT_EQ(r.json["data"]["droppedTargets"], nlohmann::json::array());
  EXPECT_TRUE(r.json["data"]["droppedTargetCounts"].is_null());
}

TEST_F(ApiServerTest, NoTargetsSource) {
  StartServer();
  Reply r = Get("/api/v1/targets");
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"]["activeTargets"], nlohmann::json::array());
  EXPECT_EQ(r.json["data"]["droppedTargets"], nlohmann::json::array());
}

TEST_F(ApiServerTest, HealthyAndReady) {
  bool ready = false;
  deps_.ready = [&ready] { return ready; };
  StartServer();
  Reply r = Get("/-/healthy");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "Prometheus Server is Healthy.\n");
  r = Get("/-/ready");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "Service Unavailable");
  // Not ready: the API waits too.
  r = Get("/api/v1/query?query=1");
  EXPECT_EQ(r.status, 503);
  ready = true;
  r = Get("/-/ready");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "Prometheus Server is Ready.\n");
  RawResponse head = Raw("HEAD", "/-/healthy");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
}

TEST_F(ApiServerTest, LifecycleDisabledIs403) {
  int reloads = 0;
  deps_.reload = [&reloads] {
    ++reloads;
    return absl::OkStatus();
  };
  StartServer();
  for (const char* method : {"POST", "PUT"}) {
    for (const char* path : {"/-/reload", "/-/quit"}) {
      RawResponse r = Raw(method, path);
      EXPECT_EQ(r.status, 403) << method << " " << path;
      EXPECT_EQ(r.body, "Lifecycle API is not enabled.");
    }
  }
  EXPECT_EQ(reloads, 0);
  RawResponse get = Raw("GET", "/-/reload");
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(get.Header("Allow"), "POST, PUT");
}

TEST_F(ApiServerTest, LifecycleEnabled) {
  std::atomic<int> reloads{0};
  std::atomic<int> quits{0};
  bool fail = false;
  deps_.reload = [&] {
    ++reloads;
    return fail ? absl::InvalidArgumentError("bad config") : absl::OkStatus();
  };
  deps_.quit = [&] { ++quits; };
  ApiServerOptions opts;
  opts.enable_lifecycle = true;
  StartServer(opts);
  RawResponse r = Raw("POST", "/-/reload");
  EXPECT_EQ(r.status, 200);
  fail = true;
  r = Raw("PUT", "/-/reload");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, "failed to reload config: bad config\n");
  EXPECT_EQ(reloads, 2);
  r = Raw("POST", "/-/quit");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "Requesting termination... Goodbye!");
  r = Raw("POST", "/-/quit");
  EXPECT_EQ(r.body, "Termination already in progress.");
  EXPECT_EQ(quits, 1);
}

// The quit callback ends the server; it must run only after the answer is
// written (the HTTP layer runs after_send then), or the client would see the
// connection drop without one.
TEST(ApiServerStartTest, QuitRunsOnlyAfterTheAnswerIsSent) {
  tsdb::Head head;
  promql::Engine engine;
  ApiDependencies deps;
  deps.engine = &engine;
  deps.storage = &head;
  int quits = 0;
  deps.quit = [&] { ++quits; };
  ApiServerOptions opts;
  opts.enable_lifecycle = true;
  ApiServer server(opts, deps);
  HttpRequest req;
  req.method = "POST";
  req.path = "/-/quit";
  HttpResponse resp = server.Handle(req);
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body, "Requesting termination... Goodbye!");
  EXPECT_EQ(quits, 0);
  ASSERT_TRUE(resp.after_send);
  resp.after_send();
  EXPECT_EQ(quits, 1);
}

TEST_F(ApiServerTest, UnknownPathsAndMethods) {
  StartServer();
  Reply r = Get("/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "404 page not found\n");
  ExpectError(Get("/api/v1/nope"), 404, "not_found", "page not found");
  ExpectError(Get("/api/v1/label//values"), 404, "not_found", "page not found");
  RawResponse del = Raw("DELETE", "/api/v1/query");
  EXPECT_EQ(del.status, 405);
  EXPECT_EQ(del.Header("Allow"), "GET, POST");
  EXPECT_EQ(del.body, "Method Not Allowed\n");
  RawResponse put = Raw("PUT", "/api/v1/status/buildinfo", "x");
  EXPECT_EQ(put.status, 405);
}

TEST_F(ApiServerTest, MetricsAndExtraHandlers) {
  deps_.metrics_handler = [](const HttpRequest&) {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = "vigil_up 1\n";
    return r;
  };
  deps_.extra_handlers["/debug/echo"] = [](const HttpRequest& req) {
    HttpResponse r;
    r.body = req.method + " " + req.query_string + " " + req.body;
    return r;
  };
  StartServer();
  Reply r = Get("/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4");
  EXPECT_EQ(r.body, "vigil_up 1\n");
  r = PostForm("/debug/echo?a=1", "b=2");
  EXPECT_EQ(r.body, "POST a=1 b=2");
}

TEST_F(ApiServerTest, NoMetricsHandlerIs404) {
  StartServer();
  EXPECT_EQ(Get("/metrics").status, 404);
}

TEST_F(ApiServerTest, RoutePrefixFromExternalUrl) {
  ApiServerOptions opts;
  opts.external_url = "http://example.com/prometheus/";
  StartServer(opts);
  ExpectSuccess(Get("/prometheus/api/v1/query?query=1"));
  EXPECT_EQ(Get("/prometheus/-/healthy").status, 200);
}

// As Prometheus's web.go: with a route prefix only GET / answers outside
// it, redirecting in; the API, /metrics and /-/healthy live under it only.
TEST_F(ApiServerTest, NothingIsServedOutsideTheRoutePrefix) {
  ApiServerOptions opts;
  opts.route_prefix = "/vigil/";
  deps_.metrics_handler = [](const HttpRequest&) {
    HttpResponse resp;
    resp.body = "metrics\n";
    return resp;
  };
  StartServer(opts);
  for (const char* target : {"/", "/?g0.expr=up"}) {
    RawResponse r = Raw("GET", target);
    EXPECT_EQ(r.status, 302) << target;
    EXPECT_EQ(r.Header("Location"), "vigil/") << target;
  }
  EXPECT_EQ(Raw("HEAD", "/").status, 302);
  EXPECT_EQ(Raw("POST", "/").status, 405);
  RawResponse bare = Raw("GET", "/vigil?x=1");
  EXPECT_EQ(bare.status, 302);
  EXPECT_EQ(bare.Header("Location"), "vigil/?x=1");
  for (const char* target :
       {"/api/v1/query?query=1", "/-/healthy", "/-/ready", "/metrics",
        "/federate?match[]=up", "/alerts", "/vigilx/api/v1/query?query=1",
        "/static/vigil-ui.js"}) {
    RawResponse r = Raw("GET", target);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_EQ(r.body, "404 page not found\n") << target;
  }
  ExpectSuccess(Get("/vigil/api/v1/query?query=1"));
  EXPECT_EQ(Get("/vigil/-/healthy").status, 200);
  EXPECT_EQ(Get("/vigil/-/ready").status, 200);
  EXPECT_EQ(Get("/vigil/metrics").body, "metrics\n");
}

TEST_F(ApiServerTest, CorsAndOptions) {
  StartServer();
  RawResponse r =
      Raw("OPTIONS", "/api/v1/query", "", {"Origin: http://grafana.local"});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(r.Header("Access-Control-Allow-Methods"), "GET, POST, OPTIONS");
  r = Raw("GET", "/api/v1/query?query=1", "", {"Origin: http://grafana.local"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "*");
  // No Origin, no CORS headers.
  r = Raw("GET", "/api/v1/query?query=1");
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "");
}

TEST_F(ApiServerTest, BodyTooLargeIs413) {
  ApiServerOptions opts;
  opts.max_request_body_bytes = 1024;
  StartServer(opts);
  RawResponse r =
      Raw("POST", "/api/v1/query", "query=" + std::string(2000, '1'),
          {"Content-Type: application/x-www-form-urlencoded"});
  EXPECT_EQ(r.status, 413);
  // Within the limit it works.
  Reply ok = PostForm("/api/v1/query", "query=1");
  ExpectSuccess(ok);
}

TEST_F(ApiServerTest, HugeRequestLineIsRefused) {
  ApiServerOptions opts;
  opts.max_request_header_bytes = 4096;
  StartServer(opts);
  RawResponse r = Raw("GET", "/api/v1/query?query=" + std::string(10000, '1'));
  EXPECT_GE(r.status, 400);
  // The server is still serving.
  ExpectSuccess(Get("/api/v1/query?query=1"));
}

TEST_F(ApiServerTest, ConcurrencyLimitIs503) {
  ApiServerOptions opts;
  opts.max_concurrent_requests = 0;
  StartServer(opts);
  ExpectError(Get("/api/v1/query?query=1"), 503, "unavailable",
              "too many concurrent requests");
  // Health checks are not API requests.
  EXPECT_EQ(Get("/-/healthy").status, 200);
}

TEST_F(ApiServerTest, GarbageNeverCrashes) {
  StartServer();
  const char* targets[] = {
      "/api/v1/query?query=%",
      "/api/v1/query?query=%%%%&&&==",
      "/api/v1/query?;;;",
      "/api/v1/query_range?query=up&start=nan&end=inf&step=nan",
      "/api/v1/query?time=1e309",
      "/api/v1/series?match[]=%00",
      "/api/v1/label/%00/values",
      "/api/v1/query?query=%C3%28",
      "/api/v1/query_range?query=1&start=-9e18&end=9e18&step=1e-9",
      "/api/v1/query?query=up&timeout=-1s",
  };
  for (const char* t : targets) {
    RawResponse r = Raw("GET", t);
    EXPECT_GE(r.status, 200) << t;
    EXPECT_LT(r.status, 600) << t;
  }
  RawResponse r = Raw("POST", "/api/v1/query", "query=\xff\xfe",
                      {"Content-Type: application/x-www-form-urlencoded"});
  EXPECT_EQ(r.status, 400);
  ExpectSuccess(Get("/api/v1/query?query=1"));
}

TEST_F(ApiServerTest, DeeplyNestedQueriesDoNotExhaustTheStack) {
  StartServer();
  // Just inside the parser's nesting limit: handlers must not run on
  // civetweb's small worker stacks.
  const int depth = 300;
  const std::string query =
      std::string(depth, '(') + "1" + std::string(depth, ')');
  Reply r = PostForm("/api/v1/query", "query=" + Q(query) + "&time=1");
  ExpectSuccess(r);
  EXPECT_EQ(r.json["data"]["result"][1], "1");
  r = PostForm("/api/v1/query_range",
               "query=" + Q("-" + query) + "&start=1&end=2&step=1");
  ExpectSuccess(r);
}

TEST(ApiServerStartTest, BadAddressesFail) {
  tsdb::Head head;
  promql::Engine engine;
  ApiDependencies deps;
  deps.engine = &engine;
  deps.storage = &head;
  for (const char* addr :
       {"nonsense", "127.0.0.1:99999", "127.0.0.1:x", "example.invalid:80"}) {
    ApiServerOptions opts;
    opts.listen_address = addr;
    ApiServer server(opts, deps);
    absl::Status st = server.Start();
    EXPECT_FALSE(st.ok()) << addr;
    EXPECT_THAT(std::string(st.message()), HasSubstr("listen address")) << addr;
  }
  // Missing dependencies.
  ApiServer bare(ApiServerOptions{}, ApiDependencies{});
  EXPECT_EQ(bare.Start().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ApiServerStartTest, PortInUseFailsAndPortZeroIsReported) {
  tsdb::Head head;
  promql::Engine engine;
  ApiDependencies deps;
  deps.engine = &engine;
  deps.storage = &head;
  ApiServerOptions opts;
  opts.listen_address = "127.0.0.1:0";
  ApiServer first(opts, deps);
  ASSERT_TRUE(first.Start().ok());
  ASSERT_GT(first.port(), 0);
  opts.listen_address = "127.0.0.1:" + std::to_string(first.port());
  ApiServer second(opts, deps);
  absl::Status st = second.Start();
  EXPECT_FALSE(st.ok());
  EXPECT_THAT(std::string(st.message()), StartsWith("cannot listen on"));
  first.Stop();
  first.Stop();  // idempotent
  EXPECT_EQ(first.port(), 0);
}

TEST(ApiServerStartTest, HandleWorksWithoutTheNetwork) {
  tsdb::Head head;
  promql::Engine engine;
  ApiDependencies deps;
  deps.engine = &engine;
  deps.storage = &head;
  ApiServer server(ApiServerOptions{}, deps);
  HttpRequest req;
  req.method = "GET";
  req.path = "/api/v1/query";
  req.query_string = "query=1%2B2&time=3";
  HttpResponse resp = server.Handle(req);
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(
      resp.body,
      R"({"status":"success","data":{"resultType":"scalar","result":[3,"3"]}})");
}

}  // namespace
}  // namespace vigil::api::testing
