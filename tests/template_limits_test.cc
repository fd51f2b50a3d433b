// The limits that keep a hostile or careless template bounded: output and
// string sizes, range iterations, nesting, execution time and `query`
// calls, and fmt's own limits on widths. Each limit reached is an error in
// Go's form, which alerts carry as "<error expanding template: ...>".
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "tests/template_test_support.h"

namespace vigil::tmpl {
namespace {

using testing::AlertData;
using ::testing::AllOf;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using testing::Options;
using testing::Render;
using ::testing::StartsWith;

// A clock that moves only when read: each reading is a millisecond later
// than the last, so a deadline passes after a known number of checks.
struct SteppingClock {
  std::chrono::steady_clock::time_point now{};
  std::chrono::steady_clock::time_point operator()() {
    return now += std::chrono::milliseconds(1);
  }
};

// Options() with `timeout`, measured on `clock`.
ExpandOptions SteppingOptions(std::chrono::milliseconds timeout,
                              const std::shared_ptr<SteppingClock>& clock) {
  ExpandOptions o = Options();
  o.timeout = timeout;
  o.monotonic_clock = [clock] { return (*clock)(); };
  return o;
}

std::string RenderWith(std::string_view text, const ExpandOptions& options) {
  auto t = Template::Parse(testing::kName, text);
  if (!t.ok()) return "ERROR: " + std::string(t.status().message());
  auto out = t->Execute(AlertData(), options);
  if (!out.ok()) return "ERROR: " + std::string(out.status().message());
  return *out;
}

TEST(TemplateLimitTest, RecursionIsBounded) {
  std::string out = Render(
      "{{ define \"r\" }}{{ template \"r\" . }}{{ end }}{{ template \"r\" "
      ". }}");
  EXPECT_NE(out.find("exceeded maximum template depth (200)"),
            std::string::npos)
      << out;
}

TEST(TemplateLimitTest, RangeIterationsAreBounded) {
  std::string out = Render("{{ range 2000000 }}{{ end }}");
  EXPECT_NE(out.find("range iterations exceed the maximum of 1000000"),
            std::string::npos)
      << out;
}

TEST(TemplateLimitTest, OutputIsBounded) {
  std::string out = Render("{{ range 100000 }}xxxxxxxxxxxxxxxxxxxx{{ end }}");
  EXPECT_NE(out.find("template output exceeds the maximum of 1048576 bytes"),
            std::string::npos)
      << out.substr(0, 200);
}

TEST(TemplateLimitTest, DeepNestingIsAParseError) {
  std::string text;
  for (int i = 0; i < 500; ++i) text += "{{ if true }}";
  for (int i = 0; i < 500; ++i) text += "{{ end }}";
  EXPECT_EQ(Render(text),
            "ERROR: template: __alert_Test:1: max expression depth exceeded");
  std::string parens =
      "{{ " + std::string(500, '(') + "1" + std::string(500, ')') + " }}";
  EXPECT_EQ(Render(parens),
            "ERROR: template: __alert_Test:1: max expression depth exceeded");
}

TEST(TemplateLimitTest, ArbitraryBytesNeverCrash) {
  // Every prefix of a template that uses most of the grammar: each must
  // parse or fail cleanly.
  const std::string text =
      "{{- define \"x\" }}{{ range $i, $v := . }}{{ $v | printf \"%q\" }}"
      "{{ else }}{{ break }}{{ end }}{{ end -}}{{ with $labels }}{{ template "
      "\"x\" (args 1 'a' 0x1F 1e3 `r` nil true) }}{{ end }}{{/* c */}}";
  for (size_t n = 0; n <= text.size(); ++n) {
    std::string out =
        ExpandForAlert("p", text.substr(0, n), AlertData(), Options());
    (void)out;
  }
  SUCCEED();
}

// A million-iteration loop stops at the deadline: with a clock that moves
// a millisecond per reading, a one-second timeout allows about a thousand
// steps.
TEST(TemplateLimitTest, TimeIsBounded) {
  auto clock = std::make_shared<SteppingClock>();
  const std::string out =
      RenderWith("{{ range 1000000 }}x{{ end }}",
                 SteppingOptions(std::chrono::seconds(1), clock));
  EXPECT_THAT(out, StartsWith("ERROR: template: __alert_Test:1:"));
  EXPECT_THAT(out, EndsWith(": execution time exceeds the maximum of 1s"));
  EXPECT_LT(clock->now.time_since_epoch(), std::chrono::milliseconds(1100));
}

// A slow `query` counts toward the time: the step after it fails.
TEST(TemplateLimitTest, QueryTimeCounts) {
  ExpandOptions o = Options();
  auto now = std::make_shared<std::chrono::steady_clock::time_point>();
  o.monotonic_clock = [now] { return *now; };
  o.query = [now](std::string_view) {
    *now += std::chrono::seconds(11);
    return absl::StatusOr<std::vector<QuerySample>>(std::vector<QuerySample>{});
  };
  EXPECT_EQ(RenderWith("{{ $x := query \"up\" }}{{ $x }}", o),
            "ERROR: template: __alert_Test:1:137: executing \"__alert_Test\" "
            "at <{{$x}}>: execution time exceeds the maximum of 10s");
  // Without a deadline in reach the same template runs.
  o.timeout = std::chrono::hours(1);
  *now = {};
  EXPECT_EQ(RenderWith("{{ $x := query \"up\" }}{{ len $x }}", o), "0");
}

TEST(TemplateLimitTest, QueryCallsAreBounded) {
  ExpandOptions o = Options();
  auto calls = std::make_shared<int>(0);
  o.query = [calls](std::string_view) {
    ++*calls;
    return absl::StatusOr<std::vector<QuerySample>>(std::vector<QuerySample>{});
  };
  EXPECT_EQ(RenderWith("{{ range 1000 }}{{ $x := query \"up\" }}{{ end }}", o),
            "ERROR: template: __alert_Test:1:137: executing \"__alert_Test\" "
            "at <query \"up\">: error calling query: query calls exceed the "
            "maximum of 100");
  EXPECT_EQ(*calls, kDefaultMaxQueryCalls);
  o.max_query_calls = 2;
  EXPECT_EQ(RenderWith("{{ range 2 }}{{ len (query \"up\") }}{{ end }}", o),
            "00");
  EXPECT_THAT(RenderWith("{{ range 3 }}{{ len (query \"up\") }}{{ end }}", o),
              EndsWith("error calling query: query calls exceed the maximum "
                       "of 2"));
}

// fmt's limits, as Go applies them: a literal width with more than seven
// digits loses the rest of the format, a '*' argument beyond a million is
// a bad width; a million is allowed.
TEST(TemplateLimitTest, PrintfWidthsFollowGo) {
  EXPECT_EQ(Render("{{ printf \"%999999999d\" 1 }}"),
            "%!(NOVERB)%!(EXTRA int=1)");
  EXPECT_EQ(Render("{{ printf \"%*d\" 999999999 1 }}"), "%!(BADWIDTH)1");
  EXPECT_EQ(Render("{{ printf \"%*d\" -9223372036854775807 1 }}"),
            "%!(BADWIDTH)1");
  EXPECT_EQ(Render("{{ printf \"%0*d|\" -3 1 }}"), "1  |");
  EXPECT_EQ(Render("{{ printf \"%.*f\" -1 1.5 }}"), "%!(BADPREC)1.500000");
  EXPECT_EQ(Render("{{ printf \"%.*f\" 1.5 1.5 }}"), "%!(BADPREC)1.500000");
  EXPECT_EQ(Render("{{ printf \"%5.\" 1 }}"), "%!.(int=1)");
  EXPECT_EQ(Render("{{ len (printf \"%1000000d\" 1) }}"), "1000000");
}

// Values that never reach the output are bounded too: a string doubled in
// a loop, a wide printf, a replacement multiplied by its matches.
TEST(TemplateLimitTest, StringValuesAreBounded) {
  EXPECT_THAT(Render("{{ $x := \"ab\" }}{{ range 30 }}{{ $x = printf "
                     "\"%s%s\" $x $x }}{{ end }}"),
              EndsWith("error calling printf: result exceeds the maximum of "
                       "1048576 bytes"));
  EXPECT_THAT(Render("{{ $x := printf \"%2000000d\" 1 }}"),
              EndsWith("error calling printf: result exceeds the maximum of "
                       "1048576 bytes"));
  EXPECT_THAT(Render("{{ $x := printf \"%1000000d%1000000d%1000000d\" 1 2 3 "
                     "}}"),
              EndsWith("error calling printf: result exceeds the maximum of "
                       "1048576 bytes"));
  EXPECT_THAT(Render("{{ $x := reReplaceAll \"\" (printf \"%100000d\" 1) "
                     "(printf \"%1000d\" 1) }}"),
              EndsWith("error calling reReplaceAll: result exceeds the "
                       "maximum of 1048576 bytes"));
  EXPECT_THAT(Render("{{ $x := reReplaceAll \"(.+)\" (printf \"%s%s%s%s\" "
                     "\"$1\" \"$1\" \"$1\" \"$1\") (printf \"%500000d\" 1) "
                     "}}"),
              EndsWith("error calling reReplaceAll: result exceeds the "
                       "maximum of 1048576 bytes"));
}

// Searching a long text match by match can take quadratic time (here each
// search scans the rest of 100,000 spaces for a "c"); the deadline stops
// it.
TEST(TemplateLimitTest, QuadraticRegexpSearchIsBounded) {
  EXPECT_THAT(RenderWith("{{ reReplaceAll \" *c| \" \"x\" (printf \"%100000s\" "
                         "\"\") }}",
                         SteppingOptions(std::chrono::milliseconds(50),
                                         std::make_shared<SteppingClock>())),
              EndsWith("error calling reReplaceAll: execution time exceeds "
                       "the maximum of 50ms"));
}

// Nesting through template calls multiplies: 150 levels of {{if}} inside
// a template that calls itself 200 deep would be 30,000 levels, more C++
// frames than a thread's stack holds.
TEST(TemplateLimitTest, NestingThroughTemplateCallsIsBounded) {
  std::string text = "{{ define \"r\" }}";
  for (int i = 0; i < 150; ++i) text += "{{ if 1 }}";
  text += "{{ template \"r\" . }}";
  for (int i = 0; i < 150; ++i) text += "{{ end }}";
  text += "{{ end }}{{ template \"r\" . }}";
  EXPECT_THAT(Render(text),
              AllOf(StartsWith("ERROR: template: __alert_Test:1:"),
                    EndsWith(": exceeded maximum nesting depth (500)")));
  // 200 levels in one template and a call into another 200 are fine.
  std::string deep = "{{ define \"leaf\" }}";
  for (int i = 0; i < 199; ++i) deep += "{{ if 1 }}";
  deep += "x";
  for (int i = 0; i < 199; ++i) deep += "{{ end }}";
  deep += "{{ end }}";
  for (int i = 0; i < 199; ++i) deep += "{{ with 1 }}";
  deep += "{{ template \"leaf\" }}";
  for (int i = 0; i < 199; ++i) deep += "{{ end }}";
  EXPECT_EQ(Render(deep), "x");
}

}  // namespace
}  // namespace vigil::tmpl
