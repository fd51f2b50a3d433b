// lib/model's Go-compatible text: what each helper prints, with the Go
// output it mirrors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "lib/model/go_float.h"
#include "lib/model/go_quote.h"
#include "lib/model/label_text.h"
#include "lib/model/utf8.h"

namespace vigil {
namespace {

TEST(Utf8Test, DecodeRuneTellsRuneErrorFromInvalidBytes) {
  int width = 0;
  EXPECT_EQ(DecodeRune("\xc3\xa9", 0, &width), 0xE9);
  EXPECT_EQ(width, 2);
  EXPECT_EQ(DecodeRune("\xef\xbf\xbd", 0, &width), kRuneError);
  EXPECT_EQ(width, 3);  // a genuine U+FFFD
  EXPECT_EQ(DecodeRune("\xc0\x80", 0, &width), kRuneError);
  EXPECT_EQ(width, 1);  // overlong
  EXPECT_EQ(DecodeRune("\xe2\x82", 0, &width), kRuneError);
  EXPECT_EQ(width, 1);  // truncated
}

TEST(Utf8Test, AppendRuneWritesUtf8) {
  std::string out;
  AppendRune(0x20AC, &out);
  AppendRune(0x1F600, &out);
  EXPECT_EQ(out, "\xe2\x82\xac\xf0\x9f\x98\x80");
}

TEST(GoQuoteTest, QuoteRuneLikeGo) {
  EXPECT_EQ(QuoteRune('x'), "'x'");
  EXPECT_EQ(QuoteRune('\''), R"('\'')");
  EXPECT_EQ(QuoteRune('"'), R"('"')");  // only the rune's own quote escaped
  EXPECT_EQ(QuoteRune('\n'), R"('\n')");
  EXPECT_EQ(QuoteRune(0x85), R"('\u0085')");
  EXPECT_EQ(QuoteRune(-1), "'\xef\xbf\xbd'");  // not a rune: U+FFFD
  EXPECT_EQ(QuoteString("'"), R"("'")");
}

TEST(GoQuoteTest, FormatRuneULikeGoSharpU) {
  EXPECT_EQ(FormatRuneU('c'), "U+0063 'c'");
  EXPECT_EQ(FormatRuneU('\n'), "U+000A");
}

TEST(GoFloatTest, FormatFloatLikeStrconv) {
  EXPECT_EQ(GoFormatFloat(1e6), "1e+06");
  EXPECT_EQ(GoFormatFloat(123456), "123456");
  EXPECT_EQ(GoFormatFloat(-0.0), "-0");
  EXPECT_EQ(GoFormatFloat(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(GoFormatFloat(std::nan("")), "NaN");
  EXPECT_EQ(GoFormatFloat(1.5e-7, 'e', -1), "1.5e-07");
  EXPECT_EQ(GoFormatFloat(0.125, 'f', 2), "0.12");  // ties to even
  EXPECT_EQ(GoFormatFloat(1e23, 'f', -1), "100000000000000000000000");
}

// strconv.FormatFloat(v, 'f', -1, 64): shortest digits, zero padded.
TEST(GoFloatTest, ShortestFixedPadsTheShortestDigits) {
  const auto fixed = [](double v) {
    std::string out;
    AppendShortestFixed(v, &out);
    return out;
  };
  EXPECT_EQ(fixed(0.1), "0.1");
  EXPECT_EQ(fixed(1e23), "100000000000000000000000");
  EXPECT_EQ(fixed(4157438965351694336.0), "4157438965351694300");
  EXPECT_EQ(fixed(9007199254740993.0), "9007199254740992");  // 2^53 + 1
  EXPECT_EQ(fixed(1e-10), "0.0000000001");
  EXPECT_EQ(fixed(-0.0), "-0");
  EXPECT_EQ(fixed(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(fixed(std::nan("")), "NaN");
}

TEST(LabelTextTest, GoLabelsString) {
  const Labels ls = Labels::FromStrings({"__name__", "up", "a.b", "x\"y"});
  EXPECT_EQ(GoLabelsString(ls), R"({__name__="up", "a.b"="x\"y"})");
  EXPECT_EQ(GoLabelsString(Labels()), "{}");
  EXPECT_EQ(LabelNameText("job"), "job");
}

}  // namespace
}  // namespace vigil
