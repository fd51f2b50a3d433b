// The collector against a fake Kubernetes API on 127.0.0.1: pagination,
// expired continue tokens, failures, token rotation, limits, the Head's
// staleness, PromQL over the result, and the exposition read back.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "lib/kube/pod_lister.h"
#include "tests/kube_fake_api.h"
#include "tests/kube_pods_fixture.h"
#include "tests/support/storage_dump.h"
#include "vigil/kube.h"
#include "vigil/promql/engine.h"
#include "vigil/storage.h"
#include "vigil/textparse.h"
#include "vigil/tsdb.h"

namespace vigil::kube {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;
using Json = nlohmann::json;
using testing::FakeKubeApi;

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kInterval = 30'000;

class KubeCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api_.SetPods(Json::parse(testing::kPodItems));
    ASSERT_TRUE(api_.Start().ok());
  }

  CollectorOptions Options() {
    CollectorOptions o;
    o.api.api_url = api_.url();
    o.request_timeout_ms = 5000;
    o.now_ms = [this] { return now_ms_; };
    return o;
  }

  std::unique_ptr<Collector> Make(CollectorOptions o) {
    auto c = Collector::Create(std::move(o), &head_);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *std::move(c) : nullptr;
  }
  std::unique_ptr<Collector> Make() { return Make(Options()); }

  std::map<std::string, std::vector<Sample>> Dump() {
    return vigil::testing::DumpAllSeries(head_);
  }

  // The samples of the one series matching `name` and `match` (a
  // substring of its printed labels).
  std::vector<Sample> SamplesOf(const std::string& name,
                                const std::string& match = "") {
    std::vector<Sample> found;
    int n = 0;
    for (const auto& [labels, samples] : Dump()) {
      if (labels.rfind(name + "{", 0) != 0 && labels != name) continue;
      if (labels.find(match) == std::string::npos) continue;
      found = samples;
      ++n;
    }
    EXPECT_EQ(n, 1) << name << " " << match;
    return found;
  }

  promql::Vector Query(const std::string& q, int64_t t) {
    auto res = engine_.InstantQuery(head_, q, t);
    EXPECT_TRUE(res.ok()) << q << ": " << res.status();
    if (!res.ok()) return {};
    return std::get<promql::Vector>(res->value);
  }

  FakeKubeApi api_;
  tsdb::Head head_;
  promql::Engine engine_;
  int64_t now_ms_ = kT0;
};

TEST_F(KubeCollectorTest, ListsEveryPageWithContinueTokens) {
  CollectorOptions o = Options();
  o.page_size = 2;
  auto c = Make(o);
  ASSERT_TRUE(c->CollectOnce().ok());
  const auto reqs = api_.Requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].target, "/api/v1/pods?limit=2");
  // '+', '/' and '=' of the token are escaped.
  EXPECT_EQ(reqs[1].target, "/api/v1/pods?limit=2&continue=b2Zm%2B%2F2%3D%3D");
  EXPECT_EQ(reqs[0].accept, "application/json");
  EXPECT_EQ(reqs[0].authorization, "");
  const CollectorStatus st = c->Status();
  EXPECT_TRUE(st.up);
  EXPECT_EQ(st.pods, 4u);
  EXPECT_EQ(st.pages, 2);
  EXPECT_EQ(st.series, 4u + 8u + 4u + 3u);
  EXPECT_EQ(st.last_success_ms, kT0);
  EXPECT_EQ(st.last_error, "");
  EXPECT_EQ(Query("count(kube_pod_security_context)", kT0)[0].v, 4);
  EXPECT_EQ(Query("count(kube_pod_container_security_context)", kT0)[0].v, 8);
}

TEST_F(KubeCollectorTest, ExpiredContinueTokenRestartsTheList) {
  CollectorOptions o = Options();
  o.page_size = 3;
  api_.ExpireContinueTokens(1);
  auto c = Make(o);
  ASSERT_TRUE(c->CollectOnce().ok());
  std::vector<std::string> targets;
  for (const auto& r : api_.Requests()) targets.push_back(r.target);
  EXPECT_THAT(targets,
              ElementsAre("/api/v1/pods?limit=3",
                          "/api/v1/pods?limit=3&continue=b2Zm%2B%2F3%3D%3D",
                          "/api/v1/pods?limit=3",
                          "/api/v1/pods?limit=3&continue=b2Zm%2B%2F3%3D%3D"));
  EXPECT_EQ(c->Status().pods, 4u);  // no pod counted twice
  EXPECT_EQ(Query("count(kube_pod_security_context)", kT0)[0].v, 4);
}

TEST_F(KubeCollectorTest, ContinueTokenExpiringAgainFails) {
  CollectorOptions o = Options();
  o.page_size = 3;
  api_.ExpireContinueTokens(2);
  auto c = Make(o);
  const absl::Status s = c->CollectOnce();
  EXPECT_EQ(s.message(),
            "list pods, page 2: HTTP 410 Gone: The provided continue "
            "parameter is too old to display a consistent list result. You "
            "can start a new list without the continue parameter. (after "
            "restarting the list 1 time)");
  EXPECT_EQ(c->Status().last_error_reason, ErrorReason::kExpired);
  EXPECT_EQ(
      c->Status().errors_total[static_cast<size_t>(ErrorReason::kExpired)], 1u);
}

struct FailureCase {
  std::string name;
  FakeKubeApi::Failure failure;
  ErrorReason reason;
  std::string message_prefix;  // after "list pods, page N: "
};

class KubeCollectorFailureTest
    : public KubeCollectorTest,
      public ::testing::WithParamInterface<FailureCase> {};

// A failed list appends only the health series: the pod series keep their
// last sample (no staleness marker) and stay visible for the lookback.
TEST_P(KubeCollectorFailureTest, KeepsPreviousSeriesAndReportsDown) {
  const FailureCase& fc = GetParam();
  CollectorOptions o = Options();
  o.request_timeout_ms = 300;
  o.page_size = 2;
  auto c = Make(o);
  ASSERT_TRUE(c->CollectOnce().ok());

  api_.SetFailure(fc.failure);
  now_ms_ = kT0 + kInterval;
  const absl::Status s = c->CollectOnce();
  ASSERT_FALSE(s.ok());
  const std::string page = fc.failure.continued_only ? "2" : "1";
  EXPECT_THAT(std::string(s.message()),
              StartsWith("list pods, page " + page + ": " + fc.message_prefix));
  const CollectorStatus st = c->Status();
  EXPECT_FALSE(st.up);
  EXPECT_EQ(st.last_error_reason, fc.reason);
  EXPECT_EQ(st.last_error, std::string(s.message()));
  EXPECT_EQ(st.last_success_ms, kT0);
  EXPECT_EQ(st.pods, 4u);  // of the last success
  EXPECT_EQ(st.errors_total[static_cast<size_t>(fc.reason)], 1u);

  // Nothing appended or staled for the pods.
  auto web = SamplesOf("kube_pod_security_context", "pod=\"web-0\"");
  ASSERT_EQ(web.size(), 1u);
  EXPECT_EQ(web[0].t, kT0);
  EXPECT_EQ(web[0].v, 1);
  for (const auto& [labels, samples] : Dump()) {
    if (labels.rfind("kube_", 0) != 0) continue;
    ASSERT_EQ(samples.size(), 1u) << labels;
    EXPECT_FALSE(IsStaleNaN(samples[0].v)) << labels;
  }
  auto up = SamplesOf("vigil_kube_collector_up");
  ASSERT_EQ(up.size(), 2u);
  EXPECT_EQ(up[0].v, 1);
  EXPECT_EQ(up[1].v, 0);
  EXPECT_EQ(up[1].t, kT0 + kInterval);
  const std::string reason =
      "reason=\"" + std::string(ErrorReasonName(fc.reason)) + "\"";
  EXPECT_EQ(SamplesOf("vigil_kube_collector_errors_total", reason).back().v, 1);

  // Queries still see the pods until the 5m lookback runs out.
  EXPECT_EQ(Query("kube_pod_security_context", kT0 + kInterval).size(), 4u);
  // Prometheus 3: the lookback window (t-5m, t] is left-open.
  EXPECT_EQ(Query("kube_pod_security_context", kT0 + 5 * 60'000 - 1).size(),
            4u);
  EXPECT_THAT(Query("kube_pod_security_context", kT0 + 5 * 60'000), IsEmpty());

  // The next success resumes the series.
  api_.SetFailure({});
  now_ms_ = kT0 + 2 * kInterval;
  ASSERT_TRUE(c->CollectOnce().ok());
  EXPECT_TRUE(c->Status().up);
  EXPECT_EQ(c->Status().last_error, "");
  EXPECT_EQ(SamplesOf("kube_pod_security_context", "pod=\"web-0\"").size(), 2u);
}

const FailureCase kFailureCases[] = {
    {"Unauthorized",
     {401,
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401})"},
     ErrorReason::kUnauthorized,
     "HTTP 401 Unauthorized: Unauthorized"},
    {"Forbidden",
     {403,
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods is forbidden: User \"system:serviceaccount:vigil:vigil\" cannot list resource \"pods\" in API group \"\" at the cluster scope","reason":"Forbidden","details":{"kind":"pods"},"code":403})"},
     ErrorReason::kForbidden,
     "HTTP 403 Forbidden: pods is forbidden: User "
     "\"system:serviceaccount:vigil:vigil\" cannot list resource \"pods\" in "
     "API group \"\" at the cluster scope"},
    {"ServerError",
     {500, "etcdserver: request timed out\n"},
     ErrorReason::kHttpStatus,
     "HTTP 500 Internal Server Error: etcdserver: request timed out"},
    {"ServerErrorOnSecondPage",
     {503, "overloaded", 0, /*continued_only=*/true},
     ErrorReason::kHttpStatus,
     "HTTP 503 Service Unavailable: overloaded"},
    {"Malformed",
     {200, R"({"kind":"PodList","items":[{"metadata":{"name":"a"}})"},
     ErrorReason::kMalformed,
     "malformed JSON at byte 52: parse error at line 1, column 53: syntax "
     "error while parsing array"},
    {"WrongShape",
     {200, R"({"kind":"PodList","items":{"metadata":{}}})"},
     ErrorReason::kMalformed,
     "items: expected array, got object"},
    {"Slow",
     {200, "{}", /*delay_ms=*/2000},
     ErrorReason::kTimeout,
     "GET http://127.0.0.1:"},
};

INSTANTIATE_TEST_SUITE_P(Failures, KubeCollectorFailureTest,
                         ::testing::ValuesIn(kFailureCases),
                         [](const ::testing::TestParamInfo<FailureCase>& info) {
                           return info.param.name;
                         });

TEST_F(KubeCollectorTest, DeletedPodGoesStale) {
  auto c = Make();
  ASSERT_TRUE(c->CollectOnce().ok());
  EXPECT_EQ(Query("kube_pod_security_context{pod=\"web-0\"}", kT0).size(), 1u);

  api_.RemovePod("web-0");
  const int64_t t1 = kT0 + kInterval;
  now_ms_ = t1;
  ASSERT_TRUE(c->CollectOnce().ok());

  // Every series of web-0: 1 at kT0, a staleness marker at t1.
  int web_series = 0;
  for (const auto& [labels, samples] : Dump()) {
    if (labels.find("pod=\"web-0\"") == std::string::npos) continue;
    ++web_series;
    ASSERT_EQ(samples.size(), 2u) << labels;
    EXPECT_EQ(samples[0].v, 1);
    EXPECT_EQ(samples[1].t, t1);
    EXPECT_TRUE(IsStaleNaN(samples[1].v)) << labels;
  }
  EXPECT_EQ(web_series, 1 + 3 + 1);  // pod, 3 containers, 1 capability
  // The other pods' series carry on.
  auto db = SamplesOf("kube_pod_security_context", "pod=\"db-0\"");
  ASSERT_EQ(db.size(), 2u);
  EXPECT_EQ(db[1].v, 1);

  EXPECT_EQ(Query("kube_pod_security_context{pod=\"web-0\"}", t1 - 1).size(),
            1u);
  EXPECT_THAT(Query("kube_pod_security_context{pod=\"web-0\"}", t1), IsEmpty());
  EXPECT_THAT(
      Query("kube_pod_container_security_context{pod=\"web-0\"}", t1 + 1000),
      IsEmpty());
  EXPECT_EQ(Query("count(kube_pod_security_context)", t1)[0].v, 3);
  EXPECT_EQ(c->Status().pods, 3u);
}

TEST_F(KubeCollectorTest, ChangedSecurityContextReplacesTheSeries) {
  auto c = Make();
  ASSERT_TRUE(c->CollectOnce().ok());
  Json items = Json::parse(testing::kPodItems);
  items[3]["spec"]["initContainers"][0]["securityContext"]["privileged"] =
      false;
  api_.SetPods(items);
  now_ms_ = kT0 + kInterval;
  ASSERT_TRUE(c->CollectOnce().ok());
  const auto v = Query("kube_pod_security_context{pod=\"db-0\"}", now_ms_);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metric.Get("privileged"), "false");
}

// The PodPrivilegedMode expression of deploy/rules/pod-security.yaml: one
// kube_pod_security_context series per pod keeps the match one-to-one.
TEST_F(KubeCollectorTest, PrivilegedPodJoin) {
  auto c = Make();
  ASSERT_TRUE(c->CollectOnce().ok());
  // What kube-state-metrics would report for the running containers.
  auto app = head_.NewAppender();
  const std::pair<const char*, const char*> running[] = {
      {"default/web-0", "app"},
      {"default/web-0", "sidecar"},
      {"kube-system/node-exp-x", "node-exporter"},
      {"monitoring/debug-agent", "agent"},
      {"monitoring/debug-agent", "debugger-7x2k"},
      {"prod/db-0", "postgres"},
  };
  for (const auto& [pod, container] : running) {
    const std::string p(pod);
    const size_t slash = p.find('/');
    ASSERT_TRUE(
        app->Append(
               Labels::FromStrings(
                   {"__name__", "kube_pod_container_status_running",
                    "namespace", p.substr(0, slash), "pod", p.substr(slash + 1),
                    "container", container, "uid", "ksm-uid"}),
               kT0, 1)
            .ok());
  }
  // A pod-level series without a container, excluded by container!="".
  ASSERT_TRUE(app->Append(Labels::FromStrings(
                              {"__name__", "kube_pod_container_status_running",
                               "namespace", "prod", "pod", "db-0"}),
                          kT0, 1)
                  .ok());
  ASSERT_TRUE(app->Commit().ok());

  const auto v = Query(
      R"(kube_pod_container_status_running{container!=""} * on(pod,namespace) group_left kube_pod_security_context{privileged="true"} > 0)",
      kT0);
  std::vector<std::string> got;
  for (const auto& s : v) {
    EXPECT_EQ(s.v, 1);
    got.push_back(std::string(s.metric.Get("namespace")) + "/" +
                  std::string(s.metric.Get("pod")) + "/" +
                  std::string(s.metric.Get("container")));
  }
  EXPECT_THAT(got, UnorderedElementsAre("monitoring/debug-agent/agent",
                                        "monitoring/debug-agent/debugger-7x2k",
                                        "prod/db-0/postgres"));
}

TEST_F(KubeCollectorTest, HealthSeriesInTheHead) {
  auto c = Make();
  ASSERT_TRUE(c->CollectOnce().ok());
  EXPECT_EQ(SamplesOf("vigil_kube_collector_up")[0].v, 1);
  EXPECT_EQ(
      SamplesOf("vigil_kube_collector_last_success_timestamp_seconds")[0].v,
      kT0 / 1000.0);
  EXPECT_EQ(SamplesOf("vigil_kube_collector_pods")[0].v, 4);
  EXPECT_EQ(SamplesOf("vigil_kube_collector_series")[0].v, 19);
  EXPECT_GE(SamplesOf("vigil_kube_collector_list_duration_seconds")[0].v, 0);
  EXPECT_EQ(Query("count(vigil_kube_collector_errors_total == 0)", kT0)[0].v,
            kNumErrorReasons - 1);
}

TEST_F(KubeCollectorTest, TokenFileIsReadAtEveryList) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("vigil_kube_token_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string token = (dir / "token").string();
  std::ofstream(token) << "tok-1\n";
  CollectorOptions o = Options();
  o.api.token_file = token;
  auto c = Make(o);
  ASSERT_TRUE(c->CollectOnce().ok());
  EXPECT_EQ(api_.Requests().back().authorization, "Bearer tok-1");

  std::ofstream(token) << "tok-2";  // rotated
  now_ms_ += kInterval;
  ASSERT_TRUE(c->CollectOnce().ok());
  EXPECT_EQ(api_.Requests().back().authorization, "Bearer tok-2");

  std::filesystem::remove(token);
  now_ms_ += kInterval;
  const absl::Status s = c->CollectOnce();
  EXPECT_EQ(s.message(),
            "read token file " + token + ": No such file or directory");
  EXPECT_EQ(c->Status().last_error_reason, ErrorReason::kToken);
  EXPECT_EQ(api_.Requests().size(), 2u);  // no request without a token

  std::ofstream(token) << "  \n";
  EXPECT_EQ(c->CollectOnce().message(), "token file " + token + " is empty");
  std::filesystem::remove_all(dir);
}

TEST_F(KubeCollectorTest, LimitsFailTheListInsteadOfTruncating) {
  CollectorOptions o = Options();
  o.max_pods = 3;
  auto c = Make(o);
  EXPECT_EQ(c->CollectOnce().message(),
            "list pods, page 1: more than max_pods=3 pods");
  EXPECT_EQ(c->Status().last_error_reason, ErrorReason::kLimit);

  o = Options();
  o.page_size = 2;
  o.max_pages = 1;
  c = Make(o);
  EXPECT_EQ(c->CollectOnce().message(),
            "list pods: more than max_pages=1 pages");

  o = Options();
  o.max_body_bytes = 100;
  c = Make(o);
  EXPECT_EQ(c->CollectOnce().message(),
            "list pods, page 1: response body exceeds the limit of 100 bytes");
  EXPECT_EQ(c->Status().last_error_reason, ErrorReason::kLimit);
  EXPECT_THAT(Query("kube_pod_security_context", kT0), IsEmpty());
}

TEST_F(KubeCollectorTest, UnreachableApiIsATransportError) {
  CollectorOptions o = Options();
  o.api.api_url = "http://127.0.0.1:1";
  auto c = Make(o);
  const absl::Status s = c->CollectOnce();
  EXPECT_THAT(std::string(s.message()),
              StartsWith("list pods, page 1: GET "
                         "http://127.0.0.1:1/api/v1/pods?limit=500: "));
  EXPECT_EQ(c->Status().last_error_reason, ErrorReason::kTransport);
}

// The exposition holds exactly what the Head got, and parses back.
TEST_F(KubeCollectorTest, ExpositionParsesBackToTheHeadSeries) {
  auto c = Make();
  ASSERT_TRUE(c->CollectOnce().ok());
  const std::string text = c->RenderExposition();

  textparse::Parser parser(text, textparse::Format::kPrometheusText);
  textparse::SeriesLabelsBuilder builder;
  std::set<std::string> exposed;
  std::map<std::string, std::string> types;
  std::set<std::string> helps;
  for (;;) {
    auto next = parser.Next();
    ASSERT_TRUE(next.ok()) << next.status() << "\n" << text;
    if (*next == textparse::EntryType::kEof) break;
    const textparse::Entry& e = parser.entry();
    if (*next == textparse::EntryType::kHelp) {
      helps.insert(std::string(e.metric_name));
    } else if (*next == textparse::EntryType::kType) {
      types[std::string(e.metric_name)] =
          std::string(textparse::MetricTypeName(e.metric_type));
    } else if (*next == textparse::EntryType::kSeries) {
      exposed.insert(builder.Build(parser).ToString() + " " +
                     std::to_string(e.value));
    }
  }
  std::set<std::string> stored;
  for (const auto& [labels, samples] : Dump()) {
    stored.insert(labels + " " + std::to_string(samples.back().v));
  }
  EXPECT_EQ(exposed, stored);
  EXPECT_EQ(helps.size(), 10u);
  EXPECT_EQ(types.size(), 10u);
  EXPECT_EQ(types["kube_pod_security_context"], "gauge");
  EXPECT_EQ(types["vigil_kube_collector_errors_total"], "counter");
  EXPECT_THAT(text, HasSubstr("\nvigil_kube_collector_errors_total{reason="
                              "\"forbidden\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("\nvigil_kube_collector_up 1\n"));
}

TEST_F(KubeCollectorTest, ExpositionDropsPodSeriesPastTheMaxAge) {
  auto c = Make();
  ASSERT_TRUE(c->CollectOnce().ok());
  api_.SetFailure({500, "down"});
  now_ms_ = kT0 + kInterval;
  ASSERT_FALSE(c->CollectOnce().ok());
  // Still within the max age: the last list's series are served.
  EXPECT_THAT(c->RenderExposition(), HasSubstr("\nkube_pod_security_context{"));
  now_ms_ = kT0 + kDefaultExpositionMaxAgeMs + 1;
  const std::string text = c->RenderExposition();
  EXPECT_THAT(text, Not(HasSubstr("\nkube_pod_security_context{")));
  EXPECT_THAT(text, HasSubstr("# TYPE kube_pod_security_context gauge\n"));
  EXPECT_THAT(text, HasSubstr("\nvigil_kube_collector_up 0\n"));
}

TEST_F(KubeCollectorTest, StartCollectsOnItsIntervalUntilStopped) {
  CollectorOptions o = Options();
  o.now_ms = nullptr;  // real time: every collection has its own timestamp
  o.interval_ms = 50;
  auto c = Make(o);
  ASSERT_TRUE(c->Start().ok());
  EXPECT_EQ(c->Start().code(), absl::StatusCode::kFailedPrecondition);
  for (int i = 0; i < 200 && c->Status().collections < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  c->Stop();
  const uint64_t after_stop = c->Status().collections;
  EXPECT_GE(after_stop, 3u);
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  EXPECT_EQ(c->Status().collections, after_stop);
  EXPECT_TRUE(c->Status().up);
  c->Stop();                     // idempotent
  ASSERT_TRUE(c->Start().ok());  // restartable
}

// Stop() does not wait for the rest of a long paginated list: the list is
// abandoned after the page in flight, and nothing is recorded.
TEST_F(KubeCollectorTest, StopInterruptsAListBetweenPages) {
  CollectorOptions o = Options();
  o.page_size = 1;  // 4 pages
  api_.SetDelay(400);
  auto c = Make(o);
  ASSERT_TRUE(c->Start().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto begin = std::chrono::steady_clock::now();
  c->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - begin,
            std::chrono::milliseconds(1000));
  EXPECT_EQ(api_.Requests().size(), 1u);
  EXPECT_EQ(c->Status().collections, 0u);
  EXPECT_THAT(Dump(), IsEmpty());
}

TEST(KubeCollectorOptionsTest, InvalidOptions) {
  CollectorOptions o;
  o.api.api_url = "ftp://x";
  auto c = Collector::Create(o, nullptr);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(
      c.status().message(),
      "kube: api_url must start with http:// or https://, got \"ftp://x\"");
  o.api.api_url = "https://10.96.0.1:443";
  o.page_size = 0;
  c = Collector::Create(o, nullptr);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "kube: page_size must be positive, got 0");
  o.page_size = kDefaultPageSize;
  EXPECT_TRUE(Collector::Create(o, nullptr).ok());  // no Head: exposition only
}

TEST(KubeCollectorOptionsTest, ErrorReasonNames) {
  std::set<std::string> names;
  for (size_t i = 1; i < kNumErrorReasons; ++i) {
    names.insert(std::string(ErrorReasonName(static_cast<ErrorReason>(i))));
  }
  EXPECT_EQ(names.size(), kNumErrorReasons - 1);
  EXPECT_FALSE(names.contains(""));
  EXPECT_EQ(ErrorReasonName(ErrorReason::kLimit), "limit");
}

TEST(KubePodListUrlTest, AppendsThePathToTheBaseUrl) {
  EXPECT_EQ(PodListUrl("https://10.96.0.1:443/", 500, ""),
            "https://10.96.0.1:443/api/v1/pods?limit=500");
  // A proxy with a path prefix (kubectl proxy --api-prefix, Rancher).
  EXPECT_EQ(PodListUrl("http://127.0.0.1:8001/k8s/clusters/c-1", 2, "a b"),
            "http://127.0.0.1:8001/k8s/clusters/c-1/api/v1/pods?limit=2&"
            "continue=a+b");
}

TEST(KubeInClusterConfigTest, FromTheServiceEnvironment) {
  ::setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
  ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  auto config = InClusterConfig();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->api_url, "https://10.96.0.1:443");
  EXPECT_EQ(config->token_file,
            "/var/run/secrets/kubernetes.io/serviceaccount/token");
  EXPECT_EQ(config->ca_file,
            "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt");
  EXPECT_FALSE(config->insecure_skip_verify);

  ::setenv("KUBERNETES_SERVICE_HOST", "fd00:10:96::1", 1);
  config = InClusterConfig();
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->api_url, "https://[fd00:10:96::1]:443");

  ::unsetenv("KUBERNETES_SERVICE_HOST");
  config = InClusterConfig();
  EXPECT_EQ(config.status().code(), absl::StatusCode::kFailedPrecondition);
  ::unsetenv("KUBERNETES_SERVICE_PORT");
}

}  // namespace
}  // namespace vigil::kube
