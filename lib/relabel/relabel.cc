#include "vigil/relabel.h"

#include <openssl/evp.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/model/absl_compat.h"
#include "lib/model/go_quote.h"
#include "lib/model/strings.h"
#include "lib/model/utf8.h"
#include "lib/relabel/case_map.h"

namespace vigil::relabel {
namespace {

constexpr std::string_view kDefaultRegex = "(.*)";
constexpr std::string_view kDefaultSeparator = ";";
constexpr std::string_view kDefaultReplacement = "$1";

struct ActionRow {
  Action action;
  std::string_view name;
};
constexpr ActionRow kActions[] = {
    {Action::kReplace, "replace"},     {Action::kKeep, "keep"},
    {Action::kDrop, "drop"},           {Action::kKeepEqual, "keepequal"},
    {Action::kDropEqual, "dropequal"}, {Action::kHashMod, "hashmod"},
    {Action::kLabelMap, "labelmap"},   {Action::kLabelDrop, "labeldrop"},
    {Action::kLabelKeep, "labelkeep"}, {Action::kLowercase, "lowercase"},
    {Action::kUppercase, "uppercase"},
};

re2::StringPiece Piece(std::string_view s) {
  return re2::StringPiece(s.data(), s.size());
}

std::shared_ptr<const re2::RE2> CompileAnchored(std::string_view pattern) {
  RE2::Options options;
  options.set_log_errors(false);
  // Prometheus 3 anchors relabel regexes as ^(?s:<regex>)$.
  return std::make_shared<const re2::RE2>(
      absl::StrCat("^(?s:", ToAbsl(pattern), ")$"), options);
}

const std::shared_ptr<const re2::RE2>& DefaultRegex() {
  static const auto* re =
      new std::shared_ptr<const re2::RE2>(CompileAnchored(kDefaultRegex));
  return *re;
}

// Prometheus's relabelTargetLegacy: a legacy label name that may contain
// $var / ${var} references.
const re2::RE2& LegacyTargetRegex() {
  static const auto* re =
      new re2::RE2(R"(^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$)");
  return *re;
}

bool IsValidLabelName(std::string_view name, NameValidation v) {
  if (v == NameValidation::kLegacy) return IsLegacyLabelName(name);
  return !name.empty() && IsValidUtf8(name);
}

bool IsValidTemplatedName(std::string_view name, NameValidation v) {
  if (v == NameValidation::kLegacy) {
    return RE2::FullMatch(Piece(name), LegacyTargetRegex());
  }
  return IsValidLabelName(name, v);
}

bool HasVar(std::string_view tmpl) {
  return tmpl.find('$') != std::string_view::npos;
}

bool IsWordByte(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Go's regexp.extract: the group reference after a '$' at tmpl[0].
struct GroupRef {
  std::string_view name;
  int num = -1;  // >= 0 when the name is all digits (and small)
  size_t consumed = 0;
};
std::optional<GroupRef> ExtractRef(std::string_view tmpl) {
  if (tmpl.size() < 2) return std::nullopt;
  size_t i = 1;
  const bool brace = tmpl[1] == '{';
  if (brace) ++i;
  const size_t start = i;
  while (i < tmpl.size() && IsWordByte(tmpl[i])) ++i;
  if (i == start) return std::nullopt;
  GroupRef ref;
  ref.name = tmpl.substr(start, i - start);
  if (brace) {
    if (i >= tmpl.size() || tmpl[i] != '}') return std::nullopt;
    ++i;
  }
  ref.consumed = i;
  // Go caps group numbers at 1e8; larger digit strings name no group.
  int num = 0;
  for (char c : ref.name) {
    if (c < '0' || c > '9' || num >= 100000000) {
      num = -1;
      break;
    }
    num = num * 10 + (c - '0');
  }
  if (num >= 100000000) num = -1;
  ref.num = num;
  return ref;
}

// The submatches of a full match of `re` on `s`, or nullopt.
std::optional<std::vector<std::string_view>> MatchGroups(const re2::RE2& re,
                                                         std::string_view s) {
  const int n = 1 + re.NumberOfCapturingGroups();
  std::vector<re2::StringPiece> pieces(n);
  if (!re.Match(Piece(s), 0, s.size(), RE2::UNANCHORED, pieces.data(), n)) {
    return std::nullopt;
  }
  std::vector<std::string_view> groups(n);
  for (int i = 0; i < n; ++i) {
    if (pieces[i].data() != nullptr) {
      groups[i] = std::string_view(pieces[i].data(), pieces[i].size());
    }
  }
  return groups;
}

void ApplyReplace(const Config& cfg, std::string_view val, LabelsBuilder& lb) {
  // Prometheus's fast path: with the default regex an empty value sets (or,
  // with an empty replacement, deletes) the target literally.
  if (val.empty() && cfg.regex.is_default() && !HasVar(cfg.target_label) &&
      !HasVar(cfg.replacement)) {
    lb.Set(cfg.target_label, cfg.replacement);
    return;
  }
  auto groups = MatchGroups(cfg.regex.re(), val);
  if (!groups) return;  // no match: no replacement
  const std::string target = Expand(cfg.regex.re(), cfg.target_label, *groups);
  if (!IsValidLabelName(target, cfg.name_validation)) return;
  const std::string res = Expand(cfg.regex.re(), cfg.replacement, *groups);
  if (res.empty()) {
    lb.Del(target);
  } else {
    lb.Set(target, res);
  }
}

// labelmap/labeldrop/labelkeep iterate over a snapshot of the labels, as
// Prometheus's Builder.Range does: labels set during the walk are not
// visited.
std::vector<Label> Snapshot(const LabelsBuilder& lb) {
  Labels current = lb.Build();
  return std::vector<Label>(current.begin(), current.end());
}

bool RelabelOne(const Config& cfg, LabelsBuilder& lb) {
  std::string val;
  for (size_t i = 0; i < cfg.source_labels.size(); ++i) {
    if (i > 0) val += cfg.separator;
    val += lb.Get(cfg.source_labels[i]);
  }
  switch (cfg.action) {
    case Action::kDrop:
      return !cfg.regex.Matches(val);
    case Action::kKeep:
      return cfg.regex.Matches(val);
    case Action::kDropEqual:
      return lb.Get(cfg.target_label) != val;
    case Action::kKeepEqual:
      return lb.Get(cfg.target_label) == val;
    case Action::kReplace:
      ApplyReplace(cfg, val, lb);
      return true;
    case Action::kLowercase:
      lb.Set(cfg.target_label, ToLowerUtf8(val));
      return true;
    case Action::kUppercase:
      lb.Set(cfg.target_label, ToUpperUtf8(val));
      return true;
    case Action::kHashMod:
      lb.Set(cfg.target_label,
             absl::StrCat(HashMod(val, cfg.modulus == 0 ? 1 : cfg.modulus)));
      return true;
    case Action::kLabelMap:
      for (const Label& l : Snapshot(lb)) {
        auto groups = MatchGroups(cfg.regex.re(), l.name);
        if (!groups) continue;
        // The regex is anchored, so Go's ReplaceAllString replaces the whole
        // name with the expanded replacement.
        std::string name = Expand(cfg.regex.re(), cfg.replacement, *groups);
        if (!name.empty()) lb.Set(name, l.value);
      }
      return true;
    case Action::kLabelDrop:
      for (const Label& l : Snapshot(lb)) {
        if (cfg.regex.Matches(l.name)) lb.Del(l.name);
      }
      return true;
    case Action::kLabelKeep:
      for (const Label& l : Snapshot(lb)) {
        if (!cfg.regex.Matches(l.name)) lb.Del(l.name);
      }
      return true;
  }
  return true;
}

// RE2's error texts where Go's regexp words them differently.
struct ErrorWording {
  std::string_view re2;
  std::string_view go;
};
constexpr ErrorWording kRegexErrorWording[] = {
    {"missing )", "missing closing )"},
    {"missing ]", "missing closing ]"},
    {"trailing \\", "trailing backslash at end of expression"},
    {"bad repetition operator", "invalid nested repetition operator"},
};

// Go's "error parsing regexp: <code>: `<expr>`" from RE2's "<code>: <expr>".
std::string GoRegexError(const std::string& re2_error) {
  std::string_view code = re2_error;
  std::string_view expr;
  if (size_t colon = code.find(": "); colon != std::string_view::npos) {
    expr = code.substr(colon + 2);
    code = code.substr(0, colon);
  }
  for (const ErrorWording& w : kRegexErrorWording) {
    if (code == w.re2) code = w.go;
  }
  if (expr.empty()) {
    return absl::StrCat("error parsing regexp: ", ToAbsl(code));
  }
  return absl::StrCat("error parsing regexp: ", ToAbsl(code), ": `",
                      ToAbsl(expr), "`");
}

absl::Status Invalid(std::string msg) {
  return absl::InvalidArgumentError(std::move(msg));
}

}  // namespace

std::string_view ActionName(Action action) {
  for (const ActionRow& row : kActions) {
    if (row.action == action) return row.name;
  }
  return "unknown";
}

std::optional<Action> ParseAction(std::string_view name) {
  const std::string lower = absl::AsciiStrToLower(ToAbsl(name));
  for (const ActionRow& row : kActions) {
    if (row.name == lower) return row.action;
  }
  return std::nullopt;
}

Regexp::Regexp() : pattern_(kDefaultRegex), re_(DefaultRegex()) {}

absl::StatusOr<Regexp> Regexp::Compile(std::string_view pattern) {
  Regexp out;
  out.pattern_ = std::string(pattern);
  out.is_default_ = false;
  out.re_ = CompileAnchored(pattern);
  if (!out.re_->ok()) {
    return Invalid(GoRegexError(out.re_->error()));
  }
  return out;
}

bool Regexp::Matches(std::string_view s) const {
  return RE2::FullMatch(Piece(s), *re_);
}

std::string Expand(const re2::RE2& re, std::string_view tmpl,
                   const std::vector<std::string_view>& groups) {
  std::string out;
  out.reserve(tmpl.size());
  while (!tmpl.empty()) {
    const size_t dollar = tmpl.find('$');
    if (dollar == std::string_view::npos) {
      out += tmpl;
      break;
    }
    out += tmpl.substr(0, dollar);
    tmpl.remove_prefix(dollar);
    if (tmpl.size() > 1 && tmpl[1] == '$') {
      out.push_back('$');
      tmpl.remove_prefix(2);
      continue;
    }
    auto ref = ExtractRef(tmpl);
    if (!ref) {
      // Go: a malformed reference keeps the '$' as text.
      out.push_back('$');
      tmpl.remove_prefix(1);
      continue;
    }
    if (ref->num >= 0) {
      if (static_cast<size_t>(ref->num) < groups.size()) {
        out += groups[ref->num];
      }
    } else {
      // The first group of that name that took part in the match.
      for (const auto& [name, index] : re.NamedCapturingGroups()) {
        if (name == ref->name && static_cast<size_t>(index) < groups.size() &&
            groups[index].data() != nullptr) {
          out += groups[index];
          break;
        }
      }
    }
    tmpl.remove_prefix(ref->consumed);
  }
  return out;
}

namespace {

// Fetched once: OpenSSL 3 looks an implicit EVP_md5() up again at every
// digest. Null only under an OpenSSL restricted to its FIPS provider, which
// has no MD5; Validate() then rejects hashmod, so no scrape thread meets it.
const EVP_MD* Md5() {
  static const EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  return md5;
}

}  // namespace

uint64_t HashMod(std::string_view value, uint64_t modulus) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (Md5() == nullptr ||
      EVP_Digest(value.data(), value.size(), d, &len, Md5(), nullptr) != 1 ||
      len != 16) {
    return 0;  // unreachable for a validated config; see Md5()
  }
  // Prometheus: "Use only the last 8 bytes of the hash to give the same
  // result as earlier versions of this code."
  uint64_t v = 0;
  for (int i = 8; i < 16; ++i) v = (v << 8) | d[i];
  return v % modulus;
}

absl::Status Validate(const Config& c) {
  const std::string_view act = ActionName(c.action);
  const NameValidation v = c.name_validation;
  const bool needs_target =
      c.action == Action::kReplace || c.action == Action::kHashMod ||
      c.action == Action::kLowercase || c.action == Action::kUppercase ||
      c.action == Action::kKeepEqual || c.action == Action::kDropEqual;
  const bool case_or_equal =
      c.action == Action::kLowercase || c.action == Action::kUppercase ||
      c.action == Action::kKeepEqual || c.action == Action::kDropEqual;
  const auto bad_target = [&] {
    return Invalid(absl::StrFormat("%s is invalid 'target_label' for %s action",
                                   QuoteString(c.target_label), act));
  };

  if (c.modulus == 0 && c.action == Action::kHashMod) {
    return Invalid(
        "relabel configuration for hashmod requires non-zero modulus");
  }
  if (c.action == Action::kHashMod && Md5() == nullptr) {
    return Invalid(
        "hashmod needs MD5, which this build's OpenSSL does not provide "
        "(FIPS-only provider)");
  }
  if (needs_target && c.target_label.empty()) {
    return Invalid(absl::StrFormat(
        "relabel configuration for %s action requires 'target_label' value",
        act));
  }
  if (c.action == Action::kReplace) {
    const bool ok = HasVar(c.target_label)
                        ? IsValidTemplatedName(c.target_label, v)
                        : IsValidLabelName(c.target_label, v);
    if (!ok) return bad_target();
  }
  if (case_or_equal && !IsValidLabelName(c.target_label, v)) {
    return bad_target();
  }
  if (case_or_equal && c.replacement != kDefaultReplacement) {
    return Invalid(
        absl::StrFormat("'replacement' can not be set for %s action", act));
  }
  if (c.action == Action::kLabelMap &&
      !IsValidTemplatedName(c.replacement, v)) {
    return Invalid(absl::StrFormat("%s is invalid 'replacement' for %s action",
                                   QuoteString(c.replacement), act));
  }
  if (c.action == Action::kHashMod && !IsValidLabelName(c.target_label, v)) {
    return bad_target();
  }
  if (c.action == Action::kDropEqual || c.action == Action::kKeepEqual) {
    if (!c.regex.is_default() || c.modulus != 0 ||
        c.separator != kDefaultSeparator ||
        c.replacement != kDefaultReplacement) {
      return Invalid(absl::StrFormat(
          "%s action requires only 'source_labels' and `target_label`, and no "
          "other fields",
          act));
    }
  }
  if (c.action == Action::kLabelDrop || c.action == Action::kLabelKeep) {
    if (c.source_labels_set || !c.source_labels.empty() ||
        !c.target_label.empty() || c.modulus != 0 ||
        c.separator != kDefaultSeparator ||
        c.replacement != kDefaultReplacement) {
      return Invalid(absl::StrFormat(
          "%s action requires only 'regex', and no other fields", act));
    }
  }
  return absl::OkStatus();
}

bool ProcessBuilder(LabelsBuilder& builder,
                    const std::vector<Config>& configs) {
  for (const Config& cfg : configs) {
    if (!RelabelOne(cfg, builder)) return false;
  }
  return true;
}

std::optional<Labels> Process(const Labels& labels,
                              const std::vector<Config>& configs) {
  if (configs.empty()) return labels;
  LabelsBuilder builder(labels);
  if (!ProcessBuilder(builder, configs)) return std::nullopt;
  return builder.Build();
}

}  // namespace vigil::relabel
