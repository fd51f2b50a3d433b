#include "vigil/rule_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/model/absl_compat.h"
#include "lib/model/duration.h"
#include "lib/model/utf8.h"
#include "lib/yaml/yaml_decode.h"

namespace vigil {
namespace {

// Prometheus rejects rule files larger than what fits comfortably in memory
// only implicitly; vigil bounds what a stranger's file can make it allocate.
constexpr size_t kMaxRuleFileBytes = 64 << 20;

SourcePosition PositionOf(const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  if (m.line < 0) return {};
  return {m.line + 1, m.column + 1};
}

class RuleFileParser {
 public:
  RuleFileParser(std::string_view content, std::string_view filename,
                 const RuleFileOptions& options)
      : content_(content), filename_(filename), options_(options) {}

  absl::StatusOr<std::vector<RuleGroupSpec>> Parse() {
    if (content_.size() > kMaxRuleFileBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          filename_, ": rule file larger than ", kMaxRuleFileBytes, " bytes"));
    }
    std::vector<YAML::Node> docs;
    try {
      auto loaded = yamlcfg::LoadAllDocuments(content_, filename_);
      if (!loaded.ok()) return loaded.status();
      docs = *std::move(loaded);
    } catch (const YAML::Exception& e) {
      return absl::InvalidArgumentError(
          absl::StrCat(filename_, ":", e.mark.line + 1, ":", e.mark.column + 1,
                       ": yaml: ", e.msg));
    }
    for (YAML::Node& doc : docs) {
      if (auto st =
              yamlcfg::ResolveMergeKeys(filename_, doc, yamlcfg::GoYaml::kV3);
          !st.ok()) {
        return st;
      }
    }
    for (const YAML::Node& doc : docs) {
      try {
        ParseDocument(doc);
      } catch (const YAML::Exception& e) {
        // Conversions of malformed scalars; positions come from the mark.
        Error(SourcePosition{e.mark.line + 1, e.mark.column + 1},
              absl::StrCat("yaml: ", e.msg));
      }
    }
    if (!errors_.empty()) {
      return absl::InvalidArgumentError(absl::StrJoin(errors_, "\n"));
    }
    return std::move(groups_);
  }

 private:
  void Error(SourcePosition pos, std::string_view message) {
    if (pos.line > 0) {
      errors_.push_back(absl::StrCat(filename_, ":", pos.line, ":", pos.column,
                                     ": ", ToAbsl(message)));
    } else {
      errors_.push_back(absl::StrCat(filename_, ": ", ToAbsl(message)));
    }
  }

  // yaml.v3's KnownFields wording: "field x not found in type rulefmt.Rule".
  void CheckFields(const YAML::Node& map,
                   std::initializer_list<std::string_view> known,
                   std::string_view type_name) {
    if (options_.ignore_unknown_fields) return;
    for (const auto& kv : map) {
      std::string key = kv.first.Scalar();
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        Error(PositionOf(kv.first),
              absl::StrCat("field ", key, " not found in type ",
                           ToAbsl(type_name)));
      }
    }
  }

  void ParseDocument(const YAML::Node& doc) {
    if (!doc || doc.IsNull()) return;  // an empty document holds no groups
    if (!doc.IsMap()) {
      Error(PositionOf(doc), "yaml: a rule file must be a mapping");
      return;
    }
    if (doc["kind"] && doc["kind"].IsScalar() &&
        doc["kind"].Scalar() == "PrometheusRule") {
      ParsePrometheusRule(doc);
      return;
    }
    CheckFields(doc, {"groups"}, "rulefmt.RuleGroups");
    ParseGroups(doc["groups"], /*crd=*/false);
  }

  void ParsePrometheusRule(const YAML::Node& doc) {
    const YAML::Node api = doc["apiVersion"];
    if (!api || !api.IsScalar() ||
        api.Scalar().rfind("monitoring.coreos.com/", 0) != 0) {
      Error(PositionOf(api ? api : doc),
            "PrometheusRule must have apiVersion monitoring.coreos.com/v1");
    }
    CheckFields(doc, {"apiVersion", "kind", "metadata", "spec"},
                "PrometheusRule");
    const YAML::Node spec = doc["spec"];
    if (!spec || !spec.IsMap()) {
      Error(PositionOf(doc), "PrometheusRule has no spec");
      return;
    }
    CheckFields(spec, {"groups"}, "PrometheusRuleSpec");
    ParseGroups(spec["groups"], /*crd=*/true);
  }

  void ParseGroups(const YAML::Node& groups, bool crd) {
    if (!groups || groups.IsNull()) return;
    if (!groups.IsSequence()) {
      Error(PositionOf(groups), "groups must be a list");
      return;
    }
    // What the loader walks: an alias bomb here would make it build a
    // rule per alias (yaml.v3 counts the nodes it decodes the same way).
    if (auto st = yamlcfg::CheckAliasing(filename_, groups); !st.ok()) {
      errors_.push_back(std::string(st.message()));
      return;
    }
    for (const YAML::Node& g : groups) ParseGroup(g, crd);
  }

  std::optional<int64_t> Duration(const YAML::Node& node) {
    if (!node || node.IsNull()) return std::nullopt;
    auto ms = node.IsScalar()
                  ? ParseDurationMs(node.Scalar())
                  : absl::InvalidArgumentError("duration must be a string");
    if (!ms.ok()) {
      Error(PositionOf(node), FromAbsl(ms.status().message()));
      return std::nullopt;
    }
    return *ms;
  }

  // Label maps: string → string with Prometheus 3's UTF-8 name rules.
  Labels LabelMap(const YAML::Node& node, std::string_view context,
                  bool annotation, std::vector<Label>* ordered = nullptr) {
    std::vector<Label> out;
    if (!node || node.IsNull()) return {};
    if (!node.IsMap()) {
      Error(PositionOf(node),
            absl::StrCat(ToAbsl(context), " must be a mapping"));
      return {};
    }
    for (const auto& kv : node) {
      std::string name = kv.first.Scalar();
      std::string value = kv.second.IsScalar() ? kv.second.Scalar() : "";
      if (!kv.second.IsScalar() && !kv.second.IsNull()) {
        Error(PositionOf(kv.second), absl::StrCat(ToAbsl(context), " ", name,
                                                  ": value must be a string"));
      }
      bool bad_name = name.empty() || !IsValidUtf8(name) ||
                      (!annotation && name == kMetricName);
      if (bad_name) {
        Error(
            PositionOf(kv.first),
            absl::StrCat(ToAbsl(context), ": invalid ",
                         annotation ? "annotation" : "label", " name: ", name));
      }
      if (!IsValidUtf8(value)) {
        Error(PositionOf(kv.second),
              absl::StrCat(ToAbsl(context), ": invalid label value: ", value));
      }
      out.push_back({std::move(name), std::move(value)});
    }
    if (ordered) {
      std::sort(out.begin(), out.end());
      *ordered = out;
    }
    return Labels::FromVector(std::move(out));
  }

  void ParseGroup(const YAML::Node& g, bool crd) {
    if (!g.IsMap()) {
      Error(PositionOf(g), "a group must be a mapping");
      return;
    }
    if (crd) {
      // The operator's CRD adds Thanos's field; Prometheus ignores it.
      CheckFields(g,
                  {"name", "interval", "query_offset", "limit", "rules",
                   "labels", "partial_response_strategy"},
                  "rulefmt.RuleGroup");
    } else {
      CheckFields(
          g, {"name", "interval", "query_offset", "limit", "rules", "labels"},
          "rulefmt.RuleGroup");
    }
    RuleGroupSpec group;
    group.file = std::string(filename_);
    group.position = PositionOf(g);
    group.name = g["name"] && g["name"].IsScalar() ? g["name"].Scalar() : "";
    if (group.name.empty()) {
      Error(group.position, "Groupname must not be empty");
    } else if (!group_names_.insert(group.name).second) {
      Error(group.position, absl::StrCat("groupname: \"", group.name,
                                         "\" is repeated in the same file"));
    }
    group.interval_ms = Duration(g["interval"]).value_or(0);
    group.query_offset_ms = Duration(g["query_offset"]);
    if (const YAML::Node limit = g["limit"]; limit && !limit.IsNull()) {
      // Go's int: 0x10, 1_000, 017 and 1e3 are all integers there.
      const std::optional<int64_t> n = yamlcfg::GoInt64(limit);
      if (!n || *n < 0) {
        Error(PositionOf(limit), "limit must be a non-negative integer");
      }
      group.limit = n.value_or(0);
    }
    group.labels = LabelMap(g["labels"], "group labels", false);
    const YAML::Node rules = g["rules"];
    if (rules && rules.IsSequence()) {
      int index = 0;
      for (const YAML::Node& r : rules) ParseRule(r, group, ++index);
    } else if (rules && !rules.IsNull()) {
      Error(PositionOf(rules), "rules must be a list");
    }
    groups_.push_back(std::move(group));
  }

  std::string Scalar(const YAML::Node& node) {
    return node && node.IsScalar() ? node.Scalar() : "";
  }

  void ParseRule(const YAML::Node& r, RuleGroupSpec& group, int index) {
    if (!r.IsMap()) {
      Error(PositionOf(r), "a rule must be a mapping");
      return;
    }
    CheckFields(r,
                {"record", "alert", "expr", "for", "keep_firing_for", "labels",
                 "annotations"},
                "rulefmt.Rule");
    RuleSpec rule;
    rule.position = PositionOf(r);
    rule.record = Scalar(r["record"]);
    rule.alert = Scalar(r["alert"]);
    rule.expr = Scalar(r["expr"]);
    rule.expr_position = r["expr"] ? PositionOf(r["expr"]) : rule.position;
    // Prometheus's rulefmt.Error prefix: group "g", rule N, "name":.
    const std::string prefix = absl::StrCat("group \"", group.name, "\", rule ",
                                            index, ", \"", rule.name(), "\": ");
    auto rule_error = [&](SourcePosition pos, std::string_view msg) {
      Error(pos, absl::StrCat(prefix, ToAbsl(msg)));
    };
    SourcePosition record_pos =
        r["record"] ? PositionOf(r["record"]) : rule.position;
    if (!rule.record.empty() && !rule.alert.empty()) {
      rule_error(record_pos, "only one of 'record' and 'alert' must be set");
    }
    if (rule.record.empty() && rule.alert.empty()) {
      rule_error(rule.position, "one of 'record' or 'alert' must be set");
    }
    if (rule.expr.empty()) {
      rule_error(rule.expr_position, "field 'expr' must be set in rule");
    } else if (auto parsed =
                   promql::ParseExpr(rule.expr, options_.parse_options);
               !parsed.ok()) {
      rule_error(
          ExprErrorPosition(r["expr"], FromAbsl(parsed.status().message())),
          absl::StrCat("could not parse expression: ",
                       parsed.status().message()));
    }
    rule.for_ms = Duration(r["for"]).value_or(0);
    rule.keep_firing_for_ms = Duration(r["keep_firing_for"]).value_or(0);
    if (!rule.record.empty()) {
      if (r["annotations"] && r["annotations"].size() > 0) {
        rule_error(record_pos, "invalid field 'annotations' in recording rule");
      }
      if (rule.for_ms != 0) {
        rule_error(record_pos, "invalid field 'for' in recording rule");
      }
      if (rule.keep_firing_for_ms != 0) {
        rule_error(record_pos,
                   "invalid field 'keep_firing_for' in recording rule");
      }
      if (!IsValidUtf8(rule.record)) {
        rule_error(record_pos,
                   absl::StrCat("invalid recording rule name: ", rule.record));
      }
      // Prometheus: a valid UTF-8 name, but braces mean a pasted expression.
      if (rule.record.find_first_of("{}") != std::string::npos) {
        rule_error(record_pos,
                   absl::StrCat("braces present in the recording rule name; "
                                "should it be in expr?: ",
                                rule.record));
      }
    }
    rule.labels = LabelMap(r["labels"], prefix + "labels", false);
    LabelMap(r["annotations"], prefix + "annotations", true, &rule.annotations);
    group.rules.push_back(std::move(rule));
  }

  // Where inside the file a PromQL error ("L:C: parse error: …") points.
  // Plain and literal-block scalars map byte for byte; for quoted or folded
  // scalars escapes and folding shift columns, so the value's start is used.
  SourcePosition ExprErrorPosition(const YAML::Node& expr_node,
                                   std::string_view message) {
    SourcePosition start = PositionOf(expr_node);
    int line = 0, col = 0;
    size_t colon1 = message.find(':');
    size_t colon2 = colon1 == std::string_view::npos
                        ? colon1
                        : message.find(':', colon1 + 1);
    if (colon2 == std::string_view::npos ||
        !absl::SimpleAtoi(ToAbsl(message.substr(0, colon1)), &line) ||
        !absl::SimpleAtoi(
            ToAbsl(message.substr(colon1 + 1, colon2 - colon1 - 1)), &col)) {
      return start;
    }
    size_t pos = static_cast<size_t>(expr_node.Mark().pos);
    if (pos >= content_.size()) return start;
    char first = content_[pos];
    if (first == '"' || first == '\'' || first == '>') return start;
    if (first == '|') {
      // The block's first content line sets its indentation.
      size_t eol = content_.find('\n', pos);
      if (eol == std::string_view::npos) return start;
      size_t indent = 0;
      while (eol + 1 + indent < content_.size() &&
             content_[eol + 1 + indent] == ' ') {
        ++indent;
      }
      return {start.line + line, static_cast<int>(indent) + col};
    }
    if (line != 1) return start;
    return {start.line, start.column + col - 1};
  }

  std::string_view content_;
  std::string filename_;
  const RuleFileOptions& options_;
  std::vector<std::string> errors_;
  std::vector<RuleGroupSpec> groups_;
  std::set<std::string> group_names_;
};

}  // namespace

absl::StatusOr<std::vector<RuleGroupSpec>> ParseRuleFile(
    std::string_view content, std::string_view filename,
    const RuleFileOptions& options) {
  return RuleFileParser(content, filename, options).Parse();
}

absl::StatusOr<std::vector<RuleGroupSpec>> LoadRuleFile(
    const std::string& path, const RuleFileOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open rule file"));
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return ParseRuleFile(buf.str(), path, options);
}

}  // namespace vigil
