// Accept negotiation of /federate, as expfmt.Negotiate decides it.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>

#include "lib/api/federate_format.h"

namespace vigil::api {
namespace {

constexpr const char* kDelimited =
    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
    "encoding=delimited";

FederateFormat Negotiate(std::string_view accept) {
  return NegotiateFederateFormat(accept);
}

// Concatenation without operator+ on temporaries (GCC 12 warns falsely on
// those).
std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out.append(p);
  return out;
}

TEST(FederateFormatTest, ProtobufWhenAcceptedInAnyEncoding) {
  EXPECT_EQ(Negotiate(kDelimited), FederateFormat::kProtoDelimited);
  EXPECT_EQ(Negotiate("application/vnd.google.protobuf; "
                      "proto=io.prometheus.client.MetricFamily; encoding=text"),
            FederateFormat::kProtoText);
  EXPECT_EQ(Negotiate("application/vnd.google.protobuf;"
                      "proto=io.prometheus.client.MetricFamily;"
                      "encoding=compact-text"),
            FederateFormat::kProtoCompact);
}

TEST(FederateFormatTest, WhatPrometheusScrapersSend) {
  // 2.42 with --enable-feature=native-histograms.
  EXPECT_EQ(Negotiate(Cat({kDelimited,
                           ",application/openmetrics-text;version=1.0.0;q=0.8,"
                           "application/openmetrics-text;version=0.0.1;q=0.75,"
                           "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"})),
            FederateFormat::kProtoDelimited);
  // 2.42 without it: OpenMetrics is never offered, the text format is.
  EXPECT_EQ(Negotiate("application/openmetrics-text;version=1.0.0,"
                      "application/openmetrics-text;version=0.0.1;q=0.75,"
                      "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
            FederateFormat::kText);
}

TEST(FederateFormatTest, HigherQualityWinsWhateverTheOrder) {
  EXPECT_EQ(
      Negotiate(Cat({"text/plain;version=0.0.4;q=0.3,", kDelimited, ";q=0.7"})),
      FederateFormat::kProtoDelimited);
  EXPECT_EQ(
      Negotiate(Cat({kDelimited, ";q=0.3,text/plain;version=0.0.4;q=0.7"})),
      FederateFormat::kText);
  // Equal quality: the header's order stands.
  EXPECT_EQ(Negotiate(Cat({"text/plain,", kDelimited})), FederateFormat::kText);
  EXPECT_EQ(Negotiate(Cat({kDelimited, ",text/plain"})),
            FederateFormat::kProtoDelimited);
}

TEST(FederateFormatTest, QualityQuirksOfGoautoneg) {
  // A malformed q reads as 0 (the value is not trimmed).
  EXPECT_EQ(
      Negotiate(Cat({kDelimited, ";q= 0.9,text/plain;version=0.0.4;q=0.1"})),
      FederateFormat::kText);
  EXPECT_EQ(Negotiate(Cat({kDelimited, ";q=high,text/plain;q=0.1"})),
            FederateFormat::kText);
  // q=0 does not refuse a type; it only sorts it last.
  EXPECT_EQ(Negotiate(Cat({kDelimited, ";q=0"})),
            FederateFormat::kProtoDelimited);
}

TEST(FederateFormatTest, TextFallbackForAnythingElse) {
  EXPECT_EQ(Negotiate(""), FederateFormat::kText);
  EXPECT_EQ(Negotiate("*/*"), FederateFormat::kText);
  EXPECT_EQ(Negotiate("application/json"), FederateFormat::kText);
  EXPECT_EQ(Negotiate(",,;;==//\x01\xff garbage;q"), FederateFormat::kText);
  // Protobuf without the MetricFamily protocol, or an unknown encoding.
  EXPECT_EQ(Negotiate("application/vnd.google.protobuf;encoding=delimited"),
            FederateFormat::kText);
  EXPECT_EQ(Negotiate("application/vnd.google.protobuf;"
                      "proto=io.prometheus.client.MetricFamily;encoding=json"),
            FederateFormat::kText);
  // Another text version is skipped, not taken.
  EXPECT_EQ(Negotiate(Cat({"text/plain;version=1.0.0,", kDelimited, ";q=0.5"})),
            FederateFormat::kProtoDelimited);
}

TEST(FederateFormatTest, ContentTypesAreExpfmtFormats) {
  EXPECT_EQ(FederateContentType(FederateFormat::kProtoDelimited),
            "application/vnd.google.protobuf; "
            "proto=io.prometheus.client.MetricFamily; encoding=delimited");
  EXPECT_EQ(FederateContentType(FederateFormat::kProtoText),
            "application/vnd.google.protobuf; "
            "proto=io.prometheus.client.MetricFamily; encoding=text");
  EXPECT_EQ(FederateContentType(FederateFormat::kProtoCompact),
            "application/vnd.google.protobuf; "
            "proto=io.prometheus.client.MetricFamily; encoding=compact-text");
  EXPECT_EQ(FederateContentType(FederateFormat::kText),
            "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace
}  // namespace vigil::api
