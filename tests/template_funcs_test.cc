// Prometheus's template functions (template/template.go), Go's printf
// verbs, and the humanize family. Expected strings are upstream's output:
// %.4g with correct rounding, Go's time and duration formats.
#include <gtest/gtest.h>

#include <string>

#include "lib/model/go_float.h"
#include "lib/rules/template/go_format.h"
#include "lib/rules/template/humanize.h"
#include "tests/template_test_support.h"

namespace vigil::tmpl {
namespace {

using testing::AlertData;
using testing::Render;

struct Case {
  std::string text;
  std::string want;
};

class TemplateFuncTest : public ::testing::TestWithParam<Case> {};

TEST_P(TemplateFuncTest, Expands) {
  EXPECT_EQ(Render(GetParam().text), GetParam().want) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Humanize, TemplateFuncTest,
    ::testing::Values(
        Case{"{{ humanize 1234567 }}", "1.235M"},
        Case{"{{ humanize 0.001234 }}", "1.234m"},
        Case{"{{ humanize 12345 }}", "12.35k"},
        Case{"{{ humanize 1000 }} {{ humanize 999 }} {{ humanize 0 }}",
             "1k 999 0"},
        Case{"{{ humanize -1234 }}", "-1.234k"},
        Case{"{{ humanize 0.000001 }}", "1u"},
        Case{"{{ humanize 1e-30 }}", "1e-06y"},
        Case{"{{ humanize \"1234567\" }}", "1.235M"},
        Case{"{{ humanize \"+Inf\" }} {{ humanize \"NaN\" }}", "+Inf NaN"},
        Case{"{{ humanize1024 1024 }} {{ humanize1024 1536 }} {{ humanize1024 "
             "1048576 }}",
             "1ki 1.5ki 1Mi"},
        Case{"{{ humanize1024 512 }} {{ humanize1024 1 }}", "512 1"},
        Case{"{{ humanizeDuration 3661 }}", "1h 1m 1s"},
        Case{"{{ humanizeDuration 90061 }}", "1d 1h 1m 1s"},
        Case{"{{ humanizeDuration 61 }} | {{ humanizeDuration 1.5 }}",
             "1m 1s | 1.5s"},
        Case{"{{ humanizeDuration 0.0015 }} {{ humanizeDuration 0 }}",
             "1.5ms 0s"},
        Case{"{{ humanizeDuration -3661 }}", "-1h 1m 1s"},
        Case{"{{ humanizeDuration \"NaN\" }}", "NaN"},
        Case{"{{ humanizePercentage 0.1234 }} {{ humanizePercentage 1 }} {{ "
             "humanizePercentage 0.5 }}",
             "12.34% 100% 50%"},
        Case{"{{ humanizeTimestamp 1435065584.128 }}",
             "2015-06-23 13:19:44.128 +0000 UTC"},
        Case{"{{ humanizeTimestamp 0 }}", "1970-01-01 00:00:00 +0000 UTC"},
        Case{"{{ $value | humanize }}", "1"}));

INSTANTIATE_TEST_SUITE_P(
    Prometheus, TemplateFuncTest,
    ::testing::Values(
        Case{"{{ with query \"up\" }}{{ . | first | value | humanize }}{{ end "
             "}}",
             "1.234k"},
        Case{"{{ query \"up\" | first | label \"instance\" }}", "c"},
        Case{"{{ range sortByLabel \"instance\" (query \"up\") }}{{ "
             ".Labels.instance }}{{ end }}",
             "abcde"},
        Case{"{{ range query \"up\" }}{{ .Value }},{{ end }}", "1234,0,1,1,1,"},
        Case{"{{ query \"version\" | first | strvalue }}", "v2.1"},
        Case{"{{ title \"hello wide world\" }}", "Hello Wide World"},
        Case{"{{ toUpper \"aBc\" }} {{ toLower \"aBc\" }}", "ABC abc"},
        Case{"{{ reReplaceAll \"(.*):.*\" \"$1\" $labels.instance }}",
             "node1.example.com"},
        Case{"{{ reReplaceAll \"a\" \"b\" \"banana\" }}", "bbnbnb"},
        Case{"{{ reReplaceAll \"x*\" \"-\" \"abc\" }}", "-a-b-c-"},
        Case{"{{ reReplaceAll \"a(x*)b\" \"${1}W\" \"-ab-axxb-\" }}",
             "-W-xxW-"},
        Case{"{{ reReplaceAll \"a(?P<x>x*)b\" \"$x.$$\" \"-axb-\" }}", "-x.$-"},
        Case{"{{ match \"^node\" $labels.instance }} {{ match \"^x\" \"y\" }}",
             "true false"},
        Case{"{{ stripPort $labels.instance }} {{ stripPort \"[::1]:80\" }} "
             "{{ stripPort \"host\" }}",
             "node1.example.com ::1 host"},
        Case{"{{ stripDomain $labels.instance }} {{ stripDomain "
             "\"10.0.0.1:9100\" }} {{ stripDomain \"host.example.com\" }}",
             "node1:9100 10.0.0.1:9100 host"},
        Case{"{{ graphLink \"up == 0\" }}",
             "/graph?g0.expr=up+%3D%3D+0&g0.tab=0"},
        Case{"{{ tableLink \"up\" }}", "/graph?g0.expr=up&g0.tab=1"},
        Case{"{{ externalURL }} {{ pathPrefix }}",
             "http://prom.example.com/prometheus /prometheus"},
        Case{"{{ toTime 1435065584.128 }}",
             "2015-06-23 13:19:44.128 +0000 UTC"},
        Case{"{{ (toTime 1435065584).Unix }}", "1435065584"},
        Case{"{{ toDuration 90 }} {{ toDuration 0.0015 }} {{ toDuration 0 }}",
             "1m30s 1.5ms 0s"},
        Case{"{{ (toDuration 5400).Seconds }} {{ toDuration 93784.5 }}",
             "5400 26h3m4.5s"},
        Case{"{{ parseDuration \"1h30m\" }} {{ parseDuration \"1d\" }} {{ "
             "parseDuration \"500ms\" }}",
             "5400 86400 0.5"},
        Case{"{{ now }}", "1.7e+09"}, Case{"{{ safeHtml \"<b>\" }}", "<b>"},
        Case{"{{ urlQueryEscape \"a b/c\" }}", "a+b%2Fc"}));

INSTANTIATE_TEST_SUITE_P(
    Printf, TemplateFuncTest,
    ::testing::Values(
        Case{"{{ printf \"%.2f\" 3.14159 }}", "3.14"},
        Case{"{{ printf \"%d|%5.1f|%-5d|%05d\" 42 3.14159 42 42 }}",
             "42|  3.1|42   |00042"},
        Case{"{{ printf \"%x %X %o %b\" 255 \"hi\" 8 5 }}", "ff 6869 10 101"},
        Case{"{{ printf \"%q\" \"a\\\"b\" }}", "\"a\\\"b\""},
        Case{"{{ printf \"%e|%g|%.3g\" 1234.5678 1e6 1234.0 }}",
             "1.234568e+03|1e+06|1.23e+03"},
        Case{"{{ printf \"%8.3f|%+d|%t|%%|%c\" -3.14159 5 true 65 }}",
             "  -3.142|+5|true|%|A"},
        Case{"{{ printf \"%s %T %v\" $labels.pod $value $value }}",
             "cilium-abc float64 1"},
        // Go's in-band notes for mismatched verbs and arguments.
        Case{"{{ printf \"%s\" 42 }}", "%!s(int=42)"},
        Case{"{{ printf \"%d\" \"x\" }}", "%!d(string=x)"},
        Case{"{{ printf \"%d\" }}", "%!d(MISSING)"},
        Case{"{{ printf \"%d\" 1 2 }}", "1%!(EXTRA int=2)"},
        Case{"{{ printf \"%.1f%%\" (humanizePercentage 0.5 | len) }}",
             "%!f(int=3)%"}));

TEST(GoFormatTest, FormatFloat) {
  EXPECT_EQ(GoFormatFloat(1234.5678, 'g', 4), "1235");
  EXPECT_EQ(GoFormatFloat(12345, 'g', 4), "1.234e+04");  // ties to even
  EXPECT_EQ(GoFormatFloat(0.5, 'f', -1), "0.5");
  EXPECT_EQ(GoFormatFloat(1e21, 'g', -1), "1e+21");
  EXPECT_EQ(GoFormatFloat(1.0, 'x', -1), "0x1p+00");
}

TEST(GoFormatTest, DurationString) {
  EXPECT_EQ(GoDurationString(0), "0s");
  EXPECT_EQ(GoDurationString(1500), "1.5\xC2\xB5s");
  EXPECT_EQ(GoDurationString(1000000000LL * 3600), "1h0m0s");
  EXPECT_EQ(GoDurationString(-1500000000LL), "-1.5s");
  EXPECT_EQ(GoDurationString(999), "999ns");
}

TEST(HumanizeTest, ConvertToFloatAcceptsNumbersAndNumericStrings) {
  EXPECT_EQ(*ConvertToFloat(Value::Int(3)), 3.0);
  EXPECT_EQ(*ConvertToFloat(Value::String("1e3")), 1000.0);
  EXPECT_EQ(ConvertToFloat(Value::String(" 1")).status().message(),
            "strconv.ParseFloat: parsing \" 1\": invalid syntax");
  EXPECT_EQ(ConvertToFloat(Value::String("1e999")).status().message(),
            "strconv.ParseFloat: parsing \"1e999\": value out of range");
  EXPECT_EQ(ConvertToFloat(Value::Bool(true)).status().message(),
            "can't convert bool to float");
}

TEST(HumanizeTest, TimestampOverflow) {
  EXPECT_EQ(HumanizeTimestamp(1e20).status().message(),
            "1e+20 cannot be represented as a nanoseconds timestamp since it "
            "overflows int64");
  EXPECT_EQ(*HumanizeTimestamp(std::numeric_limits<double>::infinity()),
            "+Inf");
}

}  // namespace
}  // namespace vigil::tmpl
