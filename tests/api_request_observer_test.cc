// ApiServer's RequestObserver: every request is reported once with the route
// pattern that answered it (never the raw URL), its status and duration.
#include <mutex>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "vigil/api.h"
#include "vigil/promql/engine.h"
#include "vigil/tsdb.h"

namespace vigil::api {
namespace {

using ::testing::ElementsAre;

struct Observed {
  std::string handler;
  int code = 0;
  friend bool operator==(const Observed&, const Observed&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Observed& o) {
    return os << o.handler << " " << o.code;
  }
};

class Recorder : public RequestObserver {
 public:
  void ObserveRequest(std::string_view handler, int code,
                      double seconds) override {
    std::lock_guard lock(mu_);
    EXPECT_GE(seconds, 0);
    seen_.push_back({std::string(handler), code});
  }
  std::vector<Observed> seen() const {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Observed> seen_;
};

HttpRequest Get(std::string path, std::string query = "") {
  HttpRequest r;
  r.method = "GET";
  r.path = std::move(path);
  r.query_string = std::move(query);
  return r;
}

class RequestObserverTest : public ::testing::Test {
 protected:
  ApiServer MakeServer(ApiServerOptions options = {}) {
    ApiDependencies deps;
    deps.engine = &engine_;
    deps.storage = &head_;
    deps.request_observer = &recorder_;
    deps.metrics_handler = [](const HttpRequest&) { return HttpResponse{}; };
    deps.extra_handlers["/debug/extra"] = [](const HttpRequest&) {
      HttpResponse r;
      r.status = 202;
      return r;
    };
    return ApiServer(std::move(options), std::move(deps));
  }

  tsdb::Head head_;
  promql::Engine engine_;
  Recorder recorder_;
};

TEST_F(RequestObserverTest, ReportsRoutePatternsNotUrls) {
  ApiServer server = MakeServer();
  EXPECT_EQ(server.Handle(Get("/api/v1/query", "query=1&time=1")).status, 200);
  EXPECT_EQ(server.Handle(Get("/api/v1/query", "query=sum(")).status, 400);
  EXPECT_EQ(server.Handle(Get("/api/v1/label/job/values")).status, 200);
  EXPECT_EQ(server.Handle(Get("/api/v1/label/instance/values")).status, 200);
  HttpRequest post = Get("/api/v1/rules");
  post.method = "POST";
  EXPECT_EQ(server.Handle(post).status, 405);
  EXPECT_EQ(server.Handle(Get("/metrics")).status, 200);
  EXPECT_EQ(server.Handle(Get("/debug/extra")).status, 202);
  EXPECT_EQ(server.Handle(Get("/no/such/page")).status, 404);
  EXPECT_EQ(server.Handle(Get("/api/v1/nothing")).status, 404);

  EXPECT_THAT(
      recorder_.seen(),
      ElementsAre(Observed{"/api/v1/query", 200},
                  Observed{"/api/v1/query", 400},
                  Observed{"/api/v1/label/:name/values", 200},
                  Observed{"/api/v1/label/:name/values", 200},
                  Observed{"/api/v1/rules", 405}, Observed{"/metrics", 200},
                  Observed{"/debug/extra", 202}, Observed{"other", 404},
                  Observed{"other", 404}));
}

TEST_F(RequestObserverTest, RoutePrefixIsStrippedFromTheHandler) {
  ApiServerOptions options;
  options.external_url = "http://example.com/vigil/";
  ApiServer server = MakeServer(options);
  EXPECT_EQ(server.Handle(Get("/vigil/api/v1/query", "query=1&time=1")).status,
            200);
  EXPECT_THAT(recorder_.seen(), ElementsAre(Observed{"/api/v1/query", 200}));
}

TEST(RequestObserverAbsentTest, ServesWithoutAnObserver) {
  tsdb::Head head;
  promql::Engine engine;
  ApiDependencies deps;
  deps.engine = &engine;
  deps.storage = &head;
  ApiServer server({}, std::move(deps));
  EXPECT_EQ(server.Handle(Get("/api/v1/query", "query=1&time=1")).status, 200);
}

}  // namespace
}  // namespace vigil::api
