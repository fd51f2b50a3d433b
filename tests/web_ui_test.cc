// The web UI's server-side rendering: escaping of everything that comes
// from data (labels, annotations, expressions, errors, runbook links), the
// pages' content from live sources, the security headers, and the UI under
// a route prefix through the ApiServer.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "lib/web/html.h"
#include "lib/web/markdown.h"
#include "vigil/api.h"
#include "vigil/promql/engine.h"
#include "vigil/rules.h"
#include "vigil/tsdb.h"
#include "vigil/web.h"

namespace vigil::web {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kNow = 1'800'000'000'000;
constexpr char kXss[] = "<script>window.pwned=1</script>";

TEST(HtmlEscapeTest, EscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(HtmlEscape(R"(<a href="x" title='y'>&amp;</a>)"),
            "&lt;a href=&#34;x&#34; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
  EXPECT_EQ(HtmlEscape("plain text, ünïcode"), "plain text, ünïcode");
  EXPECT_EQ(HtmlEscape(""), "");
}

TEST(SafeHrefTest, KeepsHttpAndRelativeLinksOnly) {
  EXPECT_EQ(SafeHref("https://runbooks.example/a#b"),
            "https://runbooks.example/a#b");
  EXPECT_EQ(SafeHref("HTTP://x"), "HTTP://x");
  EXPECT_EQ(SafeHref("docs/runbooks.md#podprivilegedmode"),
            "docs/runbooks.md#podprivilegedmode");
  EXPECT_EQ(SafeHref("/abs/path?q=a:b"), "/abs/path?q=a:b");
  EXPECT_EQ(SafeHref("javascript:alert(1)"), "");
  EXPECT_EQ(SafeHref("JavaScript:alert(1)"), "");
  EXPECT_EQ(SafeHref(" javascript:alert(1)"), "");
  EXPECT_EQ(SafeHref("java\tscript:alert(1)"), "");
  EXPECT_EQ(SafeHref("data:text/html,<script>"), "");
  EXPECT_EQ(SafeHref("vbscript:x"), "");
}

TEST(HtmlHelpersTest, SeriesAndLabelsAreEscaped) {
  const Labels l = Labels::FromStrings({"__name__", "up", "evil", kXss});
  EXPECT_EQ(SeriesText(l),
            "up{evil=&#34;&lt;script&gt;window.pwned=1&lt;/script&gt;&#34;}");
  EXPECT_THAT(LabelChips(l), AllOf(HasSubstr("evil=<b>&lt;script&gt;"),
                                   Not(HasSubstr("<script>"))));
  EXPECT_EQ(QueryLink("up{a=\"b\"} > 0"),
            "query?expr=up%7Ba%3D%22b%22%7D+%3E+0");
}

TEST(HtmlHelpersTest, Times) {
  EXPECT_EQ(FormatTimestamp(0), "never");
  EXPECT_EQ(FormatTimestamp(1'700'000'000'000), "2023-11-14 22:13:20 UTC");
  EXPECT_EQ(FormatAgo(kNow - 192'400, kNow), "3m12s ago");
  EXPECT_EQ(FormatAgo(kNow + 5'000, kNow), "in 5s");
  EXPECT_EQ(FormatAgo(0, kNow), "never");
}

class FakeTargets : public api::TargetsSource {
 public:
  std::vector<api::ActiveTarget> ActiveTargets() const override {
    api::ActiveTarget up;
    up.scrape_pool = "node";
    up.scrape_url = "http://10.0.0.1:9100/metrics";
    up.labels = Labels::FromStrings(
        {"instance", "10.0.0.1:9100", "job", "node", "evil", kXss});
    up.health = api::TargetHealth::kUp;
    up.last_scrape_ms = kNow - 4'000;
    up.last_scrape_duration_seconds = 0.0123;
    api::ActiveTarget down = up;
    down.scrape_url = "http://10.0.0.2:9100/metrics";
    down.health = api::TargetHealth::kDown;
    down.last_error = "unexpected <b>token</b> at line 3";
    return {up, down};
  }
  std::vector<api::DroppedTarget> DroppedTargets() const override { return {}; }
};

// A store with a series whose label is a script, a rule pack whose alert
// carries it and an annotation with HTML, evaluated once at kNow.
class WebUiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = head_.NewAppender();
    ASSERT_TRUE(app->Append(Labels::FromStrings({"__name__", "up", "job",
                                                 "node", "evil", kXss}),
                            kNow - 10'000, 1)
                    .ok());
    ASSERT_TRUE(app->Append(Labels::FromStrings(
                                {"__name__", "kube_pod_security_context",
                                 "namespace", "payments", "pod", "ledger-0",
                                 "privileged", "true", "host_network", "false",
                                 "host_pid", "false", "host_ipc", "false"}),
                            kNow - 10'000, 1)
                    .ok());
    ASSERT_TRUE(app->Commit().ok());
    rules::GroupOptions o;
    o.storage = &head_;
    o.appendable = &head_;
    o.engine = &engine_;
    rules_ = std::make_unique<rules::RuleManager>(o);
    ASSERT_TRUE(rules_
                    ->UpdateFromText({{"pack.yml", R"(groups:
  - name: xss
    interval: 15s
    rules:
      - alert: EvilTarget
        expr: up{evil!=""} > 0
        for: 5m
        labels:
          namespace: payments
          pod: ledger-0
        annotations:
          summary: 'target {{ $labels.evil }} <img src=x onerror="window.pwned=2">'
          runbook_url: 'javascript:window.pwned=3'
      - alert: Quiet
        expr: absent(up)
      - record: job:up:sum
        expr: sum by (job) (up)
      - record: job:errors:ratio
        expr: sum(rate(errors_total{job="api-server"}[5m])) by (job) / sum(rate(requests_total{job="api-server"}[5m])) by (job)
)"}}).ok());
    rules_->groups()[0]->Eval(kNow);
  }

  std::map<std::string, api::HttpHandler> Ui() {
    UiOptions options;
    options.build_info.version = "9.9.9";
    options.flags = {{"web.route-prefix", "/vigil"}};
    options.start_time_ms = kNow - 3'600'000;
    UiSources sources;
    sources.engine = &engine_;
    sources.storage = &head_;
    sources.rules = rules_.get();
    sources.targets = &targets_;
    sources.config_yaml = [] {
      return std::string("scrape_configs:\n  - job_name: '<script>'\n");
    };
    sources.store_figures = [] {
      return std::vector<StatusFigure>{{"Series", "2"}};
    };
    sources.alertmanagers = [] {
      return api::AlertmanagerList{{"http://am:9093/api/v2/alerts"}, {}};
    };
    sources.now_ms = [] { return kNow; };
    return Handlers(std::move(options), std::move(sources));
  }

  api::HttpResponse Get(const std::string& path,
                        const std::string& query = "") {
    auto handlers = Ui();
    auto it = handlers.find(path);
    if (it == handlers.end()) {
      ADD_FAILURE() << "no handler for " << path;
      return {};
    }
    api::HttpRequest req;
    req.method = "GET";
    req.path = path;
    req.query_string = query;
    return it->second(req);
  }

  static std::string Header(const api::HttpResponse& r, std::string_view n) {
    for (const auto& [k, v] : r.headers) {
      if (k == n) return v;
    }
    return "";
  }

  tsdb::Head head_;
  promql::Engine engine_;
  FakeTargets targets_;
  std::unique_ptr<rules::RuleManager> rules_;
};

// Nothing from the data may open a tag or a script URL.
void ExpectNoInjectedMarkup(const std::string& body) {
  EXPECT_THAT(body, Not(HasSubstr("<script>window")));
  EXPECT_THAT(body, Not(HasSubstr("<img")));
  EXPECT_THAT(body, Not(HasSubstr("href=\"javascript")));
  EXPECT_THAT(body, Not(HasSubstr("<b>token")));
}

TEST_F(WebUiTest, AlertsPageListsPendingAlertsEscapedFiringFirst) {
  api::HttpResponse r = Get("/alerts");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_THAT(
      Header(r, "Content-Security-Policy"),
      AllOf(HasSubstr("script-src 'self'"), HasSubstr("default-src 'none'"),
            Not(HasSubstr("unsafe-inline"))));
  EXPECT_THAT(r.body, HasSubstr("1 pending"));
  EXPECT_THAT(r.body, HasSubstr("<span class=\"rule-name\">EvilTarget</span> "
                                "<span class=\"badge state-pending\">"));
  // The pending rule comes before the inactive one.
  EXPECT_LT(r.body.find("EvilTarget"), r.body.find(">Quiet<"));
  EXPECT_THAT(r.body,
              HasSubstr("evil=<b>&lt;script&gt;window.pwned=1&lt;/script&gt;"));
  EXPECT_THAT(r.body, HasSubstr("&lt;img src=x onerror=&#34;window.pwned=2"));
  // The script URL is text, not a link.
  EXPECT_THAT(r.body, HasSubstr("runbook: javascript:window.pwned=3"));
  // Pending since this evaluation, with `for: 5m`.
  EXPECT_THAT(r.body, HasSubstr("0s ago<br>fires in 5m</span>"));
  EXPECT_THAT(r.body, HasSubstr("href=\"query?expr=up%7Bevil%21%3D%22%22%7D"
                                "+%3E+0\""));
  ExpectNoInjectedMarkup(r.body);
}

TEST_F(WebUiTest, AlertsPageFilters) {
  EXPECT_THAT(Get("/alerts", "state=inactive").body,
              AllOf(HasSubstr(">Quiet<"), Not(HasSubstr(">EvilTarget<"))));
  EXPECT_THAT(Get("/alerts", "name=evil").body,
              AllOf(HasSubstr(">EvilTarget<"), Not(HasSubstr(">Quiet<"))));
  EXPECT_THAT(Get("/alerts", "label=pod%3Dledger-0").body,
              HasSubstr(">EvilTarget<"));
  EXPECT_THAT(Get("/alerts", "label=pod%3Dother").body,
              HasSubstr("No alerting rule matches"));
  // The filter's own value is escaped back into the form.
  EXPECT_THAT(Get("/alerts", "name=%22%3E%3Cscript%3E").body,
              AllOf(HasSubstr("value=\"&#34;&gt;&lt;script&gt;\""),
                    Not(HasSubstr("\"><script>"))));
}

TEST_F(WebUiTest, AlertsPageCapsTheAlertsOfOneRule) {
  auto app = head_.NewAppender();
  for (int i = 0; i < 501; ++i) {
    ASSERT_TRUE(app->Append(Labels::FromStrings(
                                {"__name__", "many", "i", std::to_string(i)}),
                            kNow - 10'000, 1)
                    .ok());
  }
  ASSERT_TRUE(app->Commit().ok());
  ASSERT_TRUE(rules_
                  ->UpdateFromText({{"many.yml", R"(groups:
  - name: many
    rules:
      - alert: Many
        expr: many > 0
)"}}).ok());
  rules_->groups()[0]->Eval(kNow);
  const std::string body = Get("/alerts").body;
  EXPECT_THAT(body, HasSubstr("(501 active)"));
  EXPECT_THAT(body, HasSubstr("1 more alerts not listed"));
  size_t rows = 0;
  for (size_t p = 0;
       (p = body.find("<tr class=\"alert\">", p)) != std::string::npos; ++p) {
    ++rows;
  }
  EXPECT_EQ(rows, 500);
}

TEST_F(WebUiTest, RulesPageShowsHealthAndExpressions) {
  const std::string body = Get("/rules").body;
  EXPECT_THAT(body, HasSubstr("<h2>xss</h2>"));
  EXPECT_THAT(body, HasSubstr("file pack.yml · interval 15s"));
  EXPECT_THAT(body, HasSubstr("<pre class=\"expr\">sum by (job) (up)</pre>"));
  EXPECT_THAT(body, HasSubstr("<span class=\"badge health-ok\">ok</span>"));
  EXPECT_THAT(body, HasSubstr("<pre class=\"expr\">up{evil!=&#34;&#34;} &gt; "
                              "0</pre>"));
  // Past 100 columns the expression is shown as Prettify lays it out; the
  // Query link keeps the text as written.
  EXPECT_THAT(
      body,
      HasSubstr("<pre class=\"expr\">  sum by (job) (rate(errors_total{job="
                "&#34;api-server&#34;}[5m]))\n/\n  sum by (job) "
                "(rate(requests_total{job=&#34;api-server&#34;}[5m]))</pre>"));
  EXPECT_THAT(body, HasSubstr("href=\"query?expr=sum%28rate%28errors_total"));
}

TEST(MarkdownTest, RendersTheSubsetTheDocsUse) {
  EXPECT_EQ(RenderMarkdown("# Runbooks: the pack\n\n## PodPrivilegedMode\n"
                           "**Meaning.** A `privileged: true`\ncontainer "
                           "<b>here</b>.\n\n```sh\nkubectl get pod <x>\n```\n"
                           "- one `a`\n- two\n\n| capability | why |\n"
                           "|---|---|\n| `ALL` | every one |\n",
                           1),
            "<h2 id=\"runbooks-the-pack\">Runbooks: the pack</h2>\n"
            "<h3 id=\"podprivilegedmode\">PodPrivilegedMode</h3>\n"
            "<p><strong>Meaning.</strong> A <code>privileged: true</code>\n"
            "container &lt;b&gt;here&lt;/b&gt;.</p>\n"
            "<pre><code>kubectl get pod &lt;x&gt;\n</code></pre>\n"
            "<ul>\n<li>one <code>a</code></li>\n<li>two</li>\n</ul>\n"
            "<table><thead><tr><th>capability</th><th>why</th></tr></thead>"
            "<tbody>\n<tr><td><code>ALL</code></td><td>every one</td></tr>\n"
            "</tbody></table>\n");
  // Unclosed marks are text; a code span may cross a line.
  EXPECT_EQ(RenderMarkdown("a ** b ` c\n"), "<p>a ** b ` c</p>\n");
  EXPECT_EQ(RenderMarkdown("(`{{ $x }}/a`\n`b`)"),
            "<p>(<code>{{ $x }}/a</code>\n<code>b</code>)</p>\n");
  EXPECT_EQ(HeadingAnchor("Pod Host-Path_Mount!"), "pod-host-path_mount");
}

// Every runbook_url of the bundled rule pack names a section the
// /runbooks page has.
TEST_F(WebUiTest, RunbooksPageHasEverySectionTheRulePackLinks) {
  const std::string body = Get("/runbooks").body;
  EXPECT_THAT(body, HasSubstr("<h3 id=\"podprivilegedmode\">"
                              "PodPrivilegedMode</h3>"));
  EXPECT_THAT(body, HasSubstr("<a href=\"runbooks\" class=\"active\""));
  std::ifstream in(VIGIL_SOURCE_DIR
                   "/deploy/rules/kubernetes-security.rules.yaml");
  ASSERT_TRUE(in.good());
  std::stringstream pack;
  pack << in.rdbuf();
  const std::string text = pack.str();
  const std::regex link(
      R"re(runbook_url: "\{\{ \$externalURL \}\}/runbooks#([a-z]+)")re");
  std::set<std::string> anchors;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), link);
       it != std::sregex_iterator(); ++it) {
    anchors.insert((*it)[1]);
  }
  EXPECT_GE(anchors.size(), 10u);
  for (const std::string& a : anchors) {
    EXPECT_THAT(body, HasSubstr("id=\"" + a + "\"")) << a;
  }
  EXPECT_EQ(text.find("docs/runbooks.md#"), std::string::npos);
}

TEST_F(WebUiTest, TargetsPageEscapesLabelsAndErrors) {
  const std::string body = Get("/targets").body;
  EXPECT_THAT(body, HasSubstr("node <span class=\"muted\">(1/2 up)</span>"));
  EXPECT_THAT(body, HasSubstr("<span class=\"badge health-down\">down</span>"));
  EXPECT_THAT(body, HasSubstr("unexpected &lt;b&gt;token&lt;/b&gt; at line 3"));
  EXPECT_THAT(body, HasSubstr("4s ago"));
  ExpectNoInjectedMarkup(body);
}

TEST_F(WebUiTest, SecurityPageListsPrivilegedPodsAndAlertsByPod) {
  const std::string body = Get("/security").body;
  EXPECT_THAT(body, HasSubstr("<td>payments</td><td>ledger-0</td><td>?</td>"
                              "<td><span class=\"badge state-firing\">"
                              "privileged</span>"));
  EXPECT_THAT(body, HasSubstr("<b>EvilTarget</b>"));
  EXPECT_THAT(body, HasSubstr("No detections in the last hour."));
}

TEST_F(WebUiTest, QueryPageRendersTheExpressionEscaped) {
  api::HttpResponse r = Get("/query", "expr=%3C%2Ftextarea%3E%3Cscript%3E");
  EXPECT_THAT(r.body, HasSubstr(">&lt;/textarea&gt;&lt;script&gt;</textarea>"));
  EXPECT_THAT(r.body, HasSubstr("<body data-page=\"query\">"));
  EXPECT_THAT(r.body, HasSubstr("<script src=\"static/vigil-ui.js?v=9.9.9\""));
  // An alert's generator URL (Prometheus's /graph?g0.expr=…&g0.tab=1).
  EXPECT_THAT(Get("/graph", "g0.expr=up&g0.tab=1").body,
              AllOf(HasSubstr(">up</textarea>"),
                    HasSubstr("name=\"tab\" value=\"table\"")));
  EXPECT_THAT(Get("/graph", "g0.expr=up&g0.tab=0").body,
              HasSubstr("name=\"tab\" value=\"graph\""));
}

TEST_F(WebUiTest, StatusPageShowsBuildFlagsStoreAndConfig) {
  const std::string body = Get("/status").body;
  EXPECT_THAT(body, HasSubstr("<tr><th>Version</th><td>9.9.9</td></tr>"));
  EXPECT_THAT(body, HasSubstr("<tr><th>Started</th><td>2027-01-15 07:00:00 "
                              "UTC (1h ago)</td></tr>"));
  EXPECT_THAT(body,
              HasSubstr("<tr><th>--web.route-prefix</th><td>/vigil</td></tr>"));
  EXPECT_THAT(body, HasSubstr("<tr><th>Series</th><td>2</td></tr>"));
  EXPECT_THAT(body, HasSubstr("http://am:9093/api/v2/alerts"));
  EXPECT_THAT(body, HasSubstr("job_name: &#39;&lt;script&gt;&#39;"));
}

TEST_F(WebUiTest, AssetsAndMethods) {
  api::HttpResponse js = Get("/static/vigil-ui.js");
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_THAT(js.body, HasSubstr("textContent"));
  EXPECT_EQ(Get("/static/vigil-ui.css").content_type,
            "text/css; charset=utf-8");
  auto handlers = Ui();
  api::HttpRequest post;
  post.method = "POST";
  post.path = "/alerts";
  api::HttpResponse r = handlers.at("/alerts")(post);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(Header(r, "Allow"), "GET, HEAD");
}

// The UI as the exporter serves it: the ApiServer's extra handlers, behind
// its route prefix.
class WebUiServerTest : public WebUiTest {
 protected:
  void Serve(const std::string& external_url,
             const std::string& route_prefix = "") {
    api::ApiServerOptions options;
    options.external_url = external_url;
    options.route_prefix = route_prefix;
    api::ApiDependencies deps;
    deps.engine = &engine_;
    deps.storage = &head_;
    deps.extra_handlers = Ui();
    server_ = std::make_unique<api::ApiServer>(options, std::move(deps));
  }
  api::HttpResponse Fetch(const std::string& path) {
    api::HttpRequest req;
    req.method = "GET";
    req.path = path;
    return server_->Handle(req);
  }
  std::unique_ptr<api::ApiServer> server_;
};

TEST_F(WebUiServerTest, ServedUnderTheRoutePrefix) {
  Serve("https://example.com/outer/", "/vigil/");
  api::HttpResponse r = Fetch("/vigil/alerts");
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("EvilTarget"));
  // Relative links resolve under the prefix.
  EXPECT_THAT(r.body, HasSubstr("<a href=\"rules\">"));
  EXPECT_EQ(Fetch("/vigil/").status, 200);
  EXPECT_EQ(Fetch("/vigil/static/vigil-ui.js").status, 200);
  // Without its trailing slash the prefix redirects, relatively.
  r = Fetch("/vigil");
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(Header(r, "Location"), "vigil/");
  EXPECT_EQ(Fetch("/vigil/api/v1/query").status, 400);  // no query: bad_data
  // Outside the prefix: the root redirects in, the rest is not there.
  r = Fetch("/");
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(Header(r, "Location"), "vigil/");
  EXPECT_EQ(Fetch("/alerts").status, 404);
  EXPECT_EQ(Fetch("/static/vigil-ui.js").status, 404);
}

TEST_F(WebUiServerTest, RoutePrefixDefaultsToTheExternalUrlPath) {
  Serve("https://example.com/monitoring/vigil/");
  EXPECT_EQ(Fetch("/monitoring/vigil/targets").status, 200);
  api::HttpResponse r = Fetch("/monitoring/vigil");
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(Header(r, "Location"), "vigil/");
}

TEST_F(WebUiServerTest, ExternalUrlWithoutAPathServesAtTheRoot) {
  for (const char* url :
       {"http://example.com", "http://example.com/",
        "http://example.com#/fragment", "http://example.com?q=/x"}) {
    Serve(url);
    EXPECT_EQ(Fetch("/alerts").status, 200) << url;
  }
}

}  // namespace
}  // namespace vigil::web
