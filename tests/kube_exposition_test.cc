// Text exposition 0.0.4 of the collector's families, read back with vigil's
// own parser.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "lib/kube/exposition.h"
#include "lib/kube/security_series.h"
#include "vigil/textparse.h"

namespace vigil::kube {
namespace {

TEST(KubeExpositionTest, FormatValueIsGoShortestG) {
  EXPECT_EQ(FormatValue(1), "1");
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(100), "100");
  EXPECT_EQ(FormatValue(999999), "999999");
  EXPECT_EQ(FormatValue(1234567), "1.234567e+06");
  EXPECT_EQ(FormatValue(0.25), "0.25");
  EXPECT_EQ(FormatValue(-2.5), "-2.5");
  EXPECT_EQ(FormatValue(0.0001), "0.0001");
  EXPECT_EQ(FormatValue(0.00001), "1e-05");
  EXPECT_EQ(FormatValue(1714644672.123), "1.714644672123e+09");
  EXPECT_EQ(FormatValue(123.456), "123.456");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
}

TEST(KubeExpositionTest, EscapesAndParsesBack) {
  const FamilyInfo family{"kube_pod_spec_volumes_host_path", "gauge",
                          "hostPath volumes\\of a pod\nsecond line"};
  std::vector<SeriesSample> series = {
      {Labels::FromStrings({"__name__", "kube_pod_spec_volumes_host_path",
                            "namespace", "ns", "path", "C:\\data \"x\"\nline2",
                            "pod", "p", "volume", "v"}),
       1},
      {Labels::FromStrings({"__name__", "kube_pod_spec_volumes_host_path",
                            "namespace", "ns", "path", "/", "pod", "p",
                            "volume", "root"}),
       1},
  };
  std::string text;
  RenderFamily(family, series, &text);
  EXPECT_EQ(
      text,
      "# HELP kube_pod_spec_volumes_host_path hostPath volumes\\\\of a "
      "pod\\nsecond line\n"
      "# TYPE kube_pod_spec_volumes_host_path gauge\n"
      "kube_pod_spec_volumes_host_path{namespace=\"ns\",path=\"C:\\\\data "
      "\\\"x\\\"\\nline2\",pod=\"p\",volume=\"v\"} 1\n"
      "kube_pod_spec_volumes_host_path{namespace=\"ns\",path=\"/\","
      "pod=\"p\",volume=\"root\"} 1\n");

  textparse::Parser parser(text, textparse::Format::kPrometheusText);
  textparse::SeriesLabelsBuilder builder;
  std::vector<Labels> parsed;
  for (;;) {
    auto next = parser.Next();
    ASSERT_TRUE(next.ok()) << next.status();
    if (*next == textparse::EntryType::kEof) break;
    if (*next == textparse::EntryType::kHelp) {
      EXPECT_EQ(parser.entry().text, "hostPath volumes\\of a pod\nsecond line");
    }
    if (*next == textparse::EntryType::kType) {
      EXPECT_EQ(parser.entry().metric_type, textparse::MetricType::kGauge);
    }
    if (*next == textparse::EntryType::kSeries) {
      EXPECT_EQ(parser.entry().value, 1);
      EXPECT_FALSE(parser.entry().timestamp_ms.has_value());
      parsed.push_back(builder.Build(parser));
    }
  }
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[0], series[0].labels);
  EXPECT_EQ(parsed[1], series[1].labels);
}

TEST(KubeExpositionTest, SeriesWithoutLabels) {
  std::string text;
  RenderFamily(
      {"vigil_kube_collector_up", "gauge", "up"},
      {{Labels::FromStrings({"__name__", "vigil_kube_collector_up"}), 0}},
      &text);
  EXPECT_EQ(text,
            "# HELP vigil_kube_collector_up up\n"
            "# TYPE vigil_kube_collector_up gauge\n"
            "vigil_kube_collector_up 0\n");
}

}  // namespace
}  // namespace vigil::kube
