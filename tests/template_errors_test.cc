// Parse and execution errors with Go's wording and positions, and the
// `<error expanding template: ...>` text alerts carry (the limits that keep
// hostile templates bounded are template_limits_test.cc's). Columns on
// line 1 include the 112 bytes of variable definitions Prometheus prepends.
#include <gtest/gtest.h>

#include <string>

#include "tests/template_test_support.h"

namespace vigil::tmpl {
namespace {

using testing::AlertData;
using testing::Options;
using testing::Render;

struct Case {
  std::string text;
  std::string want;
};

class TemplateErrorTest : public ::testing::TestWithParam<Case> {};

TEST_P(TemplateErrorTest, Reports) {
  EXPECT_EQ(Render(GetParam().text), "ERROR: " + GetParam().want)
      << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Parse, TemplateErrorTest,
    ::testing::Values(
        Case{"{{ $labels.foo }",
             R"(template: __alert_Test:1: unexpected "}" in operand)"},
        Case{"{{ if true }}x", "template: __alert_Test:1: unexpected EOF"},
        Case{"{{ foo }}",
             R"(template: __alert_Test:1: function "foo" not defined)"},
        Case{"{{ $nope }}",
             R"(template: __alert_Test:1: undefined variable "$nope")"},
        Case{"x\n{{ end }}", "template: __alert_Test:2: unexpected {{end}}"},
        Case{"line1\n{{ .Labels.x\n",
             "template: __alert_Test:3: unclosed action started at "
             "__alert_Test:2"},
        Case{"{{ 3 | 4 }}",
             "template: __alert_Test:1: non executable command in pipeline "
             "stage 2"},
        Case{"{{ break }}",
             "template: __alert_Test:1: {{break}} outside {{range}}"},
        Case{"{{ \"abc }}",
             "template: __alert_Test:1: unterminated quoted string"},
        Case{"{{ .Labels.a-b }}",
             "template: __alert_Test:1: bad character U+002D '-'"},
        Case{"{{ }}", "template: __alert_Test:1: missing value for command"},
        Case{"{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}",
             R"(template: __alert_Test:1: undefined variable "$y")"},
        Case{"{{ (1 }}", "template: __alert_Test:1: unclosed left paren"},
        Case{"{{ /* x */ }}",
             R"(template: __alert_Test:1: unexpected "/" in command)"},
        Case{"{{/* x }}", "template: __alert_Test:1: unclosed comment"},
        Case{"{{ 1x }}",
             R"(template: __alert_Test:1: bad number syntax: "1x")"}));

INSTANTIATE_TEST_SUITE_P(
    Exec, TemplateErrorTest,
    ::testing::Values(
        Case{"{{ humanize \"abc\" }}",
             "template: __alert_Test:1:115: executing \"__alert_Test\" at "
             "<humanize \"abc\">: error calling humanize: strconv.ParseFloat: "
             "parsing \"abc\": invalid syntax"},
        Case{"a\n  {{ humanize \"x\" }}",
             "template: __alert_Test:2:5: executing \"__alert_Test\" at "
             "<humanize \"x\">: error calling humanize: strconv.ParseFloat: "
             "parsing \"x\": invalid syntax"},
        Case{"{{ if gt $value 1 }}x{{ end }}",
             "template: __alert_Test:1:118: executing \"__alert_Test\" at <gt "
             "$value 1>: error calling gt: incompatible types for comparison"},
        Case{"{{ .Foo }}",
             "template: __alert_Test:1:115: executing \"__alert_Test\" at "
             "<.Foo>: can't evaluate field Foo in type struct { Labels "
             "map[string]string; ExternalLabels map[string]string; "
             "ExternalURL string; Value interface {} }"},
        Case{"{{ toUpper 1 }}",
             "template: __alert_Test:1:123: executing \"__alert_Test\" at "
             "<1>: expected string; found 1"},
        Case{"{{ toUpper $value }}",
             "template: __alert_Test:1:123: executing \"__alert_Test\" at "
             "<$value>: wrong type for value; expected string; got float64"},
        Case{"{{ template \"nope\" }}",
             "template: __alert_Test:1:124: executing \"__alert_Test\" at "
             "<{{template \"nope\"}}>: template \"nope\" not defined"},
        Case{"{{ humanize \"abcdefghijklmnopqrstuvwxyz\" }}",
             "template: __alert_Test:1:115: executing \"__alert_Test\" at "
             "<humanize \"abcdefghij...>: error calling humanize: "
             "strconv.ParseFloat: parsing \"abcdefghijklmnopqrstuvwxyz\": "
             "invalid syntax"},
        Case{"{{ humanize }}",
             "template: __alert_Test:1:115: executing \"__alert_Test\" at "
             "<humanize>: wrong number of args for humanize: want 1 got 0"},
        Case{"{{ query \"bad(\" }}",
             "template: __alert_Test:1:115: executing \"__alert_Test\" at "
             "<query \"bad(\">: error calling query: 1:4: parse error: "
             "unclosed left parenthesis"},
        Case{"{{ query \"empty\" | first }}",
             "template: __alert_Test:1:131: executing \"__alert_Test\" at "
             "<first>: error calling first: first() called on vector with no "
             "elements"},
        Case{"{{ reReplaceAll \"(\" \"\" \"x\" }}",
             "template: __alert_Test:1:115: executing \"__alert_Test\" at "
             "<reReplaceAll \"(\" \"\" ...>: error calling reReplaceAll: "
             "regexp: Compile(`(`): error parsing regexp: missing closing ): "
             "`(`"},
        Case{"{{ nil }}",
             "template: __alert_Test:1:115: executing \"__alert_Test\" at "
             "<nil>: nil is not a command"},
        Case{"{{ define \"t\" }}{{ .x.y }}{{ end }}{{ template \"t\" $labels "
             "}}",
             "template: __alert_Test:1:133: executing \"t\" at <.x.y>: can't "
             "evaluate field y in type string"},
        Case{"{{ range $value }}{{ end }}",
             "template: __alert_Test:1:121: executing \"__alert_Test\" at "
             "<$value>: range can't iterate over 1"}));

TEST(TemplateExpandTest, ErrorsBecomeAlertText) {
  EXPECT_EQ(ExpandForAlert("__alert_Test", "{{ $labels.foo }", AlertData(),
                           Options()),
            "<error expanding template: error parsing template __alert_Test: "
            "template: __alert_Test:1: unexpected \"}\" in operand>");
  EXPECT_EQ(ExpandForAlert("__alert_Test", "{{ humanize \"x\" }}", AlertData(),
                           Options()),
            "<error expanding template: error executing template "
            "__alert_Test: template: __alert_Test:1:115: executing "
            "\"__alert_Test\" at <humanize \"x\">: error calling humanize: "
            "strconv.ParseFloat: parsing \"x\": invalid syntax>");
  EXPECT_EQ(ExpandForAlert("__alert_Test", "{{ $labels.pod }} is {{ $value }}",
                           AlertData(0.5), Options()),
            "cilium-abc is 0.5");
}

}  // namespace
}  // namespace vigil::tmpl
