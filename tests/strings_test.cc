#include "lib/model/strings.h"

#include <gtest/gtest.h>

#include "lib/model/go_quote.h"
#include "lib/model/url_escape.h"
#include "lib/model/utf8.h"

namespace vigil {
namespace {

TEST(StringsTest, LegacyNames) {
  EXPECT_TRUE(IsLegacyMetricName("kube_pod:rate5m"));
  EXPECT_FALSE(IsLegacyMetricName("1abc"));
  EXPECT_FALSE(IsLegacyMetricName(""));
  EXPECT_TRUE(IsLegacyLabelName("_a1"));
  EXPECT_FALSE(IsLegacyLabelName("a:b"));
  EXPECT_FALSE(IsLegacyLabelName("a.b"));
}

TEST(StringsTest, QuoteLikeGoStrconvQuote) {
  EXPECT_EQ(QuoteString("plain"), "\"plain\"");
  EXPECT_EQ(QuoteString("a\tb\\c\"d"), R"("a\tb\\c\"d")");
  EXPECT_EQ(QuoteString(std::string("\x01", 1)), R"("\x01")");
  EXPECT_EQ(QuoteString("\xe2\x82\xac"), "\"\xe2\x82\xac\"");  // € kept
  EXPECT_EQ(QuoteString("\xff"), R"("\xff")");  // invalid UTF-8 escaped
}

TEST(StringsTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("h\xc3\xa9llo"));
  EXPECT_FALSE(IsValidUtf8("a\xc5z"));
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));  // surrogate
}

TEST(StringsTest, QueryEscapeLikeGo) {
  EXPECT_EQ(QueryEscape("rate(x[5m]) > 0"), "rate%28x%5B5m%5D%29+%3E+0");
  EXPECT_EQ(QueryEscape("a-b_c.d~e"), "a-b_c.d~e");
  EXPECT_EQ(QueryEscape("\xc3\xa9"), "%C3%A9");
}

}  // namespace
}  // namespace vigil
