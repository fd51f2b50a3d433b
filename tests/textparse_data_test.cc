// The parsers on real payloads (Prometheus's own parser test data, a
// kube-state-metrics exposition, a 10k-pod synthetic scrape) and on broken
// ones: every truncation and many byte mutations must end cleanly.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>

#include "tests/textparse_ksm_payload.h"
#include "vigil/textparse.h"

namespace vigil::textparse {
namespace {

std::filesystem::path SharedDir() {
  if (const char* env = std::getenv("VIGIL_SHARED_DIR"); env && *env) {
    return env;
  }
  return std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "shared";
}

std::string ReadShared(const std::string& rel) {
  std::ifstream in(SharedDir() / rel, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << (SharedDir() / rel);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Samples counted without the parser: non-empty lines not starting with '#'.
size_t CountSampleLines(std::string_view text) {
  size_t n = 0;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    if (!line.empty() && line[0] != '#') ++n;
    if (eol == std::string_view::npos) break;
    text.remove_prefix(eol + 1);
  }
  return n;
}

struct Counts {
  size_t series = 0;
  size_t types = 0;
  size_t helps = 0;
  size_t units = 0;
  size_t comments = 0;
  size_t exemplars = 0;
  size_t with_timestamp = 0;
  absl::Status status;
};

Counts ParseAll(std::string_view text, Format format, bool build = true) {
  Counts c;
  Parser parser(text, format);
  SeriesLabelsBuilder builder;
  for (;;) {
    absl::StatusOr<EntryType> t = parser.Next();
    if (!t.ok()) {
      c.status = t.status();
      return c;
    }
    switch (*t) {
      case EntryType::kEof:
        return c;
      case EntryType::kSeries:
        ++c.series;
        if (parser.entry().has_exemplar) ++c.exemplars;
        if (parser.entry().timestamp_ms) ++c.with_timestamp;
        if (build) {
          Labels l = builder.Build(parser);
          EXPECT_EQ(l.MetricName(), parser.entry().metric_name);
        }
        break;
      case EntryType::kType:
        ++c.types;
        break;
      case EntryType::kHelp:
        ++c.helps;
        break;
      case EntryType::kUnit:
        ++c.units;
        break;
      case EntryType::kHistogram:  // the text formats have none
        ADD_FAILURE() << "histogram entry from a text format";
        break;
      case EntryType::kComment:
        ++c.comments;
        break;
    }
  }
}

TEST(TextparseDataTest, Alltypes237FamiliesYield1857Samples) {
  std::string text = ReadShared("testdata/textparse/alltypes.237mfs.prom.txt");
  ASSERT_FALSE(text.empty());
  Counts c = ParseAll(text, Format::kPrometheusText);
  ASSERT_TRUE(c.status.ok()) << c.status;
  EXPECT_EQ(c.series, CountSampleLines(text));
  EXPECT_EQ(c.series, 1857u);
  EXPECT_EQ(c.types, 237u);
  EXPECT_EQ(c.helps, 237u);
  EXPECT_EQ(c.comments, 1u);  // its last line, "# EOF", is a comment here
}

TEST(TextparseDataTest, Alltypes237NoMetadataTwin) {
  std::string text =
      ReadShared("testdata/textparse/alltypes.237mfs.nometa.prom.txt");
  Counts c = ParseAll(text, Format::kPrometheusText);
  ASSERT_TRUE(c.status.ok()) << c.status;
  EXPECT_EQ(c.series, CountSampleLines(text));
  EXPECT_EQ(c.series, 1857u);
  EXPECT_EQ(c.types, 0u);
}

TEST(TextparseDataTest, OpenMetricsFiles) {
  for (const char* name : {"alltypes.5mfs.om.txt", "1histogram.om.txt"}) {
    SCOPED_TRACE(name);
    std::string text = ReadShared(std::string("testdata/textparse/") + name);
    Counts c = ParseAll(text, Format::kOpenMetrics);
    ASSERT_TRUE(c.status.ok()) << c.status;
    EXPECT_EQ(c.series, CountSampleLines(text));
  }
  Counts five = ParseAll(ReadShared("testdata/textparse/alltypes.5mfs.om.txt"),
                         Format::kOpenMetrics);
  EXPECT_EQ(five.types, 5u);
  EXPECT_EQ(five.series, 53u);
  EXPECT_GT(five.exemplars, 0u);
}

TEST(TextparseDataTest, OpenMetricsFileReadAsTextFailsAtEof) {
  // The text format has no `# EOF`; it is a comment there, so OpenMetrics
  // input parses as text apart from exemplars, which the text format
  // rejects.
  std::string text = ReadShared("testdata/textparse/alltypes.5mfs.om.txt");
  Counts c = ParseAll(text, Format::kPrometheusText);
  EXPECT_FALSE(c.status.ok());
  EXPECT_EQ(c.status.message().substr(0, 5), "line ");
}

TEST(TextparseDataTest, KubeStateMetricsPodExposition) {
  std::string text =
      ReadShared("testdata/ksm/pod_test_expected_exposition.prom");
  Counts c = ParseAll(text, Format::kPrometheusText);
  ASSERT_TRUE(c.status.ok()) << c.status;
  EXPECT_EQ(c.series, CountSampleLines(text));
  EXPECT_EQ(c.series, 184u);
  EXPECT_GT(c.comments, 0u);  // the "# ==== case N" separators
}

TEST(TextparseDataTest, SyntheticKsm10kPods) {
  testing::KsmPayload payload = testing::MakeKsmPodsPayload(10000);
  EXPECT_GT(payload.text.size(), 35u << 20);
  Counts c = ParseAll(payload.text, Format::kPrometheusText);
  ASSERT_TRUE(c.status.ok()) << c.status;
  EXPECT_EQ(c.series, payload.series);
  EXPECT_EQ(c.series, CountSampleLines(payload.text));
  EXPECT_EQ(c.types, payload.families);
}

TEST(TextparseDataTest, SyntheticKsmSeriesLabels) {
  testing::KsmPayload payload = testing::MakeKsmPodsPayload(3);
  Parser parser(payload.text, Format::kPrometheusText);
  SeriesLabelsBuilder builder;
  ASSERT_EQ(*parser.Next(), EntryType::kHelp);
  ASSERT_EQ(*parser.Next(), EntryType::kType);
  ASSERT_EQ(*parser.Next(), EntryType::kSeries);
  Labels l = builder.Build(parser);
  EXPECT_EQ(l.MetricName(), "kube_pod_info");
  EXPECT_EQ(l.Get("pod"), "web-0-7d9f8c6b5-x2k0");
  EXPECT_EQ(l.Get("node"), "node-0");
  EXPECT_FALSE(l.Has("priority_class"));  // empty value: absent
  EXPECT_EQ(parser.entry().metric_type, MetricType::kGauge);
}

// Copies `text` into a buffer of exactly that size, so that a read past the
// end is caught by AddressSanitizer.
std::unique_ptr<char[]> ExactCopy(std::string_view text) {
  std::unique_ptr<char[]> buf(new char[text.size() == 0 ? 1 : text.size()]);
  if (!text.empty()) std::memcpy(buf.get(), text.data(), text.size());
  return buf;
}

void ExpectCleanEnd(std::string_view text, Format format) {
  auto buf = ExactCopy(text);
  Counts c = ParseAll(std::string_view(buf.get(), text.size()), format);
  if (!c.status.ok()) {
    EXPECT_EQ(c.status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(c.status.message().substr(0, 5), "line ") << c.status;
  }
}

TEST(TextparseRobustnessTest, EveryTruncationOfOpenMetricsEndsCleanly) {
  std::string text = ReadShared("testdata/textparse/alltypes.5mfs.om.txt");
  size_t eof_at = text.rfind("# EOF");
  ASSERT_NE(eof_at, std::string::npos);
  for (size_t n = 0; n <= text.size(); ++n) {
    std::string_view prefix(text.data(), n);
    auto buf = ExactCopy(prefix);
    Counts c = ParseAll(std::string_view(buf.get(), n), Format::kOpenMetrics);
    // Without its final "# EOF", OpenMetrics input is always an error.
    if (n < eof_at + 5) {
      ASSERT_FALSE(c.status.ok()) << "prefix " << n;
    }
    if (!c.status.ok()) {
      ASSERT_EQ(c.status.message().substr(0, 5), "line ") << c.status;
    }
  }
}

TEST(TextparseRobustnessTest, EveryTruncationOfTextFormatEndsCleanly) {
  std::string ksm = ReadShared("testdata/ksm/pod_test_expected_exposition.prom")
                        .substr(0, 6000);
  std::string upstream =
      "# HELP a x\\ny\n# TYPE a summary\na{quantile=\"0.5\",b=\"\\\"q\\\"\"} "
      "1.5 123\n{\"my.metric\", \"a.b\"=\"x\",} NaN\nc +Inf\n# comment\n";
  for (const std::string& text : {ksm, upstream}) {
    size_t full = ParseAll(text, Format::kPrometheusText).series;
    for (size_t n = 0; n <= text.size(); ++n) {
      auto buf = ExactCopy(std::string_view(text.data(), n));
      Counts c =
          ParseAll(std::string_view(buf.get(), n), Format::kPrometheusText);
      if (c.status.ok()) {
        ASSERT_LE(c.series, full);
      } else {
        ASSERT_EQ(c.status.message().substr(0, 5), "line ") << c.status;
      }
    }
  }
}

TEST(TextparseRobustnessTest, StridedTruncationsOfTheLargeFile) {
  std::string text = ReadShared("testdata/textparse/alltypes.237mfs.prom.txt");
  for (size_t n = 0; n <= text.size(); n += 211) {
    ExpectCleanEnd(std::string_view(text.data(), n), Format::kPrometheusText);
    ExpectCleanEnd(std::string_view(text.data(), n), Format::kOpenMetrics);
  }
}

TEST(TextparseRobustnessTest, RandomByteMutationsEndCleanly) {
  std::string om = ReadShared("testdata/textparse/alltypes.5mfs.om.txt");
  std::mt19937 rng(20240917);  // fixed seed: reproducible
  // Bytes that matter to the grammars, plus anything at all.
  const std::string interesting = "{}=,\"\\# \t\n\x00\xff_.eE+-0123456789";
  for (int iter = 0; iter < 3000; ++iter) {
    std::string text = om;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % text.size();
      char c = (rng() % 2) ? interesting[rng() % interesting.size()]
                           : static_cast<char>(rng() % 256);
      switch (rng() % 3) {
        case 0:
          text[at] = c;
          break;
        case 1:
          text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c);
          break;
        default:
          text.erase(at, 1 + rng() % 8);
          break;
      }
      if (text.empty()) text = "x";
    }
    ExpectCleanEnd(text, Format::kOpenMetrics);
    ExpectCleanEnd(text, Format::kPrometheusText);
  }
}

}  // namespace
}  // namespace vigil::textparse
