// Typed scalars and merge keys decoded as Go's yaml.v2/v3 decode them into
// Prometheus's int, uint64, float64 and bool fields.
#include "lib/yaml/yaml_decode.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>

#include "absl/strings/str_cat.h"

namespace vigil::yamlcfg {
namespace {

// One scalar as the value of key "v", so errors carry a position.
YAML::Node Value(const std::string& text) {
  auto doc = LoadDocument("v: " + text + "\n", "f.yml");
  EXPECT_TRUE(doc.ok()) << doc.status();
  return doc.ok() ? (*doc)["v"] : YAML::Node();
}

// The decoded value as text, or the error message.
template <typename T, typename Decode>
std::string Decoded(Decode decode, const std::string& text) {
  absl::StatusOr<T> v = decode("f.yml", Value(text));
  if (!v.ok()) return std::string(v.status().message());
  if constexpr (std::is_same_v<T, bool>) return *v ? "true" : "false";
  if constexpr (std::is_same_v<T, double>) {
    if (std::isnan(*v)) return "NaN";
    if (std::isinf(*v)) return *v > 0 ? "+Inf" : "-Inf";
  }
  return std::to_string(*v);
}

struct Case {
  std::string in;
  std::string want;
};

template <typename T, typename Decode, size_t N>
void ExpectTable(Decode decode, const Case (&cases)[N]) {
  for (const Case& c : cases) {
    EXPECT_EQ(Decoded<T>(decode, c.in), c.want) << c.in;
  }
}

// The decoders with their default Go type names.
absl::StatusOr<int64_t> Int(std::string_view f, const YAML::Node& n) {
  return DecodeInt64(f, n);
}
absl::StatusOr<uint64_t> Uint(std::string_view f, const YAML::Node& n) {
  return DecodeUint(f, n);
}
absl::StatusOr<double> Float(std::string_view f, const YAML::Node& n) {
  return DecodeFloat(f, n);
}

TEST(YamlDecodeTest, Int) {
  const Case cases[] = {
      {"10", "10"},
      {"+1", "1"},
      {"-1", "-1"},
      {"0", "0"},
      {"1_000", "1000"},
      {"0x1F", "31"},
      {"0X1f", "31"},
      {"-0x10", "-16"},
      {"0o17", "15"},
      {"017", "15"},  // YAML 1.1 octal
      {"0b110", "6"},
      {"-0b110", "-6"},
      {"08", "8"},  // not octal: Go falls back to the float 8
      {"1e3", "1000"},
      {"1.9", "1"},  // Go truncates floats into ints
      {"-1.9", "-1"},
      {"9223372036854775807", "9223372036854775807"},
      {"-9223372036854775808", "-9223372036854775808"},
      {"~", "0"},
      {"", "0"},
      {"9223372036854775808",
       "f.yml:1:4: cannot unmarshal !!int `9223372...` into int"},
      {"1e19", "f.yml:1:4: cannot unmarshal !!float `1e19` into int"},
      {".inf", "f.yml:1:4: cannot unmarshal !!float `.inf` into int"},
      {".nan", "f.yml:1:4: cannot unmarshal !!float `.nan` into int"},
      {"0o8", "f.yml:1:4: cannot unmarshal !!str `0o8` into int"},
      {"0x", "f.yml:1:4: cannot unmarshal !!str `0x` into int"},
      {"ten", "f.yml:1:4: cannot unmarshal !!str `ten` into int"},
      {"'10'", "f.yml:1:4: cannot unmarshal !!str `10` into int"},
      {"yes", "f.yml:1:4: cannot unmarshal !!bool `yes` into int"},
      {"2001-12-14",
       "f.yml:1:4: cannot unmarshal !!timestamp `2001-12-14` "
       "into int"},
      {"[1]", "f.yml:1:4: cannot unmarshal !!seq into int"},
  };
  ExpectTable<int64_t>(Int, cases);
}

TEST(YamlDecodeTest, Uint) {
  const Case cases[] = {
      {"10", "10"},
      {"+1", "1"},
      {"1_000", "1000"},
      {"0x1F", "31"},
      {"0o17", "15"},
      {"017", "15"},
      {"0b110", "6"},
      {"1e3", "1000"},
      {"2.5", "2"},
      {"18446744073709551615", "18446744073709551615"},
      {"~", "0"},
      {"-1", "f.yml:1:4: cannot unmarshal !!int `-1` into uint64"},
      {"-0.5", "0"},
      {"-1.0", "f.yml:1:4: cannot unmarshal !!float `-1.0` into uint64"},
      {"18446744073709551616",
       "f.yml:1:4: cannot unmarshal !!float `1844674...` into "
       "uint64"},
      {"+18446744073709551615",
       "f.yml:1:4: cannot unmarshal !!float `+184467...` into "
       "uint64"},
      {"1k", "f.yml:1:4: cannot unmarshal !!str `1k` into uint64"},
      {"true", "f.yml:1:4: cannot unmarshal !!bool `true` into uint64"},
      {"{a: 1}", "f.yml:1:4: cannot unmarshal !!map into uint64"},
  };
  ExpectTable<uint64_t>(Uint, cases);
}

TEST(YamlDecodeTest, Float) {
  const Case cases[] = {
      {"1.5", "1.500000"},
      {"1e3", "1000.000000"},
      {"1E-1", "0.100000"},
      {".5", "0.500000"},
      {"-.5", "-0.500000"},
      {"5.", "5.000000"},
      {"1_000.5", "1000.500000"},
      {"7", "7.000000"},
      {"0x10", "16.000000"},
      {"017", "15.000000"},
      {"18446744073709551615", "18446744073709551616.000000"},
      {".inf", "+Inf"},
      {".Inf", "+Inf"},
      {"+.INF", "+Inf"},
      {"-.Inf", "-Inf"},
      {"-.inf", "-Inf"},
      {".nan", "NaN"},
      {".NaN", "NaN"},
      {".NAN", "NaN"},
      {"~", "0.000000"},
      {".iNf", "f.yml:1:4: cannot unmarshal !!str `.iNf` into float64"},
      {"inf", "f.yml:1:4: cannot unmarshal !!str `inf` into float64"},
      {"NaN", "f.yml:1:4: cannot unmarshal !!str `NaN` into float64"},
      {"1e400", "f.yml:1:4: cannot unmarshal !!str `1e400` into float64"},
      {"0x1p3", "f.yml:1:4: cannot unmarshal !!str `0x1p3` into float64"},
      {"'1.5'", "f.yml:1:4: cannot unmarshal !!str `1.5` into float64"},
      {"no", "f.yml:1:4: cannot unmarshal !!bool `no` into float64"},
  };
  ExpectTable<double>(Float, cases);
}

TEST(YamlDecodeTest, Bool) {
  for (const char* t : {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
                        "on", "On", "ON"}) {
    EXPECT_EQ(Decoded<bool>(DecodeBool, t), "true") << t;
  }
  for (const char* f : {"n", "N", "no", "No", "NO", "false", "False", "FALSE",
                        "off", "Off", "OFF", "~", "null"}) {
    EXPECT_EQ(Decoded<bool>(DecodeBool, f), "false") << f;
  }
  const Case errors[] = {
      {"TrUe", "f.yml:1:4: cannot unmarshal !!str `TrUe` into bool"},
      {"yES", "f.yml:1:4: cannot unmarshal !!str `yES` into bool"},
      {"'yes'", "f.yml:1:4: cannot unmarshal !!str `yes` into bool"},
      {"\"true\"", "f.yml:1:4: cannot unmarshal !!str `true` into bool"},
      {"1", "f.yml:1:4: cannot unmarshal !!int `1` into bool"},
      {"0", "f.yml:1:4: cannot unmarshal !!int `0` into bool"},
      {"[]", "f.yml:1:4: cannot unmarshal !!seq into bool"},
      // Go cuts a value past 10 bytes to 7 (promtool 2.42 prints this).
      {"abcdefghijklmnop",
       "f.yml:1:4: cannot unmarshal !!str `abcdefg...` into bool"},
      {"abcdefghij",
       "f.yml:1:4: cannot unmarshal !!str `abcdefghij` into bool"},
  };
  ExpectTable<bool>(DecodeBool, errors);
}

std::string Keys(const YAML::Node& map) {
  std::string out;
  for (const auto& kv : map) {
    absl::StrAppend(&out, kv.first.Scalar(), "=", kv.second.Scalar(), ";");
  }
  return out;
}

TEST(YamlDecodeTest, MergeKeys) {
  auto doc = LoadDocument(R"(
base: &base {a: 1, b: 2}
other: &other {b: 3, c: 4}
one:
  <<: *base
  b: 5
before:
  b: 6
  <<: *base
list:
  <<: [*other, *base]
  d: 7
inline:
  <<: {x: 8}
quoted:
  "<<": *base
nested:
  - <<: *base
    inner:
      <<: *other
)",
                          "f.yml");
  ASSERT_TRUE(doc.ok()) << doc.status();
  // Earlier merged maps win; the map's own keys win over merged ones, but
  // yaml.v2 assigns in document order, so a later "<<" overrides.
  EXPECT_EQ(Keys((*doc)["one"]), "b=5;a=1;");
  EXPECT_EQ(Keys((*doc)["before"]), "b=2;a=1;");
  EXPECT_EQ(Keys((*doc)["list"]), "d=7;b=3;c=4;a=1;");
  EXPECT_EQ(Keys((*doc)["inline"]), "x=8;");
  EXPECT_EQ(Keys((*doc)["nested"][0]["inner"]), "b=3;c=4;");
  EXPECT_EQ((*doc)["nested"][0]["a"].Scalar(), "1");
  // The anchored maps themselves are unchanged.
  EXPECT_EQ(Keys((*doc)["base"]), "a=1;b=2;");
  // A quoted "<<" is an ordinary key.
  EXPECT_TRUE((*doc)["quoted"]["<<"].IsMap());
  // Merged values keep their own positions.
  EXPECT_EQ((*doc)["one"]["a"].Mark().line, 1);
}

// yaml.v3 (rule files) lets a map's own keys win wherever "<<" stands.
TEST(YamlDecodeTest, MergeKeysAsYamlV3) {
  YAML::Node doc = YAML::Load(
      "base: &base {a: 1, b: 2}\nbefore:\n  b: 6\n  <<: *base\n"
      "after:\n  <<: *base\n  a: 7\n");
  ASSERT_TRUE(ResolveMergeKeys("f.yml", doc, GoYaml::kV3).ok());
  EXPECT_EQ(Keys(doc["before"]), "b=6;a=1;");
  EXPECT_EQ(Keys(doc["after"]), "a=7;b=2;");
}

TEST(YamlDecodeTest, MergeKeyErrors) {
  auto scalar = LoadDocument("a:\n  <<: 1\n", "f.yml");
  ASSERT_FALSE(scalar.ok());
  EXPECT_EQ(scalar.status().message(),
            "f.yml:2:7: map merge requires map or sequence of maps as the "
            "value");
  auto seq = LoadDocument("a:\n  <<: [{b: 1}, 2]\n", "f.yml");
  ASSERT_FALSE(seq.ok());
  EXPECT_EQ(seq.status().message(),
            "f.yml:2:16: map merge requires map or sequence of maps as the "
            "value");
  // An alias cycle ends instead of recursing forever.
  auto cycle = LoadDocument("a: &a\n  <<: {b: 1}\n  c: [*a]\n", "f.yml");
  EXPECT_TRUE(cycle.ok()) << cycle.status();
}

// Checked against promtool 2.42: `check config`, `check web-config` (both
// yaml.v2 strict) and `check rules` (yaml.v3) refuse each repeated key.
TEST(YamlDecodeTest, DuplicateKeys) {
  auto top = LoadDocument("global: {}\nglobal: {}\n", "f.yml");
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.status().message(),
            "f.yml:2:1: key \"global\" already set in map");
  auto nested = LoadDocument("a:\n  - {x: 1, y: 2, x: 3}\n", "f.yml");
  ASSERT_FALSE(nested.ok());
  EXPECT_EQ(nested.status().message(),
            "f.yml:2:18: key \"x\" already set in map");
  // yaml.v2 decodes both keys into the same Go string.
  EXPECT_FALSE(LoadDocument("m: {1: a, \"1\": b}\n", "f.yml").ok());
  // Merged keys are not duplicates; distinct keys are fine.
  EXPECT_TRUE(LoadDocument("b: &b {x: 1}\nm: {<<: *b, x: 2}\n", "f.yml").ok());

  YAML::Node rules = YAML::Load("- name: a\n  rules: []\n  name: b\n");
  absl::Status v3 = ResolveMergeKeys("r.yml", rules, GoYaml::kV3);
  EXPECT_EQ(v3.message(),
            "r.yml:3:3: mapping key \"name\" already defined at line 1");
  // yaml.v3 compares tags too: 1 (!!int) and "1" (!!str) differ.
  YAML::Node tagged = YAML::Load("{1: a, \"1\": b}");
  EXPECT_TRUE(ResolveMergeKeys("r.yml", tagged, GoYaml::kV3).ok());
}

// yaml-cpp 0.7 ends a document at a "," outside a flow collection and
// loads what came before; libyaml, and so Prometheus, fails there.
TEST(YamlDecodeTest, StrayCommaIsAnError) {
  auto alone = LoadDocument(",\n", "f.yml");
  ASSERT_FALSE(alone.ok());
  EXPECT_EQ(alone.status().message(),
            "f.yml:1:1: yaml: did not find expected node content");
  auto after_list = LoadDocument("- a\n,\n", "f.yml");
  ASSERT_FALSE(after_list.ok());
  EXPECT_EQ(after_list.status().message(),
            "f.yml:2:1: yaml: did not find expected node content");
  // In a block map yaml-cpp already fails.
  auto in_map = LoadDocument("a: 1\n,\n", "f.yml");
  ASSERT_FALSE(in_map.ok());
  EXPECT_THAT(std::string(in_map.status().message()),
              ::testing::StartsWith("f.yml:2:1: yaml: "));
  // A comma inside a plain scalar is text.
  auto scalar = LoadDocument("a: b,\n", "f.yml");
  ASSERT_TRUE(scalar.ok()) << scalar.status();
  EXPECT_EQ((*scalar)["a"].Scalar(), "b,");
}

// Go decodes only the first document; what follows it is never read.
TEST(YamlDecodeTest, LaterDocumentsAreIgnored) {
  auto doc = LoadDocument("a: 1\n---\nb: [\n", "f.yml");
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ((*doc)["a"].Scalar(), "1");
  EXPECT_FALSE((*doc)["b"]);
}

// yaml.v2 refuses alias bombs as yaml.v3 does: 100 aliases of a list of
// 100 aliases stand for 10,000 nodes.
TEST(YamlDecodeTest, ExcessiveAliasingIsAnError) {
  std::string bomb = "a: &a [x";
  for (int i = 0; i < 100; ++i) bomb += ", x";
  bomb += "]\nb: &b [*a";
  for (int i = 0; i < 100; ++i) bomb += ", *a";
  bomb += "]\nc: [*b";
  for (int i = 0; i < 100; ++i) bomb += ", *b";
  bomb += "]\n";
  auto doc = LoadDocument(bomb, "f.yml");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().message(),
            "f.yml: yaml: document contains excessive aliasing");
  // A few aliases are ordinary reuse.
  auto reuse = LoadDocument("a: &a [1, 2]\nb: [*a, *a, *a]\n", "f.yml");
  EXPECT_TRUE(reuse.ok()) << reuse.status();
}

}  // namespace
}  // namespace vigil::yamlcfg
