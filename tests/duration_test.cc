#include "lib/model/duration.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

namespace vigil {
namespace {

TEST(DurationTest, ParsesPrometheusNotation) {
  EXPECT_EQ(*ParseDurationMs("0"), 0);
  EXPECT_EQ(*ParseDurationMs("5m"), 300000);
  EXPECT_EQ(*ParseDurationMs("1h30m"), 5400000);
  EXPECT_EQ(*ParseDurationMs("1d"), 86400000);
  EXPECT_EQ(*ParseDurationMs("1w2d"), 9 * 86400000LL);
  EXPECT_EQ(*ParseDurationMs("1y"), 365 * 86400000LL);
  EXPECT_EQ(*ParseDurationMs("1s500ms"), 1500);
  EXPECT_EQ(*ParseDurationMs("2m1ms"), 120001);
}

TEST(DurationTest, RejectsWhatModelParseDurationRejects) {
  for (const char* bad : {"", "5", "m", "1m1h", "1.5m", "-1m", "5mm", "1x",
                          "1h 30m", "99999999999999999999s"}) {
    EXPECT_FALSE(ParseDurationMs(bad).ok()) << bad;
  }
  EXPECT_EQ(ParseDurationMs("1x").status().message(),
            "not a valid duration string: \"1x\"");
}

// model.Duration holds nanoseconds in an int64: 292y fits, 293y does not.
// promtool 2.42 draws the same lines (for: 293y, 106752d, 2562048h fail).
TEST(DurationTest, RangeIsTimeDurations) {
  EXPECT_EQ(*ParseDurationMs("292y"), 292 * 365 * 86400000LL);
  EXPECT_EQ(*ParseDurationMs("106751d"), 106751 * 86400000LL);
  EXPECT_EQ(*ParseDurationMs("2562047h"), 2562047 * 3600000LL);
  EXPECT_EQ(*ParseDurationMs("9223372036854ms"), 9223372036854LL);
  for (const char* big :
       {"293y", "106752d", "2562048h", "9223372036855ms", "292y30w"}) {
    EXPECT_EQ(ParseDurationMs(big).status().message(),
              absl::StrCat("duration out of range: \"", big, "\""))
        << big;
  }
}

TEST(DurationTest, FormatsAsModelDurationString) {
  EXPECT_EQ(FormatDurationMs(0), "0s");
  EXPECT_EQ(FormatDurationMs(90000), "1m30s");
  EXPECT_EQ(FormatDurationMs(1500), "1s500ms");
  EXPECT_EQ(FormatDurationMs(86400000LL * 8), "8d");
  EXPECT_EQ(FormatDurationMs(86400000LL * 14), "2w");
  EXPECT_EQ(FormatDurationMs(86400000LL * 365), "1y");
  EXPECT_EQ(FormatDurationMs(3600000), "1h");
}

}  // namespace
}  // namespace vigil
