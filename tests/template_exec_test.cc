// The Go text/template language as Prometheus alert templates use it:
// expected outputs are what Go 1.22+ text/template prints for the same
// template and data (option missingkey=zero).
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "tests/template_test_support.h"

namespace vigil::tmpl {
namespace {

using testing::AlertData;
using testing::Render;

struct Case {
  std::string text;
  std::string want;
};

class TemplateLanguageTest : public ::testing::TestWithParam<Case> {};

TEST_P(TemplateLanguageTest, Expands) {
  EXPECT_EQ(Render(GetParam().text), GetParam().want) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, TemplateLanguageTest,
    ::testing::Values(
        // The annotation of a PodPrivilegedMode alert.
        Case{"Pod {{ $labels.namespace }}/{{ $labels.pod }} runs a privileged "
             "container (value {{ $value }})",
             "Pod kube-system/cilium-abc runs a privileged container (value "
             "1)"},
        Case{"plain text", "plain text"},
        Case{"{{ .Labels.pod }} {{ .Value }}", "cilium-abc 1"},
        Case{"{{ $externalLabels.cluster }} {{ $externalURL }}",
             "prod http://prom.example.com/prometheus"},
        // missingkey=zero: a missing label is the empty string.
        Case{"[{{ $labels.missing }}]", "[]"},
        Case{"[{{ index $labels \"pod\" }}][{{ index $labels \"x\" }}]",
             "[cilium-abc][]"},
        Case{"{{ $externalLabels }}", "map[cluster:prod]"},
        // Literals and Go's default printing.
        Case{"{{ 1 }} {{ 1.5 }} {{ 1e3 }} {{ 0x10 }} {{ 'a' }} {{ -3 }}",
             "1 1.5 1000 16 97 -3"},
        Case{"{{ \"a\\tb\\u00e9\" }}|{{ `raw\\n` }}", "a\tb\xc3\xa9|raw\\n"},
        Case{"{{ true }} {{ false }}", "true false"},
        // Trim markers and comments.
        Case{"a  {{- 1 -}}  b", "a1b"}, Case{"a {{- /* note */ -}}\n b", "ab"},
        Case{"a {{/* note */}} b", "a  b"}, Case{"{{ 3 -}} \n x", "3x"},
        // Conditionals; Go compares float64 with float64 only.
        Case{"{{ if gt $value 0.5 }}high{{ else }}low{{ end }}", "high"},
        Case{"{{ if eq $labels.severity \"warning\" }}W{{ else if eq "
             "$labels.severity \"critical\" }}C{{ else }}O{{ end }}",
             "C"},
        Case{"{{ if and (eq $labels.severity \"critical\") (ne $labels.pod "
             "\"\") }}page{{ end }}",
             "page"},
        Case{"{{ if not $labels.missing }}unset{{ end }}", "unset"},
        Case{"{{ if eq $labels.severity \"a\" \"b\" \"critical\" }}any{{ end "
             "}}",
             "any"},
        Case{"{{ if lt \"a\" \"b\" }}{{ le 2 2 }} {{ ge 1.5 2.5 }}{{ end }}",
             "true false"},
        // with
        Case{"{{ with $labels.pod }}pod={{ . }}{{ end }}", "pod=cilium-abc"},
        Case{"{{ with $labels.nope }}x{{ else }}none{{ end }}", "none"},
        Case{"{{ with $labels.nope }}x{{ else with $labels.pod }}{{ . }}{{ "
             "end }}",
             "cilium-abc"},
        // range: maps iterate in key order.
        Case{"{{ range $k, $v := $externalLabels }}{{ $k }}={{ $v }};{{ end "
             "}}",
             "cluster=prod;"},
        Case{"{{ range $k, $v := $labels }}{{ $k }},{{ end }}",
             "alertname,instance,namespace,pod,severity,"},
        Case{"{{ range $labels }}{{ . }} {{ end }}",
             "PodPrivilegedMode node1.example.com:9100 kube-system cilium-abc "
             "critical "},
        Case{"{{ range query \"empty\" }}x{{ else }}empty{{ end }}", "empty"},
        Case{"{{ range $i, $s := query \"up\" }}{{ if eq $i 1 }}{{ continue "
             "}}{{ end }}{{ if eq $i 3 }}{{ break }}{{ end }}{{ $i }}{{ end }}",
             "02"},
        Case{"{{ range 3 }}{{ . }}{{ end }}", "012"},
        Case{"{{ $n := 0 }}{{ range $labels }}{{ $n = 1 }}{{ end }}{{ $n }}",
             "1"},
        // Variables and scope.
        Case{"{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}", "2"},
        Case{"{{ $x := \"outer\" }}{{ with $labels.pod }}{{ $x := . }}{{ $x "
             "}}{{ end }} {{ $x }}",
             "cilium-abc outer"},
        Case{"{{ with $labels.pod }}{{ $.Labels.namespace }}{{ end }}",
             "kube-system"},
        // define / template / block
        Case{"{{ define \"t\" }}[{{ . }}]{{ end }}{{ template \"t\" "
             "$labels.pod }}{{ template \"t\" }}",
             "[cilium-abc][<no value>]"},
        Case{"{{ block \"b\" $value }}<{{ . }}>{{ end }}", "<1>"},
        Case{"{{ define \"t\" }}{{ .arg0 }}-{{ .arg1 }}{{ end }}{{ template "
             "\"t\" (args 1 \"x\") }}",
             "1-x"},
        // Pipelines and parentheses.
        Case{"{{ $labels.pod | toUpper }}", "CILIUM-ABC"},
        Case{"{{ \"abc\" | printf \"%s-%s\" \"x\" }}", "x-abc"},
        Case{"{{ (index $labels \"pod\") | len }}", "10"},
        Case{"{{ (query \"up\" | first).Labels.instance }}", "c"},
        // Builtins.
        Case{"{{ and 1 0 }} {{ and true \"a\" }} {{ or 0 \"\" \"x\" }} {{ or "
             "0 \"\" }}",
             "0 a x "},
        Case{"{{ len $labels }} {{ len \"abc\" }} {{ len (query \"up\") }}",
             "5 3 5"},
        Case{"{{ print 1 2 \"a\" \"b\" 3 }}", "1 2ab3"},
        Case{"{{ println 1 \"a\" }}", "1 a\n"},
        Case{"{{ html \"<a href='x'>&</a>\" }}",
             "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"},
        Case{"{{ js \"it's <b>\" }}", "it\\'s \\u003Cb\\u003E"},
        Case{"{{ urlquery \"a b&c\" }}", "a+b%26c"},
        Case{"{{ slice \"abcdef\" 1 3 }} {{ index \"abc\" 1 }}", "bc 98"},
        Case{"{{ printf \"%v\" $labels.pod }}", "cilium-abc"}));

TEST(TemplateValueTest, GoFloatPrinting) {
  // Go's %v for float64: shortest digits, exponent form from 1e+06 on.
  const std::pair<double, std::string> cases[] = {
      {1, "1"},
      {0.1, "0.1"},
      {-2.5, "-2.5"},
      {100000, "100000"},
      {1e6, "1e+06"},
      {123456789, "1.23456789e+08"},
      {0.0001, "0.0001"},
      {0.00001, "1e-05"},
      {1.5e300, "1.5e+300"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
      {std::numeric_limits<double>::quiet_NaN(), "NaN"},
  };
  for (const auto& [v, want] : cases) {
    EXPECT_EQ(Render("{{ $value }}", AlertData(v)), want) << want;
  }
}

TEST(TemplateValueTest, StringValue) {
  TemplateData d = AlertData();
  d.value = std::string("v2.1");
  EXPECT_EQ(Render("{{ $value }} {{ .Value | toUpper }}", d), "v2.1 V2.1");
}

TEST(TemplateValueTest, MapPrinting) {
  EXPECT_EQ(Render("{{ $labels }}"),
            "map[alertname:PodPrivilegedMode instance:node1.example.com:9100 "
            "namespace:kube-system pod:cilium-abc severity:critical]");
  EXPECT_EQ(Render("{{ args 1 \"a\" }}"), "map[arg0:1 arg1:a]");
}

TEST(TemplateValueTest, ParseOnceExecuteMany) {
  auto t = Template::Parse(testing::kName, "{{ $value | humanize }}");
  ASSERT_TRUE(t.ok()) << t.status();
  for (double v : {1.0, 1500.0, 2e6}) {
    auto out = t->Execute(AlertData(v), testing::Options());
    ASSERT_TRUE(out.ok()) << out.status();
  }
  EXPECT_EQ(*t->Execute(AlertData(2e6), testing::Options()), "2M");
  EXPECT_EQ(t->name(), "__alert_Test");
}

TEST(TemplateValueTest, ParseRawHasNoAlertVariables) {
  auto t = Template::ParseRaw("raw", "{{ .Labels.pod }}");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t->Execute(AlertData(), testing::Options()), "cilium-abc");
  EXPECT_FALSE(Template::ParseRaw("raw", "{{ $labels }}").ok());
}

}  // namespace
}  // namespace vigil::tmpl
