// Decoding of promtool's unit-test file. promtool uses yaml.UnmarshalStrict,
// so every field of every level is checked against a table of known names;
// an unknown one is an error, as is a value of the wrong kind. All errors of
// a file are collected, each with its position, like yaml.v2's
// "unmarshal errors" list.
#include "lib/ruletest/test_file.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/model/absl_compat.h"
#include "lib/model/duration.h"
#include "lib/model/go_quote.h"
#include "lib/model/go_time.h"
#include "lib/yaml/yaml_decode.h"
#include "yaml-cpp/yaml.h"

namespace vigil::ruletest {
namespace {

class Decoder {
 public:
  explicit Decoder(std::string_view filename) : filename_(filename) {}

  void Error(const YAML::Node& at, std::string_view msg) {
    const YAML::Mark m = at.Mark();
    ErrorAt(m.line + 1, m.column + 1, msg);
  }
  void ErrorAt(int line, int col, std::string_view msg) {
    if (line <= 0) {
      errors_.push_back(absl::StrCat(filename_, ": ", ToAbsl(msg)));
      return;
    }
    errors_.push_back(
        absl::StrCat(filename_, ":", line, ":", col, ": ", ToAbsl(msg)));
  }
  const std::vector<std::string>& errors() const { return errors_; }

  // A field handler decodes one value of a mapping.
  using Handler = std::function<void(const YAML::Node&)>;
  struct Field {
    std::string_view name;
    Handler decode;
  };

  // Walks a mapping, dispatching each key through `fields`; `type` names the
  // mapping in errors as promtool's Go type names do.
  void Struct(const YAML::Node& node, std::string_view type,
              const std::vector<Field>& fields) {
    if (!node || node.IsNull()) return;
    if (!node.IsMap()) {
      Error(node, absl::StrCat("cannot unmarshal ", Kind(node), " into ",
                               ToAbsl(type)));
      return;
    }
    std::vector<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key = it->first;
      const std::string name = key.IsScalar() ? key.Scalar() : "";
      const Field* field = nullptr;
      for (const Field& f : fields) {
        if (f.name == name) field = &f;
      }
      if (field == nullptr) {
        Error(key, absl::StrCat("field ", name, " not found in type ",
                                ToAbsl(type)));
        continue;
      }
      if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
        Error(key, absl::StrCat("field ", name, " already set in type ",
                                ToAbsl(type)));
        continue;
      }
      seen.push_back(name);
      field->decode(it->second);
    }
  }

  void String(const YAML::Node& node, std::string* out) {
    if (!node || node.IsNull()) return;
    if (!node.IsScalar()) {
      Error(node,
            absl::StrCat("cannot unmarshal ", Kind(node), " into string"));
      return;
    }
    *out = node.Scalar();
  }

  void StringList(const YAML::Node& node, std::vector<std::string>* out) {
    Sequence(node, "[]string", [&](const YAML::Node& item) {
      std::string s;
      String(item, &s);
      out->push_back(std::move(s));
    });
  }

  void StringMap(const YAML::Node& node, std::string_view type,
                 std::map<std::string, std::string>* out) {
    if (!node || node.IsNull()) return;
    if (!node.IsMap()) {
      Error(node, absl::StrCat("cannot unmarshal ", Kind(node), " into ",
                               ToAbsl(type)));
      return;
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string k, v;
      String(it->first, &k);
      String(it->second, &v);
      if (out->count(k) > 0) {
        Error(it->first, absl::StrCat("key \"", k, "\" already set in map"));
        continue;
      }
      (*out)[k] = std::move(v);
    }
  }

  void Duration(const YAML::Node& node, int64_t* out) {
    if (!node || node.IsNull()) return;
    if (!node.IsScalar()) {
      Error(node,
            absl::StrCat("cannot unmarshal ", Kind(node), " into a duration"));
      return;
    }
    auto ms = ParseDurationMs(node.Scalar());
    if (!ms.ok()) {
      Error(node, FromAbsl(ms.status().message()));
      return;
    }
    *out = *ms;
  }

  void Float(const YAML::Node& node, double* out) {
    if (!node || node.IsNull()) return;
    // yaml.v2's float64: YAML 1.1 floats and integers (.inf, 1_000.5, 0x10).
    if (const std::optional<double> v = yamlcfg::GoFloat64(node)) {
      *out = *v;
      return;
    }
    Error(node,
          absl::StrCat("cannot unmarshal ", Kind(node), " `",
                       node.IsScalar() ? node.Scalar() : "", "` into float64"));
  }

  void Bool(const YAML::Node& node, bool* out) {
    if (!node || node.IsNull()) return;
    // yaml.v2's YAML 1.1 booleans, spelled exactly as its resolve table has
    // them.
    if (const std::optional<bool> b = yamlcfg::GoBool(node)) {
      *out = *b;
      return;
    }
    Error(node, absl::StrCat("cannot unmarshal ", Kind(node), " into bool"));
  }

  // start_timestamp: RFC 3339 text or Unix seconds.
  void Timestamp(const YAML::Node& node, int64_t* out_ms) {
    if (!node || node.IsNull()) return;
    if (node.IsScalar()) {
      const std::string& s = node.Scalar();
      double secs = 0;
      if (absl::SimpleAtod(s, &secs) && std::isfinite(secs) &&
          s.find_first_not_of("+-0123456789.eE") == std::string::npos) {
        *out_ms = static_cast<int64_t>(std::llround(secs * 1000));
        return;
      }
      // promtool's parseTime: Go's time.Parse(time.RFC3339Nano, s).
      if (std::optional<int64_t> ms = ParseRfc3339Ms(s)) {
        *out_ms = *ms;
        return;
      }
    }
    // Quoted: the value may span lines, and the error is one.
    Error(node, absl::StrCat(
                    "cannot parse start_timestamp ",
                    node.IsScalar() ? QuoteString(node.Scalar()) : Kind(node),
                    ": want RFC 3339 or Unix seconds"));
  }

  void Sequence(const YAML::Node& node, std::string_view type,
                const std::function<void(const YAML::Node&)>& item) {
    if (!node || node.IsNull()) return;
    if (!node.IsSequence()) {
      Error(node, absl::StrCat("cannot unmarshal ", Kind(node), " into ",
                               ToAbsl(type)));
      return;
    }
    for (const YAML::Node& n : node) item(n);
  }

  static SourcePosition Position(const YAML::Node& node) {
    const YAML::Mark m = node.Mark();
    return {m.line + 1, m.column + 1};
  }

 private:
  static std::string Kind(const YAML::Node& node) {
    if (node.IsMap()) return "!!map";
    if (node.IsSequence()) return "!!seq";
    return "!!str";
  }

  std::string filename_;
  std::vector<std::string> errors_;
};

void DecodeAlert(Decoder& d, const YAML::Node& node, ExpectedAlert* a) {
  d.Struct(node, "alert",
           {{"exp_labels",
             [&](const YAML::Node& n) {
               d.StringMap(n, "map[string]string", &a->labels);
             }},
            {"exp_annotations", [&](const YAML::Node& n) {
               d.StringMap(n, "map[string]string", &a->annotations);
             }}});
}

void DecodeAlertTest(Decoder& d, const YAML::Node& node, AlertTestCase* t) {
  t->position = Decoder::Position(node);
  d.Struct(
      node, "alertTestCase",
      {{"eval_time",
        [&](const YAML::Node& n) { d.Duration(n, &t->eval_time_ms); }},
       {"alertname", [&](const YAML::Node& n) { d.String(n, &t->alertname); }},
       {"exp_alerts", [&](const YAML::Node& n) {
          d.Sequence(n, "[]alert", [&](const YAML::Node& item) {
            ExpectedAlert a;
            DecodeAlert(d, item, &a);
            t->exp_alerts.push_back(std::move(a));
          });
        }}});
}

void DecodeSample(Decoder& d, const YAML::Node& node, ExpectedSample* s) {
  d.Struct(node, "sample",
           {{"labels", [&](const YAML::Node& n) { d.String(n, &s->labels); }},
            {"value", [&](const YAML::Node& n) { d.Float(n, &s->value); }},
            {"histogram",
             [&](const YAML::Node& n) { d.String(n, &s->histogram); }}});
}

void DecodePromqlTest(Decoder& d, const YAML::Node& node, PromqlTestCase* t) {
  t->position = Decoder::Position(node);
  d.Struct(node, "promqlTestCase",
           {{"expr", [&](const YAML::Node& n) { d.String(n, &t->expr); }},
            {"eval_time",
             [&](const YAML::Node& n) { d.Duration(n, &t->eval_time_ms); }},
            {"exp_samples", [&](const YAML::Node& n) {
               d.Sequence(n, "[]sample", [&](const YAML::Node& item) {
                 ExpectedSample s;
                 DecodeSample(d, item, &s);
                 t->exp_samples.push_back(std::move(s));
               });
             }}});
}

void DecodeTestGroup(Decoder& d, const YAML::Node& node, TestGroup* g) {
  g->position = Decoder::Position(node);
  d.Struct(node, "testGroup",
           {{"interval",
             [&](const YAML::Node& n) { d.Duration(n, &g->interval_ms); }},
            {"input_series",
             [&](const YAML::Node& n) {
               d.Sequence(n, "[]series", [&](const YAML::Node& item) {
                 InputSeries s;
                 s.position = Decoder::Position(item);
                 d.Struct(
                     item, "series",
                     {{"series",
                       [&](const YAML::Node& v) { d.String(v, &s.series); }},
                      {"values",
                       [&](const YAML::Node& v) { d.String(v, &s.values); }}});
                 g->input_series.push_back(std::move(s));
               });
             }},
            {"alert_rule_test",
             [&](const YAML::Node& n) {
               d.Sequence(n, "[]alertTestCase", [&](const YAML::Node& item) {
                 AlertTestCase t;
                 DecodeAlertTest(d, item, &t);
                 g->alert_rule_test.push_back(std::move(t));
               });
             }},
            {"promql_expr_test",
             [&](const YAML::Node& n) {
               d.Sequence(n, "[]promqlTestCase", [&](const YAML::Node& item) {
                 PromqlTestCase t;
                 DecodePromqlTest(d, item, &t);
                 g->promql_expr_test.push_back(std::move(t));
               });
             }},
            {"external_labels",
             [&](const YAML::Node& n) {
               std::map<std::string, std::string> m;
               d.StringMap(n, "labels.Labels", &m);
               LabelsBuilder b;
               for (const auto& [k, v] : m) b.Set(k, v);
               g->external_labels = b.Build();
             }},
            {"external_url",
             [&](const YAML::Node& n) { d.String(n, &g->external_url); }},
            {"name", [&](const YAML::Node& n) { d.String(n, &g->name); }},
            {"start_timestamp",
             [&](const YAML::Node& n) { d.Timestamp(n, &g->start_ms); }}});
}

}  // namespace

absl::StatusOr<UnitTestFile> DecodeTestFile(std::string_view content,
                                            std::string_view filename) {
  absl::StatusOr<YAML::Node> loaded = yamlcfg::LoadDocument(content, filename);
  if (!loaded.ok()) return loaded.status();
  const YAML::Node root = *std::move(loaded);
  Decoder d(filename);
  UnitTestFile f;
  try {
    d.Struct(
        root, "unitTestFile",
        {{"rule_files",
          [&](const YAML::Node& n) { d.StringList(n, &f.rule_files); }},
         {"evaluation_interval",
          [&](const YAML::Node& n) {
            d.Duration(n, &f.evaluation_interval_ms);
          }},
         {"group_eval_order",
          [&](const YAML::Node& n) { d.StringList(n, &f.group_eval_order); }},
         {"fuzzy_compare",
          [&](const YAML::Node& n) { d.Bool(n, &f.fuzzy_compare); }},
         {"tests", [&](const YAML::Node& n) {
            d.Sequence(n, "[]testGroup", [&](const YAML::Node& item) {
              TestGroup g;
              DecodeTestGroup(d, item, &g);
              f.tests.push_back(std::move(g));
            });
          }}});
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(filename), ": yaml: ", e.msg));
  }
  if (!d.errors().empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(d.errors(), "\n"));
  }
  return f;
}

}  // namespace vigil::ruletest
