// Go's time.Parse(time.RFC3339Nano, s) by example: what Prometheus's API
// and promtool accept as a time, checked against Prometheus where noted.
#include "lib/model/go_time.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace vigil {
namespace {

constexpr int64_t k2024 = 1704067200000;  // 2024-01-01T00:00:00Z

TEST(GoTimeTest, Accepts) {
  EXPECT_EQ(ParseRfc3339Ms("2024-01-01T00:00:00Z"), k2024);
  EXPECT_EQ(ParseRfc3339Ms("2024-01-01T00:00:00.123456789Z"), k2024 + 123);
  EXPECT_EQ(ParseRfc3339Ms("2024-01-01T01:00:00+01:00"), k2024);
  EXPECT_EQ(ParseRfc3339Ms("2023-12-31T23:30:00-00:30"), k2024);
  EXPECT_EQ(ParseRfc3339Ms("2024-02-29T00:00:00Z"), k2024 + 59 * 86400000LL);
  // Past the nanoseconds, digits are read and dropped.
  EXPECT_EQ(ParseRfc3339Ms("2024-01-01T00:00:00.1234567891Z"), k2024 + 123);
  // Before 1970 the milliseconds round down, as timestamp.FromTime's do.
  EXPECT_EQ(ParseRfc3339Ms("1969-12-31T23:59:59.9995Z"), -1);
  EXPECT_EQ(ParseRfc3339Ms("0000-01-01T00:00:00Z"), -62167219200000);
  EXPECT_EQ(ParseRfc3339Ms("9999-12-31T23:59:59.999999999Z"), 253402300799999);
  // Go's general parser is laxer than RFC 3339 (Prometheus 2.42 agrees):
  // a one-digit hour, a comma before the fraction, an offset of 24 hours
  // or 60 minutes.
  EXPECT_EQ(ParseRfc3339Ms("2024-01-01T1:00:00Z"), k2024 + 3600000);
  EXPECT_EQ(ParseRfc3339Ms("2024-01-01T00:00:00,5Z"), k2024 + 500);
  EXPECT_EQ(ParseRfc3339Ms("2024-01-01T00:00:00+24:00"), k2024 - 86400000);
  EXPECT_EQ(ParseRfc3339Ms("2024-01-01T00:00:00+00:60"), k2024 - 3600000);
}

TEST(GoTimeTest, Rejects) {
  for (const char* s : {
           // Years of four digits only: absl read these (one saturated).
           "292278025-08-18T07:12:54.999999999Z",
           "12345-01-01T00:00:00Z",
           "+202-01-01T00:00:00Z",
           "-001-01-01T00:00:00Z",
           // Exact letters and no spaces around.
           "2024-01-01t00:00:00Z",
           "2024-01-01T00:00:00z",
           " 2024-01-01T00:00:00Z",
           "2024-01-01T00:00:00Z ",
           // Ranges.
           "2023-02-29T00:00:00Z",
           "2024-13-01T00:00:00Z",
           "2024-01-00T00:00:00Z",
           "2024-01-01T24:00:00Z",
           "2024-01-01T00:60:00Z",
           "2024-01-01T00:00:60Z",
           "2024-01-01T00:00:00+25:00",
           "2024-01-01T00:00:00+00:61",
           // Shapes.
           "2024-1-01T00:00:00Z",
           "2024-01-01T00:00:00",
           "2024-01-01T00:00:00+0100",
           "2024-01-01T00:00:00+1:00",
           "2024-01-01T00:00:00.Z",
           "2024-01-01",
           "",
       }) {
    EXPECT_EQ(ParseRfc3339Ms(s), std::nullopt) << s;
  }
}

}  // namespace
}  // namespace vigil
