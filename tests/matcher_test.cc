#include "vigil/matcher.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

Matcher Must(MatchType t, std::string name, std::string value) {
  auto m = Matcher::Create(t, std::move(name), std::move(value));
  EXPECT_TRUE(m.ok()) << m.status();
  return *m;
}

TEST(MatcherTest, EqualityMatchers) {
  auto eq = Must(MatchType::kEqual, "job", "api");
  EXPECT_TRUE(eq.Matches("api"));
  EXPECT_FALSE(eq.Matches("api2"));
  auto ne = Must(MatchType::kNotEqual, "job", "");
  EXPECT_TRUE(ne.Matches("x"));
  EXPECT_FALSE(ne.Matches(""));
}

TEST(MatcherTest, RegexIsFullyAnchored) {
  auto re = Must(MatchType::kRegexMatch, "job", "api|web");
  EXPECT_TRUE(re.Matches("api"));
  EXPECT_TRUE(re.Matches("web"));
  EXPECT_FALSE(re.Matches("api-server"));
  EXPECT_FALSE(re.Matches("xweb"));
  auto nre = Must(MatchType::kRegexNoMatch, "job", "a.*");
  EXPECT_FALSE(nre.Matches("abc"));
  EXPECT_TRUE(nre.Matches("bca"));
}

TEST(MatcherTest, DotMatchesNewlineAsInPrometheus3) {
  auto re = Must(MatchType::kRegexMatch, "x", "a.b");
  EXPECT_TRUE(re.Matches("a\nb"));
}

TEST(MatcherTest, BadRegexIsAnError) {
  auto m = Matcher::Create(MatchType::kRegexMatch, "x", "(");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("error parsing regexp"),
            std::string::npos);
}

TEST(MatcherTest, ToString) {
  EXPECT_EQ(Must(MatchType::kRegexNoMatch, "job", "a\"b").ToString(),
            R"(job!~"a\"b")");
  EXPECT_EQ(Must(MatchType::kEqual, "a.b", "x").ToString(), R"("a.b"="x")");
}

TEST(MatcherTest, CopiesShareTheCompiledPattern) {
  auto a = Must(MatchType::kRegexMatch, "x", "foo.*");
  Matcher b = a;
  EXPECT_TRUE(b.Matches("foobar"));
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace vigil
