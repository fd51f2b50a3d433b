// Accept negotiation of /federate, as expfmt.Negotiate of Prometheus 3
// decides it: the format and the name escaping.
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
  return NegotiateFederate(accept).format;
}

// The Content-Type the negotiation gives.
std::string ContentType(std::string_view accept) {
  return FederateContentType(NegotiateFederate(accept));
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

// Accept header -> Content-Type, the cases of prometheus/common's
// TestNegotiate (default escaping underscores) and of Prometheus's
// federation tests.
TEST(FederateFormatTest, ContentTypeStatesTheEscaping) {
  const std::string proto =
      "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily";
  const std::string proto_type =
      "application/vnd.google.protobuf; "
      "proto=io.prometheus.client.MetricFamily; ";
  const struct {
    std::string accept;
    std::string content_type;
  } cases[] = {
      {"", "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"},
      {proto + ";encoding=delimited",
       proto_type + "encoding=delimited; escaping=underscores"},
      {proto + ";encoding=text",
       proto_type + "encoding=text; escaping=underscores"},
      {proto + ";encoding=compact-text",
       proto_type + "encoding=compact-text; escaping=underscores"},
      {"text/plain;version=0.0.4",
       "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"},
      {proto + ";encoding=delimited; escaping=allow-utf-8;",
       proto_type + "encoding=delimited; escaping=allow-utf-8"},
      {proto + ";encoding=text; escaping=allow-utf-8;",
       proto_type + "encoding=text; escaping=allow-utf-8"},
      {proto + ";encoding=compact-text; escaping=allow-utf-8;",
       proto_type + "encoding=compact-text; escaping=allow-utf-8"},
      {"text/plain;version=0.0.4;",
       "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"},
      {"text/plain;version=0.0.4; escaping=values;",
       "text/plain; version=0.0.4; charset=utf-8; escaping=values"},
      {"text/plain;escaping=dots",
       "text/plain; version=0.0.4; charset=utf-8; escaping=dots"},
      {"text/plain;version=0.0.4;escaping=allow-utf-8",
       "text/plain; version=0.0.4; charset=utf-8; escaping=allow-utf-8"},
      // OpenMetrics is never negotiated: its range is passed over.
      {"application/openmetrics-text;version=1.0.0;escaping=allow-utf-8,"
       "text/plain;version=0.0.4;q=0.5",
       // expfmt reads the escaping of every range it looks at.
       "text/plain; version=0.0.4; charset=utf-8; escaping=allow-utf-8"},
      {"application/openmetrics-text;version=1.0.0",
       "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"},
      // What Prometheus 3 sends with UTF-8 names allowed.
      {proto + ";encoding=delimited;escaping=allow-utf-8;q=0.6,"
               "application/openmetrics-text;version=1.0.0;"
               "escaping=allow-utf-8;q=0.5,"
               "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
               "text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
       proto_type + "encoding=delimited; escaping=allow-utf-8"},
      {"application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
       "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
       "text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
       "text/plain; version=0.0.4; charset=utf-8; escaping=allow-utf-8"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ContentType(c.accept), c.content_type) << c.accept;
  }
}

TEST(FederateFormatTest, EscapingQuirksOfExpfmt) {
  // An unknown scheme is ignored, a later known one wins.
  EXPECT_EQ(NegotiateFederate("text/plain;escaping=utf-8").escaping,
            NameEscaping::kUnderscores);
  EXPECT_EQ(
      NegotiateFederate("text/plain;escaping=dots;escaping=values").escaping,
      NameEscaping::kValues);
  // Ranges after the chosen one do not count.
  EXPECT_EQ(
      NegotiateFederate(Cat({kDelimited, ",text/plain;escaping=values;q=0.5"}))
          .escaping,
      NameEscaping::kUnderscores);
  // A range passed over keeps its scheme unless a later one names another.
  EXPECT_EQ(NegotiateFederate("application/json;escaping=dots,"
                              "text/html;escaping=bogus,text/plain")
                .escaping,
            NameEscaping::kDots);
  // No format matched at all: the text format with the last scheme seen.
  const FederateEncoding none =
      NegotiateFederate("application/json;escaping=allow-utf-8");
  EXPECT_EQ(none.format, FederateFormat::kText);
  EXPECT_EQ(none.escaping, NameEscaping::kAllowUtf8);
}

TEST(FederateFormatTest, ContentTypesAreExpfmtFormats) {
  EXPECT_EQ(FederateContentType(
                {FederateFormat::kProtoDelimited, NameEscaping::kValues}),
            "application/vnd.google.protobuf; "
            "proto=io.prometheus.client.MetricFamily; encoding=delimited; "
            "escaping=values");
  EXPECT_EQ(
      FederateContentType({FederateFormat::kProtoText, NameEscaping::kDots}),
      "application/vnd.google.protobuf; "
      "proto=io.prometheus.client.MetricFamily; encoding=text; escaping=dots");
  EXPECT_EQ(FederateContentType(
                {FederateFormat::kProtoCompact, NameEscaping::kUnderscores}),
            "application/vnd.google.protobuf; "
            "proto=io.prometheus.client.MetricFamily; encoding=compact-text; "
            "escaping=underscores");
  EXPECT_EQ(
      FederateContentType({FederateFormat::kText, NameEscaping::kAllowUtf8}),
      "text/plain; version=0.0.4; charset=utf-8; escaping=allow-utf-8");
}

}  // namespace
}  // namespace vigil::api
