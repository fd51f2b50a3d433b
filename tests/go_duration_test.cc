// Go's time.ParseDuration, case by case against what Go returns.
#include "lib/model/go_duration.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace vigil {
namespace {

int64_t Nanos(std::string_view text) {
  absl::StatusOr<int64_t> d = ParseGoDuration(text);
  EXPECT_TRUE(d.ok()) << text << ": " << d.status();
  return d.value_or(-1);
}

std::string Error(std::string_view text) {
  return std::string(ParseGoDuration(text).status().message());
}

TEST(GoDurationTest, ParsesAsTimeParseDuration) {
  EXPECT_EQ(Nanos("0"), 0);
  EXPECT_EQ(Nanos("-0"), 0);
  EXPECT_EQ(Nanos("1s"), 1'000'000'000);
  EXPECT_EQ(Nanos("1.5s"), 1'500'000'000);
  EXPECT_EQ(Nanos("500us"), 500'000);
  EXPECT_EQ(Nanos("500\xC2\xB5s"), 500'000);  // micro sign
  EXPECT_EQ(Nanos("500\xCE\xBCs"), 500'000);  // Greek mu
  EXPECT_EQ(Nanos("3ns"), 3);
  EXPECT_EQ(Nanos("1h2m"), 3'720'000'000'000);
  EXPECT_EQ(Nanos("2m1h"), 3'720'000'000'000);  // any order, unlike model
  EXPECT_EQ(Nanos("1s1s"), 2'000'000'000);      // repeats add up
  EXPECT_EQ(Nanos("-1.5h"), -5'400'000'000'000);
  EXPECT_EQ(Nanos("+5m"), 300'000'000'000);
  EXPECT_EQ(Nanos(".5s"), 500'000'000);
  EXPECT_EQ(Nanos("5.s"), 5'000'000'000);
  EXPECT_EQ(Nanos("0.3333333333333333333h"), 1'200'000'000'000);
  EXPECT_EQ(Nanos("9223372036854775807ns"),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(Nanos("-9223372036854775808ns"),
            std::numeric_limits<int64_t>::min());
}

TEST(GoDurationTest, ErrorsAreGos) {
  EXPECT_EQ(Error(""), "time: invalid duration \"\"");
  EXPECT_EQ(Error("x"), "time: invalid duration \"x\"");
  EXPECT_EQ(Error("-"), "time: invalid duration \"-\"");
  EXPECT_EQ(Error(".s"), "time: invalid duration \".s\"");
  EXPECT_EQ(Error("1"), "time: missing unit in duration \"1\"");
  EXPECT_EQ(Error("1d"), "time: unknown unit \"d\" in duration \"1d\"");
  EXPECT_EQ(Error("1s2"), "time: missing unit in duration \"1s2\"");
  EXPECT_EQ(Error("9223372036854775808ns"),
            "time: invalid duration \"9223372036854775808ns\"");
  EXPECT_EQ(Error("3000000h"), "time: invalid duration \"3000000h\"");
  EXPECT_EQ(Error("99999999999999999999s"),
            "time: invalid duration \"99999999999999999999s\"");
  // The time package's quoting: \x escapes, not strconv.Quote's.
  EXPECT_EQ(Error("1\xC3\xA9"),
            "time: unknown unit \"\\xc3\\xa9\" in duration \"1\\xc3\\xa9\"");
  EXPECT_EQ(Error("\"s"), "time: invalid duration \"\\\"s\"");
}

}  // namespace
}  // namespace vigil
