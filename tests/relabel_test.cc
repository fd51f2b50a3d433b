#include "vigil/relabel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <array>

namespace vigil::relabel {
namespace {

using ::testing::HasSubstr;

Labels L(std::initializer_list<std::string_view> kv) {
  return Labels::FromStrings(kv);
}

// Parses one YAML relabel_configs list; fails the test on errors.
std::vector<Config> Cfgs(std::string_view yaml) {
  auto c = ParseConfigs(yaml, "r.yml");
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : std::vector<Config>{};
}

std::string ParseError(std::string_view yaml) {
  auto c = ParseConfigs(yaml, "r.yml");
  EXPECT_FALSE(c.ok());
  return std::string(c.status().message());
}

// The digest HashMod takes from libcrypto, checked here against RFC 1321.
using Md5Digest = std::array<uint8_t, 16>;
Md5Digest Md5(std::string_view data) {
  Md5Digest d{};
  unsigned int len = 0;
  EXPECT_EQ(
      EVP_Digest(data.data(), data.size(), d.data(), &len, EVP_md5(), nullptr),
      1);
  EXPECT_EQ(len, d.size());
  return d;
}

std::string Hex(const Md5Digest& d) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (uint8_t b : d) {
    s.push_back(kHex[b >> 4]);
    s.push_back(kHex[b & 15]);
  }
  return s;
}

TEST(Md5Test, Rfc1321Vectors) {
  EXPECT_EQ(Hex(Md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Hex(Md5("a")), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(Hex(Md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(Hex(Md5("message digest")), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(Hex(Md5("abcdefghijklmnopqrstuvwxyz")),
            "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(Hex(Md5("12345678901234567890123456789012345678901234567890123456"
                    "789012345678901234567890")),
            "57edf4a22be3c955ac49da2e2107b67a");
}

TEST(HashModTest, LastEightBytesBigEndian) {
  // md5("abc") = 900150983cd24fb0 d6963f7d28e17f72: hashmod reads the last
  // 8 bytes as a big-endian integer (458 mod 1000).
  constexpr uint64_t kTail = 0xd6963f7d28e17f72ULL;
  EXPECT_EQ(HashMod("abc", 1000), kTail % 1000);
  EXPECT_EQ(kTail % 1000, 458u);
  EXPECT_EQ(HashMod("abc", UINT64_MAX), kTail % UINT64_MAX);
  EXPECT_EQ(HashMod("abc", 1), 0u);
  // md5("") ends in e9800998ecf8427e.
  EXPECT_EQ(HashMod("", 7), 0xe9800998ecf8427eULL % 7);
}

TEST(RelabelTest, HashModMatchesPrometheusTestCase) {
  // From Prometheus's relabel_test.go: md5("baz") % 1000 == 976.
  auto cfgs = Cfgs(R"(
- source_labels: [c]
  target_label: d
  action: hashmod
  modulus: 1000
)");
  auto out = Process(L({"a", "foo", "b", "bar", "c", "baz"}), cfgs);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->Get("d"), "976");
}

TEST(RelabelTest, Defaults) {
  Config c;
  EXPECT_EQ(c.separator, ";");
  EXPECT_EQ(c.regex.pattern(), "(.*)");
  EXPECT_TRUE(c.regex.is_default());
  EXPECT_EQ(c.replacement, "$1");
  EXPECT_EQ(c.action, Action::kReplace);
  auto cfgs = Cfgs("- target_label: x\n  source_labels: [a, b]\n");
  ASSERT_EQ(cfgs.size(), 1u);
  EXPECT_EQ(cfgs[0].separator, ";");
  auto out = Process(L({"a", "1", "b", "2"}), cfgs);
  EXPECT_EQ(out->Get("x"), "1;2");
}

TEST(RelabelTest, ReplaceWithGroups) {
  auto cfgs = Cfgs(R"(
- source_labels: [a]
  regex: f(.*)o
  target_label: d
  replacement: ch${1}-ch${1}
)");
  EXPECT_EQ(Process(L({"a", "foo"}), cfgs)->Get("d"), "cho-cho");
  // Anchored: "xfoo" does not match, nothing is set.
  EXPECT_FALSE(Process(L({"a", "xfoo"}), cfgs)->Has("d"));
}

TEST(RelabelTest, ReplaceTemplatedTargetLabel) {
  auto cfgs = Cfgs(R"(
- source_labels: [a, b]
  regex: (\w+);(\w+)
  target_label: ${1}_$2
  replacement: v
)");
  EXPECT_EQ(Process(L({"a", "x", "b", "y"}), cfgs)->Get("x_y"), "v");
}

TEST(RelabelTest, ReplaceEmptyResultDeletesTarget) {
  auto cfgs = Cfgs(R"(
- source_labels: [a]
  regex: (.*)
  target_label: b
  replacement: $1
)");
  auto out = Process(L({"b", "old"}), cfgs);
  EXPECT_FALSE(out->Has("b"));
}

TEST(RelabelTest, ReplaceFastPathSetsLiteral) {
  auto cfgs = Cfgs("- target_label: env\n  replacement: prod\n");
  EXPECT_EQ(Process(L({"a", "1"}), cfgs)->Get("env"), "prod");
}

TEST(RelabelTest, ReplaceInvalidExpandedTargetIsSkipped) {
  Config c;
  c.source_labels = {"a"};
  c.target_label = "$1";
  c.name_validation = NameValidation::kLegacy;
  ASSERT_TRUE(Validate(c).ok());
  auto out = Process(L({"a", "1bad"}), {c});
  EXPECT_EQ(*out, L({"a", "1bad"}));
}

TEST(ExpandTest, GoSemantics) {
  auto compiled = Regexp::Compile("(?P<first>a)(b)?(c)");
  ASSERT_TRUE(compiled.ok());
  const auto& re = compiled->re();
  std::string_view s = "ac";
  std::vector<std::string_view> groups = {s, s.substr(0, 1), {}, s.substr(1)};
  EXPECT_EQ(Expand(re, "$1-$3", groups), "a-c");
  EXPECT_EQ(Expand(re, "${first}x", groups), "ax");
  EXPECT_EQ(Expand(re, "$firstx", groups), "");  // names group "firstx"
  EXPECT_EQ(Expand(re, "$1x", groups), "");      // names group "1x"
  EXPECT_EQ(Expand(re, "${1}x", groups), "ax");
  EXPECT_EQ(Expand(re, "$2|$9", groups), "|");  // unmatched / out of range
  EXPECT_EQ(Expand(re, "$$1", groups), "$1");
  EXPECT_EQ(Expand(re, "a$", groups), "a$");    // malformed kept
  EXPECT_EQ(Expand(re, "${1", groups), "${1");  // unclosed brace kept
  EXPECT_EQ(Expand(re, "$-", groups), "$-");
  EXPECT_EQ(Expand(re, "$0", groups), "ac");
}

TEST(RelabelTest, KeepAndDrop) {
  auto keep = Cfgs("- source_labels: [a]\n  regex: f.*\n  action: keep\n");
  EXPECT_TRUE(Process(L({"a", "foo"}), keep).has_value());
  EXPECT_FALSE(Process(L({"a", "bar"}), keep).has_value());
  EXPECT_FALSE(Process(L({"b", "foo"}), keep).has_value());
  auto drop = Cfgs("- source_labels: [a]\n  regex: f.*\n  action: Drop\n");
  EXPECT_FALSE(Process(L({"a", "foo"}), drop).has_value());
  EXPECT_TRUE(Process(L({"a", "bar"}), drop).has_value());
}

TEST(RelabelTest, DotMatchesNewline) {
  auto drop = Cfgs("- source_labels: [a]\n  regex: a.b\n  action: drop\n");
  EXPECT_FALSE(Process(L({"a", "a\nb"}), drop).has_value());
}

TEST(RelabelTest, KeepEqualAndDropEqual) {
  auto keq = Cfgs(
      "- source_labels: [__tmp_port]\n  target_label: port\n  action: "
      "keepequal\n");
  EXPECT_TRUE(Process(L({"__tmp_port", "80", "port", "80"}), keq));
  EXPECT_FALSE(Process(L({"__tmp_port", "80", "port", "81"}), keq));
  auto deq =
      Cfgs("- source_labels: [a]\n  target_label: b\n  action: dropequal\n");
  EXPECT_FALSE(Process(L({"a", "x", "b", "x"}), deq));
  EXPECT_TRUE(Process(L({"a", "x", "b", "y"}), deq));
  // Both absent: "" == "".
  EXPECT_FALSE(Process(L({"c", "1"}), deq));
}

TEST(RelabelTest, LabelMap) {
  auto cfgs = Cfgs(R"(
- regex: __meta_kubernetes_pod_label_(.+)
  action: labelmap
)");
  auto out = Process(L({"__meta_kubernetes_pod_label_app", "web",
                        "__meta_kubernetes_pod_label_tier", "db", "x", "1"}),
                     cfgs);
  EXPECT_EQ(out->Get("app"), "web");
  EXPECT_EQ(out->Get("tier"), "db");
  EXPECT_EQ(out->Get("__meta_kubernetes_pod_label_app"), "web");
  EXPECT_EQ(out->size(), 5u);
}

TEST(RelabelTest, LabelMapReplacementTemplate) {
  auto cfgs =
      Cfgs("- regex: (a)(b)\n  replacement: ${2}_$1\n  action: labelmap\n");
  EXPECT_EQ(Process(L({"ab", "v"}), cfgs)->Get("b_a"), "v");
}

TEST(RelabelTest, LabelDropAndKeep) {
  auto drop = Cfgs("- regex: __meta_.*\n  action: labeldrop\n");
  EXPECT_EQ(*Process(L({"__meta_a", "1", "b", "2"}), drop), L({"b", "2"}));
  auto keep = Cfgs("- regex: a|b\n  action: labelkeep\n");
  EXPECT_EQ(*Process(L({"a", "1", "b", "2", "c", "3"}), keep),
            L({"a", "1", "b", "2"}));
}

TEST(RelabelTest, LowercaseUppercase) {
  auto cfgs = Cfgs(R"(
- source_labels: [a]
  target_label: lo
  action: lowercase
- source_labels: [a]
  target_label: up
  action: uppercase
)");
  auto out = Process(L({"a", "FooBÄR-Ωμ"}), cfgs);
  EXPECT_EQ(out->Get("lo"), "foobär-ωμ");
  EXPECT_EQ(out->Get("up"), "FOOBÄR-ΩΜ");
}

TEST(RelabelTest, ChainStopsAtDrop) {
  auto cfgs = Cfgs(R"(
- target_label: x
  replacement: "1"
- source_labels: [x]
  regex: "1"
  action: drop
)");
  EXPECT_FALSE(Process(L({"a", "b"}), cfgs));
}

TEST(ValidateTest, PrometheusMessages) {
  struct Case {
    std::string yaml;
    std::string error;
  };
  const Case cases[] = {
      {"- source_labels: [a]\n",
       "relabel configuration for replace action requires 'target_label' "
       "value"},
      {"- action: hashmod\n  target_label: x\n",
       "relabel configuration for hashmod requires non-zero modulus"},
      {"- action: lowercase\n  source_labels: [a]\n",
       "relabel configuration for lowercase action requires 'target_label' "
       "value"},
      {"- action: uppercase\n  target_label: x\n  replacement: y\n",
       "'replacement' can not be set for uppercase action"},
      {"- action: keepequal\n  target_label: x\n  regex: a\n",
       "keepequal action requires only 'source_labels' and `target_label`, "
       "and no other fields"},
      {"- action: dropequal\n  target_label: x\n  regex: (.*)\n",
       "dropequal action requires only 'source_labels' and `target_label`, "
       "and no other fields"},
      {"- action: labeldrop\n  regex: a\n  source_labels: [a]\n",
       "labeldrop action requires only 'regex', and no other fields"},
      {"- action: labelkeep\n  regex: a\n  target_label: b\n",
       "labelkeep action requires only 'regex', and no other fields"},
      {"- action: explode\n", "unknown relabel action \"explode\""},
      {"- action: labelmap\n  replacement: \"\"\n",
       "\"\" is invalid 'replacement' for labelmap action"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseError(c.yaml), HasSubstr(c.error)) << c.yaml;
  }
}

TEST(ValidateTest, InvalidUtf8TargetLabel) {
  Config c;
  c.target_label = "\xff";
  EXPECT_EQ(Validate(c).message(),
            "\"\\xff\" is invalid 'target_label' for replace action");
}

TEST(ValidateTest, LegacyNames) {
  Config c;
  c.target_label = "1abc";
  EXPECT_TRUE(Validate(c).ok());  // UTF-8 scheme: any valid UTF-8
  c.name_validation = NameValidation::kLegacy;
  EXPECT_EQ(Validate(c).message(),
            "\"1abc\" is invalid 'target_label' for replace action");
  c.target_label = "ab_${1}";
  EXPECT_TRUE(Validate(c).ok());
}

TEST(DecodeTest, ErrorsCarryPositions) {
  EXPECT_EQ(ParseError("- source_labels: [a]\n  target_label: b\n  bogus: 1\n"),
            "r.yml:3:3: field bogus not found in type relabel.plain");
  EXPECT_EQ(ParseError("- target_label: b\n  regex: \"(\"\n"),
            "r.yml:2:10: error parsing regexp: missing closing ): `^(?s:()$`");
  EXPECT_EQ(ParseError("- target_label: b\n  modulus: abc\n"),
            "r.yml:2:12: cannot unmarshal !!str `abc` into uint64");
  EXPECT_EQ(ParseError("\n- source_labels: [a]\n"),
            "r.yml:2:3: relabel configuration for replace action requires "
            "'target_label' value");
  EXPECT_EQ(ParseError("- source_labels: a\n  target_label: b\n"),
            "r.yml:1:18: cannot unmarshal !!str `a` into model.LabelNames");
  EXPECT_THAT(ParseError("- [unclosed\n"), HasSubstr("r.yml:"));
}

TEST(DecodeTest, NullIsEmptyList) {
  YAML::Node n = YAML::Load("~");
  auto c = DecodeConfigs(n, "f");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->empty());
}

TEST(DecodeTest, RegexNullIsEmptyPattern) {
  auto cfgs = Cfgs("- source_labels: [a]\n  regex:\n  action: keep\n");
  EXPECT_TRUE(Process(L({"b", "1"}), cfgs));
  EXPECT_FALSE(Process(L({"a", "1"}), cfgs));
}

}  // namespace
}  // namespace vigil::relabel
