// The Prometheus text format 0.0.4 parser: every construct and every error
// path, with exact values and messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "vigil/storage.h"
#include "vigil/textparse.h"

namespace vigil::textparse {
namespace {

using ::testing::ElementsAre;

std::string Num(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

// One line per entry: the entry as the caller sees it, labels built with a
// SeriesLabelsBuilder; "EOF" or "ERROR: <message>" last.
std::vector<std::string> Dump(std::string_view input,
                              Format format = Format::kPrometheusText) {
  std::vector<std::string> out;
  Parser parser(input, format);
  SeriesLabelsBuilder builder;
  for (;;) {
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
        if (e.metric_type != MetricType::kUnknown) {
          s += " (" + std::string(MetricTypeName(e.metric_type)) + ")";
        }
        out.push_back(s);
        break;
      }
    }
  }
}

std::string ErrorOf(std::string_view input,
                    Format format = Format::kPrometheusText) {
  std::vector<std::string> d = Dump(input, format);
  return d.back();
}

TEST(PromParseTest, UpstreamExampleYieldsEveryEntry) {
  // Prometheus's TestPromParse input (promparse_test.go), entry by entry.
  std::string input =
      R"(# HELP go_gc_duration_seconds A summary of the GC invocation durations.
# 	TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 4.9351e-05
go_gc_duration_seconds{quantile="0.25",} 7.424100000000001e-05
go_gc_duration_seconds{quantile="0.5",a="b"} 8.3835e-05
go_gc_duration_seconds{quantile="0.8", a="b"} 8.3835e-05
go_gc_duration_seconds{ quantile="0.9", a="b"} 8.3835e-05
# Hrandom comment starting with prefix of HELP
#
wind_speed{A="2",c="3"} 12345
# comment with escaped \n newline
# comment with escaped \ escape character
# HELP nohelp1
# HELP nohelp2 
go_gc_duration_seconds{ quantile="1.0", a="b" } 8.3835e-05
go_gc_duration_seconds { quantile="1.0", a="b" } 8.3835e-05
go_gc_duration_seconds { quantile= "1.0", a= "b", } 8.3835e-05
go_gc_duration_seconds { quantile = "1.0", a = "b" } 8.3835e-05
go_gc_duration_seconds_count 99
some:aggregate:rate5m{a_b="c"}	1
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 33  	123123
_metric_starting_with_underscore 1
testmetric{_label_starting_with_underscore="foo"} 1
testmetric{label="\"bar\""} 1)";
  input += "\n# HELP metric foo";
  input.push_back('\0');
  input += "bar";
  input += "\nnull_byte_metric{a=\"abc";
  input.push_back('\0');
  input += "\"} 1";

  std::string help_with_nul = "HELP metric [foo";
  help_with_nul.push_back('\0');
  help_with_nul += "bar]";
  std::string series_with_nul = "null_byte_metric{a=\"abc\\x00\"} 1";

  EXPECT_THAT(
      Dump(input),
      ElementsAre(
          "HELP go_gc_duration_seconds [A summary of the GC invocation "
          "durations.]",
          "TYPE go_gc_duration_seconds summary",
          R"(go_gc_duration_seconds{quantile="0.0"} 4.9351e-05 (summary))",
          R"(go_gc_duration_seconds{quantile="0.25"} 7.424100000000001e-05 (summary))",
          R"(go_gc_duration_seconds{a="b", quantile="0.5"} 8.3835e-05 (summary))",
          R"(go_gc_duration_seconds{a="b", quantile="0.8"} 8.3835e-05 (summary))",
          R"(go_gc_duration_seconds{a="b", quantile="0.9"} 8.3835e-05 (summary))",
          "COMMENT [# Hrandom comment starting with prefix of HELP]",
          "COMMENT [#]", R"(wind_speed{A="2", c="3"} 12345)",
          R"(COMMENT [# comment with escaped \n newline])",
          R"(COMMENT [# comment with escaped \ escape character])",
          "HELP nohelp1 []", "HELP nohelp2 []",
          R"(go_gc_duration_seconds{a="b", quantile="1.0"} 8.3835e-05 (summary))",
          R"(go_gc_duration_seconds{a="b", quantile="1.0"} 8.3835e-05 (summary))",
          R"(go_gc_duration_seconds{a="b", quantile="1.0"} 8.3835e-05 (summary))",
          R"(go_gc_duration_seconds{a="b", quantile="1.0"} 8.3835e-05 (summary))",
          "go_gc_duration_seconds_count 99 (summary)",
          R"(some:aggregate:rate5m{a_b="c"} 1)",
          "HELP go_goroutines [Number of goroutines that currently exist.]",
          "TYPE go_goroutines gauge", "go_goroutines 33 @123123 (gauge)",
          "_metric_starting_with_underscore 1",
          R"(testmetric{_label_starting_with_underscore="foo"} 1)",
          R"(testmetric{label="\"bar\""} 1)", help_with_nul, series_with_nul,
          "EOF"));
}

TEST(PromParseTest, SeriesTextIsTheInputSpanAndViewsPointIntoIt) {
  std::string input = "a{b=\"c\"} 1 2\nfoo 3\n";
  Parser parser(input, Format::kPrometheusText);
  ASSERT_EQ(*parser.Next(), EntryType::kSeries);
  EXPECT_EQ(parser.entry().series, R"(a{b="c"})");
  EXPECT_EQ(parser.entry().series.data(), input.data());
  EXPECT_EQ(parser.entry().metric_name, "a");
  EXPECT_EQ(parser.entry().line, 1u);
  ASSERT_EQ(parser.label_count(), 1u);
  EXPECT_EQ(parser.label(0).name, "b");
  EXPECT_EQ(parser.label(0).value, "c");
  EXPECT_EQ(parser.entry().value, 1);
  EXPECT_EQ(parser.entry().timestamp_ms, 2);
  ASSERT_EQ(*parser.Next(), EntryType::kSeries);
  EXPECT_EQ(parser.entry().series, "foo");
  EXPECT_EQ(parser.entry().line, 2u);
  EXPECT_EQ(parser.label_count(), 0u);
  EXPECT_FALSE(parser.entry().timestamp_ms.has_value());
  EXPECT_EQ(*parser.Next(), EntryType::kEof);
  EXPECT_EQ(*parser.Next(), EntryType::kEof);  // stays at EOF
}

TEST(PromParseTest, SpecialValuesAndCanonicalNaN) {
  Parser parser("a NaN\nb +Inf\nc -Inf\nd Inf\ne -inf\nf 1e3\ng -0.5\nh .5\n",
                Format::kPrometheusText);
  std::vector<double> values;
  while (*parser.Next() == EntryType::kSeries) {
    values.push_back(parser.entry().value);
  }
  ASSERT_EQ(values.size(), 8u);
  // Prometheus's value.NormalNaN, never the staleness marker.
  EXPECT_EQ(std::bit_cast<uint64_t>(values[0]), 0x7ff8000000000001ULL);
  EXPECT_FALSE(IsStaleNaN(values[0]));
  EXPECT_EQ(values[1], INFINITY);
  EXPECT_EQ(values[2], -INFINITY);
  EXPECT_EQ(values[3], INFINITY);
  EXPECT_EQ(values[4], -INFINITY);
  EXPECT_EQ(values[5], 1000);
  EXPECT_EQ(values[6], -0.5);
  EXPECT_EQ(values[7], 0.5);
}

TEST(PromParseTest, UnderflowIsZeroOverflowIsAnError) {
  EXPECT_THAT(Dump("a 1e-400\n"), ElementsAre("a 0", "EOF"));
  EXPECT_EQ(ErrorOf("a 1e400\n"),
            R"(ERROR: line 1, column 3 (byte 2): value "1e400" out of range)");
}

TEST(PromParseTest, EscapesInLabelValuesAndHelp) {
  EXPECT_THAT(Dump(R"(# HELP m a \\ b \n c \" d \x
m{a="x\\y\"z\nw\q"} 1
)"),
              // HELP resolves only \\ and \n; label values also \". Unknown
              // escapes stay as written.
              ElementsAre("HELP m [a \\ b \n c \\\" d \\x]",
                          R"(m{a="x\\y\"z\nw\\q"} 1)", "EOF"));
}

TEST(PromParseTest, QuotedUtf8NamesAsInPrometheus3) {
  EXPECT_THAT(
      Dump(R"(# HELP "my.metric" Some help.
# TYPE "my.metric" counter
{"my.metric", "a.b"="x"} 1
{"a.b"="y","my.metric"} 2
{"my.metric"} 3
"my.metric_total" 4
)"),
      ElementsAre(
          "HELP my.metric [Some help.]", "TYPE my.metric counter",
          R"({"my.metric", "a.b"="x"} 1 (counter))",
          R"({"my.metric", "a.b"="y"} 2 (counter))",
          R"({"my.metric"} 3 (counter))",
          R"(ERROR: line 6, column 1 (byte 126): expected metric name, "{" or "#" at start of line, got "\"")"));
}

TEST(PromParseTest, QuotedNameWithEscapesIsUnescaped) {
  Parser parser(R"({"a\"b\\c", "x\ny"="v"} 1)", Format::kPrometheusText);
  ASSERT_EQ(*parser.Next(), EntryType::kSeries);
  EXPECT_EQ(parser.entry().metric_name, "a\"b\\c");
  SeriesLabelsBuilder b;
  auto pairs = b.View(parser);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].name, "__name__");
  EXPECT_EQ(pairs[0].value, "a\"b\\c");
  EXPECT_EQ(pairs[1].name, "x\ny");
  EXPECT_EQ(pairs[1].value, "v");
}

TEST(PromParseTest, LabelsWithoutCommaAndTrailingCommaAreAccepted) {
  // promparse.go keeps this: label pairs need no comma between them.
  EXPECT_THAT(Dump("a{b=\"1\" c=\"2\",} 1\n"),
              ElementsAre(R"(a{b="1", c="2"} 1)", "EOF"));
}

TEST(PromParseTest, RawNewlineInLabelValueIsAccepted) {
  // promlex.l's label value is \"(\\.|[^\\"])*\": a raw newline is allowed.
  std::string input = "a{b=\"x\ny\"} 1\nc 2\n";
  Parser parser(input, Format::kPrometheusText);
  ASSERT_EQ(*parser.Next(), EntryType::kSeries);
  EXPECT_EQ(parser.label(0).value, "x\ny");
  ASSERT_EQ(*parser.Next(), EntryType::kSeries);
  EXPECT_EQ(parser.entry().line, 3u);
}

TEST(PromParseTest, EmptyLabelValuesAreDroppedFromLabels) {
  EXPECT_THAT(Dump("a{b=\"\",c=\"1\"} 1\n"),
              ElementsAre(R"(a{c="1"} 1)", "EOF"));
}

TEST(PromParseTest, BlankLinesLeadingBlanksAndMissingFinalNewline) {
  EXPECT_THAT(Dump("\n\n  a 1\n\t\n b 2 3"),
              ElementsAre("a 1", "b 2 @3", "EOF"));
  EXPECT_THAT(Dump(""), ElementsAre("EOF"));
}

TEST(PromParseTest, TypesAndFamilyMembership) {
  EXPECT_THAT(
      Dump(R"(# TYPE c counter
c_total 1
c 2
c_created 3
other 4
# TYPE h histogram
h_bucket{le="1"} 1
h_bucket{le="+Inf"} 2
h_sum 3
h_count 4
# TYPE s summary
s{quantile="0.5"} 1
s_sum 2
# TYPE u untyped
u 1
# TYPE g gauge
g 1
)"),
      ElementsAre("TYPE c counter", "c_total 1 (counter)", "c 2 (counter)",
                  "c_created 3", "other 4", "TYPE h histogram",
                  R"(h_bucket{le="1.0"} 1 (histogram))",
                  R"(h_bucket{le="+Inf"} 2 (histogram))", "h_sum 3 (histogram)",
                  "h_count 4 (histogram)", "TYPE s summary",
                  R"(s{quantile="0.5"} 1 (summary))", "s_sum 2 (summary)",
                  "TYPE u unknown", "u 1", "TYPE g gauge", "g 1 (gauge)",
                  "EOF"));
}

TEST(PromParseTest, LeAndQuantileNormalisation) {
  EXPECT_THAT(
      Dump(R"(# TYPE h histogram
h_bucket{le="1000000"} 1
h_bucket{le="0.00001"} 1
h_bucket{le="123456"} 1
h_bucket{le="1e-4"} 1
h_bucket{le="junk"} 1
)"),
      ElementsAre("TYPE h histogram", R"(h_bucket{le="1e+06"} 1 (histogram))",
                  R"(h_bucket{le="1e-05"} 1 (histogram))",
                  R"(h_bucket{le="123456.0"} 1 (histogram))",
                  R"(h_bucket{le="0.0001"} 1 (histogram))",
                  R"(h_bucket{le="junk"} 1 (histogram))", "EOF"));
}

struct ErrorCase {
  std::string input;
  std::string error;
};

class PromParseErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(PromParseErrorTest, ReportsPositionAndReason) {
  EXPECT_EQ(ErrorOf(GetParam().input), "ERROR: " + GetParam().error)
      << "input: " << GetParam().input;
}

INSTANTIATE_TEST_SUITE_P(
    Errors, PromParseErrorTest,
    ::testing::Values(
        ErrorCase{"a",
                  "line 1, column 2 (byte 1): expected value after metric, "
                  "got end of input"},
        ErrorCase{"a{b='c'} 1\n",
                  "line 1, column 5 (byte 4): expected quoted label value, "
                  "got \"'c'\""},
        ErrorCase{"a{b=\n",
                  "line 1, column 5 (byte 4): expected quoted label value, "
                  "got \"\\n\""},
        ErrorCase{"a{\xff=\"foo\"} 1\n",
                  "line 1, column 3 (byte 2): expected label name or \"}\", "
                  "got \"\\xff\""},
        ErrorCase{"a{b=\"\xff\"} 1\n",
                  "line 1, column 5 (byte 4): invalid UTF-8 in label value"},
        ErrorCase{"a true\n",
                  "line 1, column 3 (byte 2): invalid value \"true\": "
                  "expected a float"},
        ErrorCase{"something_weird{problem=\"",
                  "line 1, column 25 (byte 24): unterminated label value: no "
                  "closing quote before end of input"},
        ErrorCase{"empty_label_name{=\"\"} 0",
                  "line 1, column 18 (byte 17): expected label name or "
                  "\"}\", got \"=\""},
        ErrorCase{"foo 1_2\n",
                  "line 1, column 5 (byte 4): unsupported character in float "
                  "value \"1_2\""},
        ErrorCase{"foo 0x1p-3\n",
                  "line 1, column 5 (byte 4): unsupported character in float "
                  "value \"0x1p-3\""},
        ErrorCase{"foo 0x10\n",
                  "line 1, column 5 (byte 4): invalid value \"0x10\": "
                  "expected a float"},
        ErrorCase{"foo +NaN\n",
                  "line 1, column 5 (byte 4): invalid value \"+NaN\": "
                  "expected a float"},
        ErrorCase{"foo 0 1_2\n",
                  "line 1, column 8 (byte 7): expected end of line after "
                  "timestamp, got \"_2\""},
        ErrorCase{"foo 0 -1\n",
                  "line 1, column 7 (byte 6): expected timestamp or end of "
                  "line after value, got \"-1\""},
        ErrorCase{"foo 0 99999999999999999999\n",
                  "line 1, column 7 (byte 6): timestamp "
                  "\"99999999999999999999\" out of range"},
        ErrorCase{"foo 1 2 3\n",
                  "line 1, column 9 (byte 8): expected end of line after "
                  "timestamp, got \"3\""},
        ErrorCase{"a{b=\"c\"}{d=\"e\"} 1\n",
                  "line 1, column 9 (byte 8): expected value after metric, "
                  "got \"{\""},
        ErrorCase{"a 1{\n",
                  "line 1, column 4 (byte 3): expected timestamp or end of "
                  "line after value, got \"{\""},
        ErrorCase{R"({a="ok"} 1)",
                  "line 1, column 1 (byte 0): metric name not set: expected "
                  "a name before \"{\" or a quoted name inside it"},
        ErrorCase{R"(a{"b"} 1)",
                  "line 1, column 3 (byte 2): metric name already set"},
        ErrorCase{R"({"a","b"} 1)",
                  "line 1, column 6 (byte 5): metric name already set"},
        ErrorCase{R"({""} 1)", "line 1, column 2 (byte 1): empty metric name"},
        ErrorCase{R"(a{""="x"} 1)",
                  "line 1, column 3 (byte 2): empty label name"},
        ErrorCase{"a{b=\"1\",,c=\"2\"} 1\n",
                  "line 1, column 9 (byte 8): expected label name or \"}\", "
                  "got \",\""},
        ErrorCase{"a{,b=\"1\"} 1\n",
                  "line 1, column 3 (byte 2): expected label name or \"}\", "
                  "got \",\""},
        ErrorCase{"a{b \"1\"} 1\n",
                  "line 1, column 5 (byte 4): expected \"=\" after label "
                  "name, got \"\\\"\""},
        ErrorCase{"a{b=\"1\\\n\"} 1\n",
                  "line 1, column 7 (byte 6): invalid escape at end of line "
                  "in label value"},
        ErrorCase{"a{b=\"1\",b=\"2\"} 1\n",
                  "line 1, column 1 (byte 0): label name \"b\" is not unique"},
        ErrorCase{"a{__name__=\"b\"} 1\n",
                  "line 1, column 1 (byte 0): label name \"__name__\" is not "
                  "unique"},
        ErrorCase{"ok 1\n9 2\n",
                  "line 2, column 1 (byte 5): expected metric name, \"{\" or "
                  "\"#\" at start of line, got \"9\""},
        ErrorCase{std::string("a 1\n\0b 1\n", 9),
                  "line 2, column 1 (byte 4): expected metric name, \"{\" or "
                  "\"#\" at start of line, got \"\\x00b\""},
        ErrorCase{"# TYPE #\n",
                  "line 1, column 8 (byte 7): expected metric name after "
                  "TYPE, got \"#\""},
        ErrorCase{"# HELP #\n",
                  "line 1, column 8 (byte 7): expected metric name after "
                  "HELP, got \"#\""},
        ErrorCase{"# HELP \n",
                  "line 1, column 8 (byte 7): expected metric name after "
                  "HELP, got \"\\n\""},
        ErrorCase{"# TYPE m gaugehistogram\n",
                  "line 1, column 10 (byte 9): invalid metric type "
                  "\"gaugehistogram\""},
        ErrorCase{"# TYPE m counter \n",
                  "line 1, column 10 (byte 9): invalid metric type "
                  "\"counter \""},
        ErrorCase{"# TYPE m\n",
                  "line 1, column 9 (byte 8): invalid metric type \"\""},
        ErrorCase{"# HELP m \xff\n",
                  "line 1, column 10 (byte 9): help text is not valid UTF-8"},
        ErrorCase{"x 1\n# TYPE \"a\xff\" gauge\n",
                  "line 2, column 8 (byte 11): invalid UTF-8 in quoted name"}));

TEST(PromParseTest, ErrorIsSticky) {
  Parser parser("a{\n", Format::kPrometheusText);
  absl::StatusOr<EntryType> first = parser.Next();
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<EntryType> second = parser.Next();
  EXPECT_EQ(second.status(), first.status());
}

TEST(PromParseTest, LimitsBoundAnEntry) {
  ParserOptions opts;
  opts.max_labels_per_series = 2;
  Parser few("a{b=\"1\",c=\"2\",d=\"3\"} 1\n", Format::kPrometheusText, opts);
  EXPECT_EQ(few.Next().status().message(),
            "line 1, column 15 (byte 14): more than 2 labels in one label set");

  ParserOptions short_lines;
  short_lines.max_entry_bytes = 10;
  Parser lines("ok 1\nlong_metric_name 1\n", Format::kPrometheusText,
               short_lines);
  EXPECT_TRUE(lines.Next().ok());
  EXPECT_EQ(lines.Next().status().message(),
            "line 2, column 1 (byte 5): entry of 19 bytes exceeds the limit "
            "of 10 bytes");
}

TEST(PromParseTest, ManyLabelsDuplicateFoundBySorting) {
  std::string input = "m{";
  for (int i = 0; i < 40; ++i) {
    input += "l" + std::to_string(i) + "=\"v\",";
  }
  input += "l7=\"again\"} 1\n";
  EXPECT_EQ(ErrorOf(input),
            "ERROR: line 1, column 1 (byte 0): label name \"l7\" is not "
            "unique");
}

}  // namespace
}  // namespace vigil::textparse
