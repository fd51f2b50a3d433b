// Prometheus 3's name escaping schemes, as prometheus/common's EscapeName
// and the encoders' EscapeMetricFamily apply them.
#include "lib/model/name_escaping.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace vigil {
namespace {

struct Case {
  std::string_view name;
  std::string_view underscores;
  std::string_view dots;
  std::string_view values;
};

TEST(NameEscapingTest, EachSchemeAsEscapeName) {
  const Case cases[] = {
      // Legal names: untouched, but for dots' doubled underscores.
      {"http_requests_total", "http_requests_total", "http__requests__total",
       "http_requests_total"},
      {"job:rate5m", "job:rate5m", "job:rate5m", "job:rate5m"},
      {"", "", "", ""},
      // Dots.
      {"my.metric", "my_metric", "my_dot_metric", "U__my_2e_metric"},
      {"foo.bar_baz", "foo_bar_baz", "foo_dot_bar__baz", "U__foo_2e_bar__baz"},
      // A leading digit is illegal only in front.
      {"0xff", "_xff", "__xff", "U___30_xff"},
      {"a0", "a0", "a0", "a0"},
      // UTF-8: one escape per character, not per byte.
      {"temp°C", "temp_C", "temp__C", "U__temp_b0_C"},
      {"ünïcödé", "_n_c_d_", "__n__c__d__", "U___fc_n_ef_c_f6_d_e9_"},
      {"📈", "_", "__", "U___1f4c8_"},
      {"a b-c", "a_b_c", "a__b__c", "U__a_20_b_2d_c"},
      // An invalid byte ranges as one U+FFFD.
      {"a\xff"
       "b",
       "a_b", "a__b", "U__a_fffd_b"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.name));
    EXPECT_EQ(EscapeName(c.name, NameEscaping::kAllowUtf8), c.name);
    EXPECT_EQ(EscapeName(c.name, NameEscaping::kUnderscores), c.underscores);
    EXPECT_EQ(EscapeName(c.name, NameEscaping::kDots), c.dots);
    EXPECT_EQ(EscapeName(c.name, NameEscaping::kValues), c.values);
  }
}

TEST(NameEscapingTest, ExpositionLeavesLegacyMetricNamesAlone) {
  std::string scratch;
  // Unlike EscapeName, dots do not double a legal name's underscores.
  EXPECT_EQ(ExpositionName("a_b", NameEscaping::kDots, &scratch), "a_b");
  // Label names are held to the metric name rule too, so a colon stays.
  EXPECT_EQ(ExpositionName("a:b", NameEscaping::kValues, &scratch), "a:b");
  EXPECT_EQ(ExpositionName("a.b_c", NameEscaping::kDots, &scratch),
            "a_dot_b__c");
  EXPECT_EQ(ExpositionName("a.b", NameEscaping::kAllowUtf8, &scratch), "a.b");
  EXPECT_EQ(ExpositionName("a.b", NameEscaping::kUnderscores, &scratch), "a_b");
}

TEST(NameEscapingTest, ParameterValues) {
  for (NameEscaping s : {NameEscaping::kAllowUtf8, NameEscaping::kUnderscores,
                         NameEscaping::kDots, NameEscaping::kValues}) {
    EXPECT_EQ(ParseNameEscaping(NameEscapingParam(s)), s);
  }
  EXPECT_EQ(NameEscapingParam(NameEscaping::kAllowUtf8), "allow-utf-8");
  EXPECT_EQ(NameEscapingParam(NameEscaping::kValues), "values");
  EXPECT_EQ(ParseNameEscaping("Underscores"), std::nullopt);
  EXPECT_EQ(ParseNameEscaping("utf-8"), std::nullopt);
  EXPECT_EQ(ParseNameEscaping(""), std::nullopt);
  EXPECT_EQ(kDefaultNameEscaping, NameEscaping::kUnderscores);
}

}  // namespace
}  // namespace vigil
