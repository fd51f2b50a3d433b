#include "lib/yaml/yaml_decode.h"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "lib/model/absl_compat.h"
#include "lib/model/duration.h"
#include "lib/model/go_duration.h"

namespace vigil::yamlcfg {

absl::Status ErrorAt(std::string_view file, const YAML::Node& node,
                     std::string_view msg) {
  const YAML::Mark m = node.Mark();
  if (m.line < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(file), ": ", ToAbsl(msg)));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      ToAbsl(file), ":", m.line + 1, ":", m.column + 1, ": ", ToAbsl(msg)));
}

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Go's strconv.ParseInt(s, 0, 64), falling back to ParseUint(s, 0, 64) for
// unsigned values above INT64_MAX (ParseUint takes no sign). Base 0 reads
// 0x/0o/0b prefixes and a leading 0 as octal (YAML 1.1's 017).
bool ParseGoInteger(std::string_view s, ResolvedScalar& out) {
  size_t p = 0;
  bool neg = false;
  const bool sign = !s.empty() && (s[0] == '+' || s[0] == '-');
  if (sign) neg = s[p++] == '-';
  int base = 10;
  if (s.size() - p >= 2 && s[p] == '0') {
    const char c = absl::ascii_tolower(s[p + 1]);
    base = c == 'x' ? 16 : c == 'o' ? 8 : c == 'b' ? 2 : 0;
    if (base == 0) {
      base = 8;
      p += 1;
    } else {
      p += 2;
    }
  }
  if (p == s.size()) return false;
  uint64_t mag = 0;
  for (; p < s.size(); ++p) {
    const char c = absl::ascii_tolower(s[p]);
    int d = IsDigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : 99;
    if (d >= base) return false;
    if (mag > (std::numeric_limits<uint64_t>::max() - d) / base) return false;
    mag = mag * base + d;
  }
  constexpr uint64_t kMaxInt = std::numeric_limits<int64_t>::max();
  if (!neg && mag <= kMaxInt) {
    out.kind = ResolvedScalar::kInt;
    out.i = static_cast<int64_t>(mag);
  } else if (neg && mag <= kMaxInt + 1) {
    out.kind = ResolvedScalar::kInt;
    out.i = static_cast<int64_t>(0 - mag);
  } else if (!sign) {
    out.kind = ResolvedScalar::kUint;
    out.u = mag;
  } else {
    return false;
  }
  return true;
}

// yaml.v2's yamlStyleFloat:
// ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool IsYamlStyleFloat(std::string_view s) {
  size_t p = 0;
  auto digits = [&] {
    const size_t start = p;
    while (p < s.size() && IsDigit(s[p])) ++p;
    return p > start;
  };
  if (p < s.size() && (s[p] == '+' || s[p] == '-')) ++p;
  if (p < s.size() && s[p] == '.') {
    ++p;
    if (!digits()) return false;
  } else {
    if (!digits()) return false;
    if (p < s.size() && s[p] == '.') {
      ++p;
      digits();
    }
  }
  if (p < s.size() && (s[p] == 'e' || s[p] == 'E')) {
    ++p;
    if (p < s.size() && (s[p] == '+' || s[p] == '-')) ++p;
    if (!digits()) return false;
  }
  return p == s.size();
}

// Go's strconv.ParseFloat on text IsYamlStyleFloat accepted: out of range
// is an error there, so such text stays a string.
bool ParseGoFloat(const std::string& s, ResolvedScalar& out) {
  errno = 0;
  const double v = std::strtod(s.c_str(), nullptr);
  if (!std::isfinite(v)) return false;
  out.kind = ResolvedScalar::kFloat;
  out.f = v;
  return true;
}

// yaml.v2's parseTimestamp, far enough to name the tag in errors: four
// digits, '-', a month and a day, then nothing or a time.
bool LooksLikeTimestamp(std::string_view s) {
  size_t p = 0;
  while (p < s.size() && IsDigit(s[p])) ++p;
  if (p != 4 || p == s.size() || s[p] != '-') return false;
  for (int part = 0; part < 2; ++part) {
    if (part == 1) {
      if (p >= s.size() || s[p] != '-') return false;
    }
    ++p;
    const size_t start = p;
    while (p < s.size() && IsDigit(s[p])) ++p;
    if (p == start || p - start > 2) return false;
  }
  return p == s.size() || s[p] == 'T' || s[p] == 't' || s[p] == ' ';
}

}  // namespace

std::string_view ResolvedScalar::tag() const {
  switch (kind) {
    case kNull:
      return "!!null";
    case kBool:
      return "!!bool";
    case kInt:
    case kUint:
      return "!!int";
    case kFloat:
      return "!!float";
    case kTimestamp:
      return "!!timestamp";
    case kString:
      break;
  }
  return "!!str";
}

ResolvedScalar ResolveScalar(const YAML::Node& node) {
  ResolvedScalar r;
  if (node.IsNull()) {
    r.kind = ResolvedScalar::kNull;
    return r;
  }
  // "!" marks a quoted scalar; an explicit !!str keeps the text too.
  if (!node.IsScalar() || node.Tag() == "!" ||
      node.Tag() == "tag:yaml.org,2002:str") {
    return r;
  }
  const std::string& s = node.Scalar();
  if (s.empty()) return r;
  // yaml.v2's resolve table: exact spellings only ("TrUe" is a string).
  static const std::pair<std::string_view, bool> kBools[] = {
      {"y", true},      {"Y", true},      {"yes", true},    {"Yes", true},
      {"YES", true},    {"true", true},   {"True", true},   {"TRUE", true},
      {"on", true},     {"On", true},     {"ON", true},     {"n", false},
      {"N", false},     {"no", false},    {"No", false},    {"NO", false},
      {"false", false}, {"False", false}, {"FALSE", false}, {"off", false},
      {"Off", false},   {"OFF", false},
  };
  for (const auto& [text, value] : kBools) {
    if (s == text) {
      r.kind = ResolvedScalar::kBool;
      r.b = value;
      return r;
    }
  }
  constexpr double kInf = std::numeric_limits<double>::infinity();
  static const std::pair<std::string_view, double> kFloats[] = {
      {".nan", std::numeric_limits<double>::quiet_NaN()},
      {".NaN", std::numeric_limits<double>::quiet_NaN()},
      {".NAN", std::numeric_limits<double>::quiet_NaN()},
      {".inf", kInf},
      {".Inf", kInf},
      {".INF", kInf},
      {"+.inf", kInf},
      {"+.Inf", kInf},
      {"+.INF", kInf},
      {"-.inf", -kInf},
      {"-.Inf", -kInf},
      {"-.INF", -kInf},
  };
  for (const auto& [text, value] : kFloats) {
    if (s == text) {
      r.kind = ResolvedScalar::kFloat;
      r.f = value;
      return r;
    }
  }
  const char hint = s[0];
  if (hint == '.') {
    if (IsYamlStyleFloat(s)) ParseGoFloat(s, r);
    return r;
  }
  if (!IsDigit(hint) && hint != '+' && hint != '-') return r;
  if (node.Tag() == "?" && LooksLikeTimestamp(s)) {
    r.kind = ResolvedScalar::kTimestamp;
    return r;
  }
  std::string plain = s;
  plain.erase(std::remove(plain.begin(), plain.end(), '_'), plain.end());
  if (ParseGoInteger(plain, r)) return r;
  if (IsYamlStyleFloat(plain)) ParseGoFloat(plain, r);
  return r;
}

std::optional<bool> GoBool(const YAML::Node& node) {
  const ResolvedScalar r = ResolveScalar(node);
  if (r.kind == ResolvedScalar::kBool) return r.b;
  return std::nullopt;
}

// Casting a double to an integer truncates toward zero, as Go's does.
std::optional<int64_t> GoInt64(const YAML::Node& node) {
  const ResolvedScalar r = ResolveScalar(node);
  constexpr double kTwo63 = 9223372036854775808.0;
  if (r.kind == ResolvedScalar::kInt) return r.i;
  if (r.kind == ResolvedScalar::kFloat && r.f >= -kTwo63 && r.f < kTwo63) {
    return static_cast<int64_t>(r.f);
  }
  return std::nullopt;
}

std::optional<uint64_t> GoUint64(const YAML::Node& node) {
  const ResolvedScalar r = ResolveScalar(node);
  constexpr double kTwo64 = 18446744073709551616.0;
  if (r.kind == ResolvedScalar::kInt && r.i >= 0) return r.i;
  if (r.kind == ResolvedScalar::kUint) return r.u;
  // (-1, 0) truncates to a well-defined 0 in Go too.
  if (r.kind == ResolvedScalar::kFloat && r.f > -1 && r.f < kTwo64) {
    return static_cast<uint64_t>(r.f);
  }
  return std::nullopt;
}

std::optional<double> GoFloat64(const YAML::Node& node) {
  const ResolvedScalar r = ResolveScalar(node);
  if (r.kind == ResolvedScalar::kInt) return r.i;
  if (r.kind == ResolvedScalar::kUint) return r.u;
  if (r.kind == ResolvedScalar::kFloat) return r.f;
  return std::nullopt;
}

std::string DescribeForError(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "!!map";
    case YAML::NodeType::Sequence:
      return "!!seq";
    case YAML::NodeType::Scalar: {
      // Go yaml's terror: a value past 10 bytes is cut to its first 7.
      std::string_view value = node.Scalar();
      return absl::StrCat(
          ToAbsl(ResolveScalar(node).tag()), " `",
          value.size() > 10 ? ToAbsl(value.substr(0, 7)) : ToAbsl(value),
          value.size() > 10 ? "...`" : "`");
    }
    default:
      return "!!null";
  }
}

absl::Status UnmarshalError(std::string_view file, const YAML::Node& node,
                            std::string_view go_type) {
  return ErrorAt(file, node,
                 absl::StrCat("cannot unmarshal ", DescribeForError(node),
                              " into ", ToAbsl(go_type)));
}

absl::Status CheckKnownFields(std::string_view file, const YAML::Node& node,
                              std::initializer_list<std::string_view> known,
                              std::string_view go_type) {
  for (const auto& kv : node) {
    const std::string key =
        kv.first.IsScalar() ? kv.first.Scalar() : std::string();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return ErrorAt(
          file, kv.first,
          absl::StrCat("field ", key, " not found in type ", ToAbsl(go_type)));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckStruct(std::string_view file, const YAML::Node& node,
                         std::initializer_list<std::string_view> known,
                         std::string_view go_type) {
  if (!node.IsMap()) return UnmarshalError(file, node, go_type);
  return CheckKnownFields(file, node, known, go_type);
}

namespace {

bool IsMergeKey(const YAML::Node& key) {
  return key.IsScalar() && key.Scalar() == "<<" &&
         (key.Tag() == "?" || key.Tag() == "tag:yaml.org,2002:merge");
}

class MergeResolver {
 public:
  MergeResolver(std::string_view file, GoYaml version)
      : file_(file), version_(version) {}

  absl::Status Visit(const YAML::Node& node) {
    if (!node.IsMap() && !node.IsSequence()) return absl::OkStatus();
    // Aliases share one node: each is resolved once, which also ends cycles.
    const YAML::Mark m = node.Mark();
    if (!visited_.insert({m.pos, m.line, m.column, node.IsMap()}).second) {
      return absl::OkStatus();
    }
    bool has_merge = false;
    for (const auto& kv : node) {
      if (node.IsSequence()) {
        if (auto st = Visit(kv); !st.ok()) return st;
        continue;
      }
      if (auto st = Visit(kv.second); !st.ok()) return st;
      has_merge = has_merge || IsMergeKey(kv.first);
    }
    return has_merge ? Merge(node) : absl::OkStatus();
  }

 private:
  using Entry = std::pair<YAML::Node, YAML::Node>;

  // Rebuilds `map` with the merged entries; the nodes themselves (and so
  // their positions) are kept.
  absl::Status Merge(YAML::Node map) {
    std::vector<Entry> entries;
    for (const auto& kv : map) entries.emplace_back(kv.first, kv.second);
    // Each merged map with the index of the "<<" that brought it.
    std::vector<std::pair<size_t, YAML::Node>> sources;
    std::vector<Entry> out;
    std::map<std::string, size_t> slot;      // own key -> index in out
    std::map<std::string, size_t> own_last;  // own key -> last index
    for (size_t i = 0; i < entries.size(); ++i) {
      const auto& [k, v] = entries[i];
      if (!IsMergeKey(k)) {
        if (k.IsScalar()) {
          slot.try_emplace(k.Scalar(), out.size());
          own_last[k.Scalar()] = i;
        }
        out.push_back(entries[i]);
      } else if (v.IsMap()) {
        sources.emplace_back(i, v);
      } else if (v.IsSequence()) {
        for (const YAML::Node& item : v) {
          if (!item.IsMap()) return WantMap(item);
          sources.emplace_back(i, item);
        }
      } else {
        return WantMap(v);
      }
    }
    std::set<std::string> merged;  // earlier merged maps win
    for (const auto& [at, source] : sources) {
      for (const auto& kv : source) {
        if (!kv.first.IsScalar()) {
          out.emplace_back(kv.first, kv.second);
          continue;
        }
        const std::string& name = kv.first.Scalar();
        if (!merged.insert(name).second) continue;
        const auto own = own_last.find(name);
        if (own == own_last.end()) {
          out.emplace_back(kv.first, kv.second);
        } else if (version_ == GoYaml::kV2 && own->second < at) {
          // yaml.v2 assigns in document order: "<<" after a key overrides it.
          out[slot[name]] = Entry(kv.first, kv.second);
        }
      }
    }
    for (const Entry& e : entries) map.remove(e.first);
    for (const Entry& e : out) map.force_insert(e.first, e.second);
    return absl::OkStatus();
  }

  absl::Status WantMap(const YAML::Node& at) {
    return ErrorAt(file_, at,
                   "map merge requires map or sequence of maps as the value");
  }

  std::string_view file_;
  GoYaml version_;
  std::set<std::tuple<int, int, int, bool>> visited_;
};

}  // namespace

absl::Status ResolveMergeKeys(std::string_view file, YAML::Node& root,
                              GoYaml version) {
  if (absl::Status s = CheckDuplicateKeys(file, root, version); !s.ok()) {
    return s;
  }
  return MergeResolver(file, version).Visit(root);
}

namespace {

// Nodes a walk meets, in total and through aliases. yaml-cpp gives an alias
// the anchored node itself, so a node met again is an alias; its subtree is
// counted once and its size remembered, which keeps this linear in the
// document. Counts saturate: a bomb's would overflow.
class AliasCounter {
 public:
  struct Count {
    uint64_t nodes = 0;
    uint64_t aliased = 0;
  };

  Count Visit(const YAML::Node& node) {
    const YAML::Mark m = node.Mark();
    // Implicit nodes (an empty value) have no position, and no anchor.
    if (m.line < 0) return {1, 0};
    const auto id = std::make_tuple(m.pos, m.line, m.column, node.Type());
    if (auto it = seen_.find(id); it != seen_.end()) {
      // An alias: all of its nodes come through it again. A node met
      // while still being counted is a cycle ("&a [*a]"), counted once.
      return {it->second, it->second};
    }
    seen_.emplace(id, 1);
    Count c{1, 0};
    auto add = [&c](Count sub) {
      c.nodes = Add(c.nodes, sub.nodes);
      c.aliased = Add(c.aliased, sub.aliased);
    };
    if (node.IsSequence()) {
      for (const YAML::Node& item : node) add(Visit(item));
    } else if (node.IsMap()) {
      for (const auto& kv : node) {
        add(Visit(kv.first));
        add(Visit(kv.second));
      }
    }
    seen_[id] = c.nodes;
    return c;
  }

 private:
  static uint64_t Add(uint64_t a, uint64_t b) {
    return a > std::numeric_limits<uint64_t>::max() - b
               ? std::numeric_limits<uint64_t>::max()
               : a + b;
  }

  std::map<std::tuple<int, int, int, YAML::NodeType::value>, uint64_t> seen_;
};

// yaml.v3's allowedAliasRatio.
double AllowedAliasRatio(uint64_t nodes) {
  constexpr double kLow = 400000, kHigh = 4000000;
  if (nodes <= kLow) return 0.99;
  if (nodes >= kHigh) return 0.10;
  return 0.99 - 0.89 * ((static_cast<double>(nodes) - kLow) / (kHigh - kLow));
}

}  // namespace

absl::Status CheckAliasing(std::string_view file, const YAML::Node& root) {
  const AliasCounter::Count c = AliasCounter().Visit(root);
  if (c.aliased > 100 && c.nodes > 1000 &&
      static_cast<double>(c.aliased) / static_cast<double>(c.nodes) >
          AllowedAliasRatio(c.nodes)) {
    return absl::InvalidArgumentError(absl::StrCat(
        ToAbsl(file), ": yaml: document contains excessive aliasing"));
  }
  return absl::OkStatus();
}

namespace {

// Remembers where the last document started; the events themselves are
// dropped.
class DocumentStarts : public YAML::EventHandler {
 public:
  YAML::Mark start;

  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// Reads a stream's documents one at a time, event by event, to find the
// stray "," yaml-cpp 0.7 turns into empty documents (see LoadAllDocuments).
class DocumentScan {
 public:
  DocumentScan(std::string_view yaml, std::string_view file)
      : in_(std::string(yaml)), parser_(in_), file_(file) {}

  // Reads the next document: false at the end of the stream, an error when
  // it starts where the one before it did. A syntax error inside it throws
  // YAML::Exception.
  absl::StatusOr<bool> Next() {
    if (!parser_.HandleNextDocument(starts_)) return false;
    if (last_ == starts_.start.pos) {
      return absl::InvalidArgumentError(
          absl::StrCat(ToAbsl(file_), ":", starts_.start.line + 1, ":",
                       starts_.start.column + 1,
                       ": yaml: did not find expected node content"));
    }
    last_ = starts_.start.pos;
    return true;
  }

 private:
  std::istringstream in_;
  YAML::Parser parser_;
  std::string_view file_;
  DocumentStarts starts_;
  std::optional<int> last_;
};

}  // namespace

absl::StatusOr<std::vector<YAML::Node>> LoadAllDocuments(
    std::string_view yaml, std::string_view file) {
  DocumentScan scan(yaml, file);
  for (;;) {
    absl::StatusOr<bool> more = scan.Next();
    if (!more.ok()) return more.status();
    if (!*more) break;
  }
  return YAML::LoadAll(std::string(yaml));
}

absl::StatusOr<YAML::Node> LoadDocument(std::string_view yaml,
                                        std::string_view file) {
  try {
    DocumentScan scan(yaml, file);
    if (absl::StatusOr<bool> first = scan.Next(); !first.ok()) {
      return first.status();
    }
    // yaml-cpp ends the first document at a stray "," that libyaml reports
    // inside it (",\n" or "- a\n,\n"); the next two documents show it: the
    // second starts where the first did, or the third where the second did.
    // Go decodes only the first document, so what follows it is not
    // otherwise read, errors included.
    try {
      for (int i = 0; i < 2; ++i) {
        absl::StatusOr<bool> more = scan.Next();
        if (!more.ok()) return more.status();
        if (!*more) break;
      }
    } catch (const YAML::Exception&) {
    }
    YAML::Node root = YAML::Load(std::string(yaml));
    if (auto st = ResolveMergeKeys(file, root, GoYaml::kV2); !st.ok()) {
      return st;
    }
    // yaml.v2 decodes every node of these strictly decoded files.
    if (auto st = CheckAliasing(file, root); !st.ok()) return st;
    return root;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(file), ":", e.mark.line + 1, ":", e.mark.column + 1,
                     ": yaml: ", e.msg));
  }
}

absl::StatusOr<std::string> DecodeString(std::string_view file,
                                         const YAML::Node& node) {
  if (node.IsNull()) return std::string();
  if (!node.IsScalar()) {
    return UnmarshalError(file, node, "string");
  }
  return node.Scalar();
}

namespace {

// A typed scalar field: null is T's zero value, as Go leaves the field.
template <typename T>
absl::StatusOr<T> DecodeTyped(std::string_view file, const YAML::Node& node,
                              std::optional<T> (*convert)(const YAML::Node&),
                              std::string_view go_type) {
  if (node.IsNull()) return T{};
  if (std::optional<T> v = convert(node)) return *v;
  return UnmarshalError(file, node, go_type);
}

}  // namespace

absl::StatusOr<bool> DecodeBool(std::string_view file, const YAML::Node& node) {
  return DecodeTyped(file, node, GoBool, "bool");
}

absl::StatusOr<uint64_t> DecodeUint(std::string_view file,
                                    const YAML::Node& node,
                                    std::string_view go_type) {
  return DecodeTyped(file, node, GoUint64, go_type);
}

absl::StatusOr<int64_t> DecodeInt64(std::string_view file,
                                    const YAML::Node& node,
                                    std::string_view go_type) {
  return DecodeTyped(file, node, GoInt64, go_type);
}

absl::StatusOr<double> DecodeFloat(std::string_view file,
                                   const YAML::Node& node,
                                   std::string_view go_type) {
  return DecodeTyped(file, node, GoFloat64, go_type);
}

absl::StatusOr<std::vector<std::string>> DecodeStringList(
    std::string_view file, const YAML::Node& node, std::string_view go_type) {
  std::vector<std::string> out;
  if (node.IsNull()) return out;
  if (!node.IsSequence()) {
    return UnmarshalError(file, node, go_type);
  }
  for (const auto& item : node) {
    auto s = DecodeString(file, item);
    if (!s.ok()) return s.status();
    out.push_back(*std::move(s));
  }
  return out;
}

absl::StatusOr<int64_t> DecodeDurationMs(std::string_view file,
                                         const YAML::Node& node) {
  if (node.IsNull()) return 0;
  if (!node.IsScalar()) {
    return UnmarshalError(file, node, "model.Duration");
  }
  auto ms = ParseDurationMs(node.Scalar());
  if (!ms.ok()) return ErrorAt(file, node, FromAbsl(ms.status().message()));
  return *ms;
}

absl::StatusOr<int64_t> DecodeGoDurationNs(std::string_view file,
                                           const YAML::Node& node) {
  if (node.IsNull()) return 0;
  if (node.IsScalar()) {
    if (ResolveScalar(node).kind == ResolvedScalar::kString) {
      if (absl::StatusOr<int64_t> ns = ParseGoDuration(node.Scalar());
          ns.ok()) {
        return *ns;
      }
    } else if (std::optional<int64_t> ns = GoInt64(node)) {
      return *ns;
    }
  }
  return UnmarshalError(file, node, "time.Duration");
}

}  // namespace vigil::yamlcfg
