// The OpenMetrics 1.0 parser: metadata, exemplars, second timestamps,
// `# EOF`, the stricter whitespace, and every error path.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <charconv>
#include <memory>
#include <string>
#include <vector>

#include "vigil/textparse.h"

namespace vigil::textparse {
namespace {

using ::testing::ElementsAre;

std::string Num(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

// The input in line-aligned pieces (Parser::Continue): one line each, and
// from a `# EOF` line on the rest, since a piece's end is the data's end.
// Each piece is a fresh copy and the one before is overwritten, so that a
// view kept into an old piece shows (and ASan sees a freed one).
class LinePieces {
 public:
  explicit LinePieces(std::string_view input) : rest_(input) { Advance(); }
  std::string_view piece() const { return *piece_; }
  bool last() const { return rest_.empty(); }
  void Advance() {
    size_t n = rest_.size();
    if (!rest_.starts_with("# EOF")) {
      size_t nl = rest_.find('\n');
      if (nl != std::string_view::npos) n = nl + 1;
    }
    if (piece_ != nullptr) piece_->assign(piece_->size(), 'X');
    piece_ = std::make_unique<std::string>(rest_.substr(0, n));
    rest_.remove_prefix(n);
  }

 private:
  std::string_view rest_;
  std::unique_ptr<std::string> piece_;
};

std::vector<std::string> Dump(std::string_view input,
                              ParserOptions options = {},
                              bool in_pieces = false) {
  std::vector<std::string> out;
  LinePieces pieces(in_pieces ? input : std::string_view());
  Parser parser(in_pieces ? pieces.piece() : input, Format::kOpenMetrics,
                options);
  SeriesLabelsBuilder builder;
  for (;;) {
    if (in_pieces && !pieces.last() &&
        parser.consumed() == pieces.piece().size()) {
      pieces.Advance();
      parser.Continue(pieces.piece());
    }
    absl::StatusOr<EntryType> t = parser.Next();
    if (!t.ok()) {
      out.push_back("ERROR: " + std::string(t.status().message()));
      return out;
    }
    const Entry& e = parser.entry();
    switch (*t) {
      case EntryType::kEof:
        out.push_back("EOF");
        return out;
      case EntryType::kHelp:
        out.push_back("HELP " + std::string(e.metric_name) + " [" +
                      std::string(e.text) + "]");
        break;
      case EntryType::kType:
        out.push_back("TYPE " + std::string(e.metric_name) + " " +
                      std::string(MetricTypeName(e.metric_type)));
        break;
      case EntryType::kUnit:
        out.push_back("UNIT " + std::string(e.metric_name) + " [" +
                      std::string(e.text) + "]");
        break;
      case EntryType::kHistogram:  // the text formats have none
        out.push_back("HISTOGRAM");
        break;
      case EntryType::kComment:
        out.push_back("COMMENT [" + std::string(e.text) + "]");
        break;
      case EntryType::kSeries: {
        std::string s = builder.Build(parser).ToString();
        // A bare name prints as `a{}`; show it as written.
        if (s.ends_with("{}")) s.resize(s.size() - 2);
        s += " " + Num(e.value);
        if (e.timestamp_ms) s += " @" + std::to_string(*e.timestamp_ms);
        if (e.has_exemplar) s += " +exemplar";
        if (e.metric_type != MetricType::kUnknown) {
          s += " (" + std::string(MetricTypeName(e.metric_type)) + ")";
        }
        out.push_back(s);
        break;
      }
    }
  }
}

std::string ErrorOf(std::string_view input) { return Dump(input).back(); }

TEST(OpenMetricsParseTest, UpstreamExampleYieldsEveryEntry) {
  // Prometheus's TestOpenMetricsParse input (openmetricsparse_test.go).
  std::string input =
      R"(# HELP go_gc_duration_seconds A summary of the GC invocation durations.
# TYPE go_gc_duration_seconds summary
# UNIT go_gc_duration_seconds seconds
go_gc_duration_seconds{quantile="0"} 4.9351e-05
go_gc_duration_seconds{quantile="0.25"} 7.424100000000001e-05
go_gc_duration_seconds{quantile="0.5",a="b"} 8.3835e-05
# HELP nohelp1 
# HELP help2 escape \ \n \\ \" \x chars
# UNIT nounit 
go_gc_duration_seconds{quantile="1.0",a="b"} 8.3835e-05
go_gc_duration_seconds_count 99
some:aggregate:rate5m{a_b="c"} 1
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 33 123.123
# TYPE hh histogram
hh_bucket{le="+Inf"} 1
# TYPE gh gaugehistogram
gh_bucket{le="+Inf"} 1
# TYPE hhh histogram
hhh_bucket{le="+Inf"} 1 # {id="histogram-bucket-test"} 4
hhh_count 1 # {id="histogram-count-test"} 4
# TYPE ggh gaugehistogram
ggh_bucket{le="+Inf"} 1 # {id="gaugehistogram-bucket-test",xx="yy"} 4 123.123
ggh_count 1 # {id="gaugehistogram-count-test",xx="yy"} 4 123.123
# TYPE smr_seconds summary
smr_seconds_count 2.0 # {id="summary-count-test"} 1 123.321
smr_seconds_sum 42.0 # {id="summary-sum-test"} 1 123.321
# TYPE ii info
ii{foo="bar"} 1
# TYPE ss stateset
ss{ss="foo"} 1
ss{ss="bar"} 0
ss{A="a"} 0
# TYPE un unknown
_metric_starting_with_underscore 1
testmetric{_label_starting_with_underscore="foo"} 1
testmetric{label="\"bar\""} 1
# TYPE foo counter
foo_total 17.0 1520879607.789 # {id="counter-test"} 5
# EOF
)";
  EXPECT_THAT(
      Dump(input),
      ElementsAre(
          "HELP go_gc_duration_seconds [A summary of the GC invocation "
          "durations.]",
          "TYPE go_gc_duration_seconds summary",
          "UNIT go_gc_duration_seconds [seconds]",
          R"(go_gc_duration_seconds{quantile="0.0"} 4.9351e-05 (summary))",
          R"(go_gc_duration_seconds{quantile="0.25"} 7.424100000000001e-05 (summary))",
          R"(go_gc_duration_seconds{a="b", quantile="0.5"} 8.3835e-05 (summary))",
          "HELP nohelp1 []", "HELP help2 [escape \\ \n \\ \" \\x chars]",
          "UNIT nounit []",
          R"(go_gc_duration_seconds{a="b", quantile="1.0"} 8.3835e-05 (summary))",
          "go_gc_duration_seconds_count 99 (summary)",
          R"(some:aggregate:rate5m{a_b="c"} 1)",
          "HELP go_goroutines [Number of goroutines that currently exist.]",
          "TYPE go_goroutines gauge", "go_goroutines 33 @123123 (gauge)",
          "TYPE hh histogram", R"(hh_bucket{le="+Inf"} 1 (histogram))",
          "TYPE gh gaugehistogram",
          R"(gh_bucket{le="+Inf"} 1 (gaugehistogram))", "TYPE hhh histogram",
          R"(hhh_bucket{le="+Inf"} 1 +exemplar (histogram))",
          "hhh_count 1 +exemplar (histogram)", "TYPE ggh gaugehistogram",
          R"(ggh_bucket{le="+Inf"} 1 +exemplar (gaugehistogram))",
          "ggh_count 1 +exemplar", "TYPE smr_seconds summary",
          "smr_seconds_count 2 +exemplar (summary)",
          "smr_seconds_sum 42 +exemplar (summary)", "TYPE ii info",
          R"(ii{foo="bar"} 1 (info))", "TYPE ss stateset",
          R"(ss{ss="foo"} 1 (stateset))", R"(ss{ss="bar"} 0 (stateset))",
          R"(ss{A="a"} 0 (stateset))", "TYPE un unknown",
          "_metric_starting_with_underscore 1",
          R"(testmetric{_label_starting_with_underscore="foo"} 1)",
          R"(testmetric{label="\"bar\""} 1)", "TYPE foo counter",
          "foo_total 17 @1520879607789 +exemplar (counter)", "EOF"));
}

TEST(OpenMetricsParseTest, Utf8QuotedNames) {
  EXPECT_THAT(
      Dump(R"(# HELP "go.gc_duration_seconds" A summary.
# TYPE "go.gc_duration_seconds" summary
# UNIT "go.gc_duration_seconds" seconds
{"go.gc_duration_seconds",quantile="0"} 4.9351e-05
{q="0.9","http.status",a="b"} 8.3835e-05
{"go.gc_duration_seconds_sum"} 0.004304266
{"Heizölrückstoßabdämpfung 10€ metric with \"interesting\" {character\nchoices}","strange©™\n'quoted' \"name\""="6"} 10.0
# EOF
)"),
      ElementsAre(
          "HELP go.gc_duration_seconds [A summary.]",
          "TYPE go.gc_duration_seconds summary",
          "UNIT go.gc_duration_seconds [seconds]",
          R"({"go.gc_duration_seconds", quantile="0.0"} 4.9351e-05 (summary))",
          R"({"http.status", a="b", q="0.9"} 8.3835e-05)",
          R"({"go.gc_duration_seconds_sum"} 0.004304266 (summary))",
          R"({"Heizölrückstoßabdämpfung 10€ metric with \"interesting\" {character\nchoices}", "strange©™\n'quoted' \"name\""="6"} 10)",
          "EOF"));
}

TEST(OpenMetricsParseTest, CreatedSeriesAreMembersAndCanBeSkipped) {
  std::string input = R"(# TYPE c counter
c_total 1
c_created 1.5e9
# TYPE g gauge
g_created 2
# EOF
)";
  EXPECT_THAT(Dump(input), ElementsAre("TYPE c counter", "c_total 1 (counter)",
                                       "c_created 1.5e+09 (counter)",
                                       "TYPE g gauge", "g_created 2", "EOF"));
  ParserOptions skip;
  skip.skip_created_series = true;
  // Only counters, histograms and summaries carry start times.
  EXPECT_THAT(Dump(input, skip),
              ElementsAre("TYPE c counter", "c_total 1 (counter)",
                          "TYPE g gauge", "g_created 2", "EOF"));
}

TEST(OpenMetricsParseTest, TimestampsAreSecondsTruncatedToMilliseconds) {
  EXPECT_THAT(Dump("a 1 1.0019\nb 1 -1.5\nc 1 12\n# EOF"),
              ElementsAre("a 1 @1001", "b 1 @-1500", "c 1 @12000", "EOF"));
}

// A line repeating the series text of the line before reuses its parse:
// the same labels and type, a TYPE line in between still counting, and a
// line that only starts like the one before parsed on its own.
TEST(OpenMetricsParseTest, RepeatedSeriesLinesParseAsTheFirst) {
  constexpr char kInput[] =
      "# TYPE a counter\n"
      "a_total{x=\"1\",y=\"\\\"\"} 1 1\n"
      "a_total{x=\"1\",y=\"\\\"\"} 2 2 # {t=\"1\"} 1\n"
      "a_total{x=\"1\",y=\"\\\"\"} 3 3\n"
      "# TYPE a_total gauge\n"
      "a_total{x=\"1\",y=\"\\\"\"} 4 4\n"
      "a_total{x=\"1\",y=\"\\\"\"}  5 5\n"
      "# EOF\n";
  const auto expected = ElementsAre(
      "TYPE a counter", "a_total{x=\"1\", y=\"\\\"\"} 1 @1000 (counter)",
      "a_total{x=\"1\", y=\"\\\"\"} 2 @2000 +exemplar (counter)",
      "a_total{x=\"1\", y=\"\\\"\"} 3 @3000 (counter)", "TYPE a_total gauge",
      "a_total{x=\"1\", y=\"\\\"\"} 4 @4000 (gauge)",
      "ERROR: line 7, column 23 (byte 176): expected value after metric, got "
      "\" \"");
  EXPECT_THAT(Dump(kInput), expected);
  EXPECT_THAT(Dump(kInput, {}, /*in_pieces=*/true), expected);
  EXPECT_THAT(Dump("a{x=\"1\"} 1\na{x=\"1\",y=\"2\"} 2\na 3\na{} 4\n# EOF\n"),
              ElementsAre("a{x=\"1\"} 1", "a{x=\"1\", y=\"2\"} 2", "a 3", "a 4",
                          "EOF"));
}

TEST(OpenMetricsParseTest, EofWithoutNewlineIsAccepted) {
  EXPECT_THAT(Dump("# EOF"), ElementsAre("EOF"));
  EXPECT_THAT(Dump("# EOF\n"), ElementsAre("EOF"));
}

struct ErrorCase {
  std::string input;
  std::string error;
};

class OpenMetricsErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(OpenMetricsErrorTest, ReportsPositionAndReason) {
  EXPECT_EQ(ErrorOf(GetParam().input), "ERROR: " + GetParam().error)
      << "input: " << GetParam().input;
}

INSTANTIATE_TEST_SUITE_P(
    Errors, OpenMetricsErrorTest,
    ::testing::Values(
        ErrorCase{"",
                  "line 1, column 1 (byte 0): data does not end with "
                  "\"# EOF\""},
        ErrorCase{"\n",
                  "line 1, column 1 (byte 0): expected metric name, \"{\" or "
                  "\"#\" at start of line, got \"\\n\""},
        ErrorCase{"metric",
                  "line 1, column 7 (byte 6): expected value after metric, "
                  "got end of input"},
        ErrorCase{"metric 1",
                  "line 1, column 9 (byte 8): data does not end with \"# "
                  "EOF\""},
        ErrorCase{"metric 1\n",
                  "line 2, column 1 (byte 9): data does not end with \"# "
                  "EOF\""},
        ErrorCase{"metric_total 1 # {aa=\"bb\"} 4",
                  "line 1, column 29 (byte 28): data does not end with \"# "
                  "EOF\""},
        ErrorCase{"a\n#EOF\n",
                  "line 1, column 2 (byte 1): expected space and value after "
                  "metric, got \"\\n\""},
        ErrorCase{" a 1\n# EOF\n",
                  "line 1, column 1 (byte 0): expected metric name, \"{\" or "
                  "\"#\" at start of line, got \" \""},
        ErrorCase{"#EOF\n",
                  "line 1, column 1 (byte 0): expected \"# HELP \", \"# TYPE "
                  "\", \"# UNIT \" or \"# EOF\", got \"#\""},
        ErrorCase{"# comment\n# EOF\n",
                  "line 1, column 1 (byte 0): expected \"# HELP \", \"# TYPE "
                  "\", \"# UNIT \" or \"# EOF\", got \"#\""},
        ErrorCase{"# TYPE u untyped\n# EOF\n",
                  "line 1, column 10 (byte 9): invalid metric type "
                  "\"untyped\""},
        ErrorCase{"# TYPE c counter \n# EOF\n",
                  "line 1, column 10 (byte 9): invalid metric type "
                  "\"counter \""},
        ErrorCase{"# TYPE c  counter\n# EOF\n",
                  "line 1, column 10 (byte 9): invalid metric type \" "
                  "counter\""},
        ErrorCase{"#  TYPE c counter\n# EOF\n",
                  "line 1, column 1 (byte 0): expected \"# HELP \", \"# TYPE "
                  "\", \"# UNIT \" or \"# EOF\", got \"#\""},
        ErrorCase{"# TYPE \n# EOF\n",
                  "line 1, column 8 (byte 7): expected metric name after "
                  "TYPE, got \"\\n\""},
        ErrorCase{"# TYPE m\n# EOF\n",
                  "line 1, column 9 (byte 8): expected text in TYPE, got "
                  "\"\\n\""},
        ErrorCase{"# HELP m text",
                  "line 1, column 14 (byte 13): expected text in HELP, got "
                  "end of input"},
        ErrorCase{"# UNIT metric suffix\n# EOF\n",
                  "line 1, column 15 (byte 14): unit \"suffix\" not a suffix "
                  "of metric \"metric\""},
        ErrorCase{"# UNIT metricsuffix suffix\n# EOF\n",
                  "line 1, column 21 (byte 20): unit \"suffix\" not a suffix "
                  "of metric \"metricsuffix\""},
        ErrorCase{"# UNIT m suffix\n# EOF\n",
                  "line 1, column 10 (byte 9): unit \"suffix\" not a suffix "
                  "of metric \"m\""},
        ErrorCase{"a\t1\n# EOF\n",
                  "line 1, column 2 (byte 1): expected space and value after "
                  "metric, got \"\\t\""},
        ErrorCase{"a 1\t2\n# EOF\n",
                  "line 1, column 3 (byte 2): invalid value \"1\\t2\": "
                  "expected a float"},
        ErrorCase{"a 1 2 \n# EOF\n",
                  "line 1, column 6 (byte 5): expected exemplar or end of "
                  "line after timestamp, got \" \""},
        ErrorCase{"a 1 2 #\n# EOF\n",
                  "line 1, column 6 (byte 5): expected exemplar or end of "
                  "line after timestamp, got \" \""},
        ErrorCase{"a 1 1z\n# EOF\n",
                  "line 1, column 5 (byte 4): invalid timestamp \"1z\": "
                  "expected a float"},
        ErrorCase{"a  1\n# EOF\n",
                  "line 1, column 3 (byte 2): expected value after metric, "
                  "got \" \""},
        ErrorCase{"# EOF\na 1",
                  "line 2, column 1 (byte 6): unexpected data after \"# "
                  "EOF\""},
        ErrorCase{"# EOF\n\n",
                  "line 2, column 1 (byte 6): unexpected data after \"# "
                  "EOF\""},
        ErrorCase{"# EOFa 1",
                  "line 1, column 6 (byte 5): unexpected data after \"# "
                  "EOF\""},
        ErrorCase{"a{b='c'} 1\n# EOF\n",
                  "line 1, column 5 (byte 4): expected quoted label value, "
                  "got \"'c'\""},
        ErrorCase{"a{,b=\"c\"} 1\n# EOF\n",
                  "line 1, column 3 (byte 2): expected label name or \"}\", "
                  "got \",\""},
        ErrorCase{"a{b=\"c\"d=\"e\"} 1\n# EOF\n",
                  "line 1, column 8 (byte 7): expected \",\" or \"}\" after "
                  "label value, got \"d\""},
        ErrorCase{"a{b=\"c\", d=\"e\"} 1\n# EOF\n",
                  "line 1, column 9 (byte 8): expected label name or \"}\", "
                  "got \" \""},
        ErrorCase{"a{b = \"c\"} 1\n# EOF\n",
                  "line 1, column 4 (byte 3): expected \"=\" after label name, "
                  "got \" \""},
        ErrorCase{"a{b=\"c\",,d=\"e\"} 1\n# EOF\n",
                  "line 1, column 9 (byte 8): expected label name or \"}\", "
                  "got \",\""},
        ErrorCase{"a{b=\"x\ny\"} 1\n# EOF\n",
                  "line 1, column 7 (byte 6): unterminated label value: "
                  "newline before closing quote"},
        ErrorCase{"a{b=\"\xff\"} 1\n# EOF\n",
                  "line 1, column 5 (byte 4): invalid UTF-8 in label value"},
        ErrorCase{"{\"a\",\"b = \"c\"}\n# EOF\n",
                  "line 1, column 12 (byte 11): expected \"=\" after label "
                  "name, got \"c\""},
        ErrorCase{"a true\n# EOF\n",
                  "line 1, column 3 (byte 2): invalid value \"true\": "
                  "expected a float"},
        ErrorCase{"foo 1_2\n\n# EOF\n",
                  "line 1, column 5 (byte 4): unsupported character in float "
                  "value \"1_2\""},
        ErrorCase{"foo 0 1_2\n\n# EOF\n",
                  "line 1, column 7 (byte 6): unsupported character in float "
                  "timestamp \"1_2\""},
        ErrorCase{"custom_metric_total 1 # {aa=bb}\n# EOF\n",
                  "line 1, column 29 (byte 28): expected quoted label value, "
                  "got \"bb\""},
        ErrorCase{"custom_metric_total 1 # {aa=\"bb\"}\n# EOF\n",
                  "line 1, column 34 (byte 33): expected value after "
                  "exemplar labels, got \"\\n\""},
        ErrorCase{"custom_metric_total 1 # {bb}\n# EOF\n",
                  "line 1, column 28 (byte 27): expected \"=\" after label "
                  "name, got \"}\""},
        ErrorCase{"custom_metric_total 1 # {\"bb\"} 1\n# EOF\n",
                  "line 1, column 30 (byte 29): expected \"=\" after label "
                  "name, got \"}\""},
        ErrorCase{"custom_metric_total 1 # {aa=\"bb\",,cc=\"dd\"} 1\n# EOF\n",
                  "line 1, column 34 (byte 33): expected label name or "
                  "\"}\", got \",\""},
        ErrorCase{"custom_metric_total 1 # {aa=\"bb\"} 1_2\n# EOF\n",
                  "line 1, column 35 (byte 34): unsupported character in "
                  "float exemplar value \"1_2\""},
        ErrorCase{"custom_metric_total 1 # {aa=\"bb\"} true\n# EOF\n",
                  "line 1, column 35 (byte 34): invalid exemplar value "
                  "\"true\": expected a float"},
        ErrorCase{"custom_metric_total 1 # {aa=\"bb\"} 1 2 3\n# EOF\n",
                  "line 1, column 38 (byte 37): expected end of line after "
                  "exemplar timestamp, got \" \""},
        ErrorCase{"{b=\"c\",} 1\n# EOF\n",
                  "line 1, column 1 (byte 0): metric name not set: expected "
                  "a name before \"{\" or a quoted name inside it"},
        ErrorCase{"a 1 NaN\n# EOF\n",
                  "line 1, column 5 (byte 4): invalid timestamp \"NaN\""},
        ErrorCase{"a 1 -Inf\n# EOF\n",
                  "line 1, column 5 (byte 4): invalid timestamp \"-Inf\""},
        ErrorCase{"a 1 1e300\n# EOF\n",
                  "line 1, column 5 (byte 4): timestamp \"1e300\" out of "
                  "range"},
        ErrorCase{"# TYPE hhh histogram\nhhh_bucket{le=\"+Inf\"} 1 # "
                  "{aa=\"bb\"} 4 NaN\n# EOF\n",
                  "line 2, column 39 (byte 59): invalid exemplar timestamp "
                  "\"NaN\""},
        ErrorCase{"a{b=\"1\",b=\"2\"} 1\n# EOF\n",
                  "line 1, column 1 (byte 0): label name \"b\" is not "
                  "unique"}));

// Parser::Continue: the same entries and errors, with lines and byte
// offsets counted from the start of the first piece.
TEST(OpenMetricsParseTest, InputInPiecesParsesAsAWhole) {
  const std::string inputs[] = {
      "# HELP a Some \\\"help\\\".\n# TYPE a counter\n# UNIT a_s s\n"
      "a_total{x=\"1\"} 1 100\na_total{x=\"2\"} 2 100.5 # {t=\"q\"} 1 1\n"
      "a_created 5 100\nb 3\n# EOF\n",
      "a 1\nb 2\n# EOF",
      "a 1\nb 2\nc{x=1} 3\n# EOF\n",
      "a 1\nb 2\n# EOF\nc 3\n",
      "a 1\nb 2\n",
      "# TYPE a counter\na_total 1\na 1\n# EOF\n",
  };
  for (const std::string& input : inputs) {
    SCOPED_TRACE(input);
    EXPECT_EQ(Dump(input, {}, /*in_pieces=*/true), Dump(input));
  }
  EXPECT_EQ(Dump("a 1\nb 2\nc{x=1} 3\n# EOF\n", {}, true).back(),
            "ERROR: line 3, column 5 (byte 12): expected quoted label value, "
            "got \"1\"");
}

}  // namespace
}  // namespace vigil::textparse
