// GET /federate: the newest sample of each selected series in the text
// format, as web/federate.go writes it.
#include <string>

#include "tests/api_test_support.h"

namespace vigil::api::testing {
namespace {

class FederateTest : public ApiServerTest {
 protected:
  std::string Federate(const std::string& query) {
    return Get("/federate?" + query).body;
  }
};

TEST_F(FederateTest, NewestSampleOfEachSelectedSeriesWithItsTimestamp) {
  StartServer();
  // now is kT0 + 300 s; the newest sample at or before it is the 21st.
  const int64_t t = kT0 + 20 * kStepMs;
  EXPECT_EQ(Federate("match[]=up"),
            "# TYPE up untyped\n"
            "up{instance=\"a:9090\",job=\"api\"} 1 " +
                std::to_string(t) +
                "\n"
                "up{instance=\"b:9090\",job=\"api\"} 0 " +
                std::to_string(t) + "\n");
}

TEST_F(FederateTest, SelectorsAreUnitedAndFamiliesSortedByName) {
  StartServer();
  const std::string body = Federate(
      "match[]=temperature&match[]=http_requests_total%7Bcode%3D%22500%22%7D"
      "&match[]=%7B__name__%3D~%22temp.*%22%7D");
  const std::string t = std::to_string(kT0 + 20 * kStepMs);
  // instance="" is added where the series has none, as Prometheus does.
  EXPECT_EQ(body,
            "# TYPE http_requests_total untyped\n"
            "http_requests_total{code=\"500\",job=\"api\",instance=\"\"} 20 " +
                t +
                "\n"
                "# TYPE temperature untyped\n"
                "temperature{room=\"kitchen\",instance=\"\"} 21.5 " +
                t + "\n");
}

TEST_F(FederateTest, ExternalLabelsAreAddedWhereMissing) {
  deps_.external_labels = [] {
    return Labels::FromStrings({"cluster", "prod", "instance", "vigil-0"});
  };
  StartServer();
  const std::string t = std::to_string(kT0 + 20 * kStepMs);
  EXPECT_EQ(
      Federate("match[]=temperature&match[]=up%7Binstance%3D%22a:9090%22%7D"),
      "# TYPE temperature untyped\n"
      "temperature{room=\"kitchen\",cluster=\"prod\",instance=\"vigil-0\"} "
      "21.5 " +
          t +
          "\n"
          "# TYPE up untyped\n"
          "up{instance=\"a:9090\",job=\"api\",cluster=\"prod\"} 1 " +
          t + "\n");
}

TEST_F(FederateTest, StaleAndOutOfLookbackSeriesAreLeftOut) {
  {
    auto app = head_.NewAppender();
    ASSERT_TRUE(app->Append(Labels::FromStrings({"__name__", "gone"}),
                            kT0 + 290000, StaleNaN())
                    .ok());
    ASSERT_TRUE(
        app->Append(Labels::FromStrings({"__name__", "old"}), kT0 - 10000, 1)
            .ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  StartServer();
  EXPECT_EQ(Federate("match[]=gone&match[]=old"), "");
}

TEST_F(FederateTest, SeriesWhoseNewestSampleIsAHistogramAreLeftOut) {
  // Prometheus writes native histograms only in the protobuf format; in
  // the text format it skips the series, even one with floats before.
  FloatHistogram h;
  h.count = 3;
  h.sum = 4.5;
  h.positive_spans = {{0, 2}};
  h.positive_buckets = {1, 2};
  {
    auto app = head_.NewAppender();
    const Labels switched = Labels::FromStrings({"__name__", "switched"});
    ASSERT_TRUE(app->Append(switched, kT0 + 280000, 7).ok());
    ASSERT_TRUE(app->AppendHistogram(0, switched, kT0 + 290000, h).ok());
    const Labels back = Labels::FromStrings({"__name__", "back"});
    ASSERT_TRUE(app->AppendHistogram(0, back, kT0 + 280000, h).ok());
    ASSERT_TRUE(app->Append(back, kT0 + 290000, 8).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  StartServer();
  EXPECT_EQ(Federate("match[]=switched&match[]=back"),
            "# TYPE back untyped\nback{instance=\"\"} 8 " +
                std::to_string(kT0 + 290000) + "\n");
}

TEST_F(FederateTest, NoMatchIsEmptyAndABadSelectorIs400) {
  StartServer();
  Reply empty = Get("/federate");
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(empty.body, "");
  Reply bad = Get("/federate?match[]=up%7B");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body,
            "1:4: parse error: unexpected end of input inside braces\n");
  Reply form = Get("/federate?match[]=%zz");
  EXPECT_EQ(form.status, 400);
}

}  // namespace
}  // namespace vigil::api::testing
