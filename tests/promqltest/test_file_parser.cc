#include "tests/promqltest/test_file_parser.h"

#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/model/duration.h"
#include "re2/re2.h"
#include "tests/promqltest/go_literals.h"
#include "tests/promqltest/text_util.h"

namespace vigil::promqltest {
namespace {

// upstream's patterns (promql/promqltest/test.go), unchanged.
const RE2& PatLoad() {
  static const RE2 re("^load(?:_(with_nhcb))?\\s+(.+?)$");
  return re;
}
const RE2& PatEvalInstant() {
  static const RE2 re(
      "^eval(?:_(fail|warn|ordered|info))?\\s+instant\\s+(?:at\\s+(.+?))?"
      "\\s+(.+)$");
  return re;
}
const RE2& PatEvalRange() {
  static const RE2 re(
      "^eval(?:_(fail|warn|info))?\\s+range\\s+from\\s+(.+)\\s+to\\s+(.+)"
      "\\s+step\\s+(.+?)\\s+(.+)$");
  return re;
}
const RE2& PatExpect() {
  static const RE2 re(
      "^expect\\s+(ordered|fail|warn|no_warn|info|no_info)"
      "(?:\\s+(regex|msg):(.+))?$");
  return re;
}
constexpr std::string_view kRangeVectorPrefix = "expect range vector";
constexpr std::string_view kExpectStringPrefix = "expect string";
const RE2& PatExpectRange() {
  static const RE2 re(
      "^expect range vector\\s+from\\s+(.+)\\s+to\\s+(.+)\\s+step\\s+(.+)$");
  return re;
}
// What an `expect <kind>` without msg:/regex: matches.
std::shared_ptr<const RE2> MatchAny() {
  static const auto re = std::make_shared<const RE2>("^.*$");
  return re;
}

const std::map<std::string_view, ExpectKind>& ExpectKinds() {
  static const auto* kinds = new std::map<std::string_view, ExpectKind>{
      {"ordered", ExpectKind::kOrdered}, {"fail", ExpectKind::kFail},
      {"warn", ExpectKind::kWarn},       {"no_warn", ExpectKind::kNoWarn},
      {"info", ExpectKind::kInfo},       {"no_info", ExpectKind::kNoInfo},
  };
  return *kinds;
}

absl::Status LineError(size_t i, absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat("line ", i + 1, ": ", message));
}

// upstream's getLines: trimmed, comments blanked (so a comment also ends a
// block).
std::vector<std::string> GetLines(std::string_view text) {
  std::vector<std::string> lines = absl::StrSplit(ToAbsl(text), '\n');
  for (std::string& l : lines) {
    absl::StripAsciiWhitespace(&l);
    if (l.starts_with("#")) l.clear();
  }
  return lines;
}

// The `metric{labels}` prefix of a series line, for lines whose values the
// series parser cannot read (native histograms).
std::string_view MetricPart(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && line[i] != '{' && line[i] != ' ' &&
         line[i] != '\t') {
    ++i;
  }
  if (i < line.size() && line[i] == '{') {
    char quote = 0;
    for (++i; i < line.size(); ++i) {
      char c = line[i];
      if (quote != 0) {
        if (c == '\\' && quote != '`') {
          ++i;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'' || c == '`') {
        quote = c;
      } else if (c == '}') {
        ++i;
        break;
      }
    }
  }
  return line.substr(0, i);
}

absl::StatusOr<Labels> LabelsOnly(std::string_view metric,
                                  const SeriesParser& parse_series) {
  auto desc = parse_series(absl::StrCat(ToAbsl(metric), " _"));
  if (!desc.ok()) return desc.status();
  return desc->labels;
}

// Go's strings.TrimSuffix-based test of upstream's isSTLine.
bool IsStartTimestampLine(std::string_view line) {
  size_t space = line.find_first_of(" \t");
  if (space == std::string_view::npos) return false;
  return line.substr(0, space).ends_with("@st");
}

// An @st line's repeat counts are bounded like the series notation's.
constexpr uint64_t kMaxStartTimestampRepeat = 50'000'000;

// A duration with an optional sign at *pos in `item`: digits, then unit
// letters up to an `x`, which starts a repeat count rather than a unit.
absl::StatusOr<int64_t> SignedDurationAt(std::string_view item, size_t* pos) {
  size_t i = *pos;
  bool negative = false;
  if (i < item.size() && (item[i] == '-' || item[i] == '+')) {
    negative = item[i] == '-';
    ++i;
  }
  const size_t start = i;
  while (i < item.size() && absl::ascii_isdigit(item[i])) ++i;
  if (i == start) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected a duration in \"", ToAbsl(item), "\""));
  }
  while (i < item.size() && absl::ascii_isalpha(item[i]) && item[i] != 'x') {
    ++i;
  }
  auto ms = ParseDurationMs(item.substr(start, i - start));
  if (!ms.ok()) return ms.status();
  *pos = i;
  return negative ? -*ms : *ms;
}

// The N of `xN`: digits only, at most kMaxStartTimestampRepeat.
absl::StatusOr<uint64_t> RepeatCount(std::string_view digits) {
  uint64_t n = 0;
  if (digits.empty()) return absl::InvalidArgumentError("missing repeat count");
  for (char c : digits) {
    if (!absl::ascii_isdigit(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid repeat count \"", ToAbsl(digits), "\""));
    }
    n = n * 10 + static_cast<uint64_t>(c - '0');
    if (n > kMaxStartTimestampRepeat) {
      return absl::InvalidArgumentError(
          absl::StrCat("repeat count too large: ", ToAbsl(digits)));
    }
  }
  return n;
}

absl::Status AppendStartTimestampItem(
    std::string_view item, std::vector<std::optional<int64_t>>* out) {
  if (item == "_") {
    out->push_back(std::nullopt);
    return absl::OkStatus();
  }
  if (item.starts_with("_x")) {
    auto n = RepeatCount(item.substr(2));
    if (!n.ok()) return n.status();
    if (*n == 0) return absl::InvalidArgumentError("invalid repeat count 0");
    out->insert(out->end(), *n, std::nullopt);
    return absl::OkStatus();
  }
  size_t pos = 0;
  auto base = SignedDurationAt(item, &pos);
  if (!base.ok()) return base.status();
  if (pos == item.size()) {
    out->push_back(*base);
    return absl::OkStatus();
  }
  int64_t delta = 0;
  if (item[pos] == '+' || item[pos] == '-') {
    auto d = SignedDurationAt(item, &pos);
    if (!d.ok()) return d.status();
    delta = *d;
    if (pos == item.size() || item[pos] != 'x') {
      return absl::InvalidArgumentError(absl::StrCat(
          "expected x<count> after the step in \"", ToAbsl(item), "\""));
    }
  } else if (item[pos] != 'x') {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected character in \"", ToAbsl(item), "\""));
  }
  auto n = RepeatCount(item.substr(pos + 1));
  if (!n.ok()) return n.status();
  int64_t offset = *base;
  for (uint64_t k = 0; k <= *n; ++k, offset += delta) out->push_back(offset);
  return absl::OkStatus();
}

absl::StatusOr<LoadCommand> ParseLoad(const std::vector<std::string>& lines,
                                      size_t* i,
                                      const SeriesParser& parse_series) {
  std::string nhcb, step;
  if (!RE2::PartialMatch(lines[*i], PatLoad(), &nhcb, &step)) {
    return LineError(
        *i, "invalid load command. (load[_with_nhcb] <step:duration>)");
  }
  LoadCommand cmd;
  cmd.line = static_cast<int>(*i) + 1;
  cmd.with_nhcb = nhcb == "with_nhcb";
  auto gap = ParseDurationMs(step);
  if (!gap.ok()) {
    return LineError(*i, absl::StrCat("invalid step definition \"", step,
                                      "\": ", gap.status().message()));
  }
  cmd.step_ms = *gap;

  std::map<Labels, size_t> index;  // labels → position in cmd.series
  std::map<Labels, std::string> unsupported;
  // An @st line describes the sample line right after it.
  struct PendingStartTimestamps {
    Labels labels;
    std::vector<std::optional<int64_t>> offsets;
    size_t line = 0;
  };
  std::optional<PendingStartTimestamps> pending_st;
  while (*i + 1 < lines.size()) {
    const std::string& def = lines[*i + 1];
    if (def.empty()) break;
    ++*i;
    if (IsStartTimestampLine(def)) {
      if (pending_st.has_value()) {
        return LineError(pending_st->line,
                         "@st line has no following sample line");
      }
      const size_t space = def.find_first_of(" \t");
      std::string_view metric = std::string_view(def).substr(0, space);
      metric.remove_suffix(3);  // "@st"
      auto labels = LabelsOnly(metric, parse_series);
      if (!labels.ok()) return LineError(*i, labels.status().message());
      auto offsets =
          ParseStartTimestampOffsets(std::string_view(def).substr(space));
      if (!offsets.ok()) {
        return LineError(
            *i, absl::StrCat("invalid @st line: ", offsets.status().message()));
      }
      pending_st =
          PendingStartTimestamps{*std::move(labels), *std::move(offsets), *i};
      continue;
    }
    auto desc = parse_series(def);
    if (absl::IsUnimplemented(desc.status())) {
      auto labels = LabelsOnly(MetricPart(def), parse_series);
      if (!labels.ok()) return LineError(*i, labels.status().message());
      unsupported[*labels] = std::string(kReasonHistogramSeries);
      pending_st.reset();
      continue;
    }
    if (!desc.ok()) return LineError(*i, desc.status().message());
    std::vector<std::optional<int64_t>> offsets;
    if (pending_st.has_value()) {
      if (!(pending_st->labels == desc->labels)) {
        return LineError(
            pending_st->line,
            "@st metric does not match the following sample line metric");
      }
      if (pending_st->offsets.size() != desc->values.size()) {
        return LineError(
            pending_st->line,
            absl::StrCat("@st line has ", pending_st->offsets.size(),
                         " values but sample line has ", desc->values.size()));
      }
      offsets = std::move(pending_st->offsets);
      pending_st.reset();
    }
    auto [it, inserted] = index.emplace(desc->labels, cmd.series.size());
    if (inserted) {
      cmd.series.push_back(*std::move(desc));
      cmd.start_offsets.push_back(std::move(offsets));
    } else {
      cmd.series[it->second] = *std::move(desc);
      cmd.start_offsets[it->second] = std::move(offsets);
    }
  }
  if (pending_st.has_value()) {
    return LineError(pending_st->line, "@st line has no following sample line");
  }
  for (auto& [labels, reason] : unsupported) {
    cmd.unsupported.push_back({labels, std::move(reason)});
  }
  return cmd;
}

// Fills *from, *to, *step from upstream's parseDurations.
absl::Status ParseDurations(const std::string& from, const std::string& to,
                            const std::string& step, int64_t* from_ms,
                            int64_t* to_ms, int64_t* step_ms) {
  auto f = ParseDurationMs(from);
  if (!f.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid start timestamp definition \"", from,
                     "\": ", f.status().message()));
  }
  auto t = ParseDurationMs(to);
  if (!t.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid end timestamp definition \"", to,
                     "\": ", t.status().message()));
  }
  if (*t < *f) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid test definition, end timestamp (", to,
                     ") is before start timestamp (", from, ")"));
  }
  auto s = ParseDurationMs(step);
  if (!s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid step definition \"", step, "\": ", s.status().message()));
  }
  *from_ms = *f;
  *to_ms = *t;
  *step_ms = *s;
  return absl::OkStatus();
}

absl::Status ParseExpectLine(std::string_view def, EvalCommand* cmd) {
  std::string mode, qualifier, text;
  if (!RE2::PartialMatch(TrimSpace(def), PatExpect(), &mode, &qualifier,
                         &text)) {
    return absl::InvalidArgumentError(
        "invalid expect statement, must match `expect <type> <match_type>: "
        "<string>` format");
  }
  ExpectLine e;
  e.kind = ExpectKinds().at(mode);
  if (qualifier == "msg") {
    e.message = std::string(absl::StripAsciiWhitespace(text));
  } else if (qualifier == "regex") {
    std::string pattern(absl::StripAsciiWhitespace(text));
    auto re = std::make_shared<const RE2>(pattern, RE2::Quiet);
    if (!re->ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid regex ", pattern, " for ", mode));
    }
    e.regex = std::move(re);
  } else {
    e.regex = MatchAny();
  }
  cmd->expects[static_cast<size_t>(e.kind)].push_back(std::move(e));
  // upstream's validateExpectedCmds.
  auto n = [&](ExpectKind k) { return cmd->Expects(k).size(); };
  if (n(ExpectKind::kInfo) > 0 && n(ExpectKind::kNoInfo) > 0) {
    return absl::InvalidArgumentError(
        "invalid expect lines, info and no_info cannot be used together");
  }
  if (n(ExpectKind::kWarn) > 0 && n(ExpectKind::kNoWarn) > 0) {
    return absl::InvalidArgumentError(
        "invalid expect lines, warn and no_warn cannot be used together");
  }
  if (n(ExpectKind::kFail) > 1) {
    return absl::InvalidArgumentError(
        "invalid expect lines, multiple expect fail lines are not allowed");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ParseExpectString(std::string_view line) {
  constexpr absl::string_view kNeedsQuotes =
      "expected string literal not valid - a quoted string literal is "
      "required";
  if (line == kExpectStringPrefix) {
    return absl::InvalidArgumentError(kNeedsQuotes);
  }
  std::string_view str = line;
  if (str.starts_with(kExpectStringPrefix) &&
      str.substr(kExpectStringPrefix.size()).starts_with(" ")) {
    str.remove_prefix(kExpectStringPrefix.size() + 1);
  }
  if (str.empty()) return absl::InvalidArgumentError(kNeedsQuotes);
  auto unquoted = GoUnquote(str);
  if (!unquoted.has_value()) {
    return absl::InvalidArgumentError(
        "expected string literal not valid - check that the string is "
        "correctly quoted");
  }
  return *unquoted;
}

absl::StatusOr<EvalCommand> ParseEval(const std::vector<std::string>& lines,
                                      size_t* i,
                                      const SeriesParser& parse_series) {
  const std::string& head = lines[*i];
  std::string mod, at, from, to, step;
  EvalCommand cmd;
  cmd.line = static_cast<int>(*i) + 1;
  bool is_instant =
      RE2::PartialMatch(head, PatEvalInstant(), &mod, &at, &cmd.expr);
  if (!is_instant && !RE2::PartialMatch(head, PatEvalRange(), &mod, &from, &to,
                                        &step, &cmd.expr)) {
    return LineError(
        *i,
        "invalid evaluation command. Must be either 'eval[_fail|_warn|_ordered]"
        " instant [at <offset:duration>] <query>' or 'eval[_fail|_warn] range "
        "from <from> to <to> step <step> <query>'");
  }
  auto set_error = [&](absl::string_view message) {
    if (cmd.error.empty()) {
      cmd.error = absl::StrCat("error in eval ", cmd.expr, " (line ", cmd.line,
                               "): ", message);
    }
  };
  if (is_instant) {
    auto offset = ParseDurationMs(at);
    if (!offset.ok()) {
      set_error(absl::StrCat("invalid timestamp definition \"", at,
                             "\": ", offset.status().message()));
    } else {
      cmd.start_ms = cmd.eval_ms = *offset;
    }
  } else {
    cmd.is_range = true;
    absl::Status s = ParseDurations(from, to, step, &cmd.start_ms, &cmd.end_ms,
                                    &cmd.step_ms);
    if (!s.ok()) set_error(s.message());
  }
  cmd.ordered = mod == "ordered";
  cmd.fail = mod == "fail";
  cmd.warn = mod == "warn";
  cmd.info = mod == "info";

  bool expect_range_vector = false;
  // `pos` counts result lines for `ordered`; as upstream, expect lines do
  // not advance it but `expect range vector`/`expect string` lines do.
  for (int pos = 1; *i + 1 < lines.size(); ++pos) {
    const std::string& def = lines[*i + 1];
    if (def.empty()) break;
    ++*i;
    if (cmd.fail && absl::StartsWith(def, "expected_fail_message")) {
      std::string_view msg = def;
      msg.remove_prefix(std::string_view("expected_fail_message").size());
      cmd.expected_fail_message = std::string(TrimSpace(msg));
      break;  // as upstream: the block's remaining lines are commands again
    }
    if (cmd.fail && absl::StartsWith(def, "expected_fail_regexp")) {
      std::string_view pattern = def;
      pattern.remove_prefix(std::string_view("expected_fail_regexp").size());
      pattern = TrimSpace(pattern);
      auto re = std::make_shared<const RE2>(pattern, RE2::Quiet);
      if (!re->ok()) {
        set_error(absl::StrCat("invalid regexp '", ToAbsl(pattern),
                               "' for expected_fail_regexp: ", re->error()));
      }
      cmd.expected_fail_regexp = std::move(re);
      break;
    }
    if (def.starts_with(kRangeVectorPrefix)) {
      std::string f, t, s;
      if (!RE2::PartialMatch(def, PatExpectRange(), &f, &t, &s)) {
        set_error(
            absl::StrCat("invalid range vector definition \"", def, "\""));
        continue;
      }
      absl::Status st =
          ParseDurations(f, t, s, &cmd.start_ms, &cmd.end_ms, &cmd.step_ms);
      if (!st.ok()) {
        set_error(st.message());
        continue;
      }
      expect_range_vector = true;
      cmd.eval_ms = cmd.end_ms;
      cmd.exclude_from_range_query = true;
      continue;
    }
    if (def.starts_with(kExpectStringPrefix)) {
      auto str = ParseExpectString(def);
      if (!str.ok()) {
        set_error(str.status().message());
      } else {
        cmd.expected_string = *std::move(str);
      }
      cmd.exclude_from_range_query = true;
      continue;
    }
    // A metric named `expect` must be written `expect{}`, as upstream.
    if (def.substr(0, def.find(' ')) == "expect") {
      absl::Status st = ParseExpectLine(def, &cmd);
      if (!st.ok()) set_error(st.message());
      --pos;
      continue;
    }
    if (auto number = ParseGoNumber(def)) {
      cmd.expect_scalar = true;
      cmd.expected_scalar = *number;
      break;
    }
    auto desc = parse_series(def);
    if (absl::IsUnimplemented(desc.status())) {
      cmd.unsupported_reason = std::string(kReasonHistogramExpected);
      continue;
    }
    if (!desc.ok()) {
      set_error(absl::StrCat("line ", *i + 1, ": ", desc.status().message()));
      continue;
    }
    if (desc->values.size() > 1 && is_instant && !expect_range_vector) {
      set_error(
          "expecting multiple values in instant evaluation not allowed. "
          "consider using 'expect range vector' directive to enable a range "
          "vector result for an instant query");
      continue;
    }
    cmd.expect_scalar = false;
    cmd.expected[desc->labels] =
        ExpectedSeries{desc->labels, std::move(desc->values), pos,
                       std::move(desc->histograms)};
  }
  return cmd;
}

}  // namespace

std::optional<Labels> NhcbSeriesFor(const Labels& classic) {
  std::string_view name = classic.MetricName();
  static constexpr std::string_view kSuffixes[] = {"_bucket", "_count", "_sum"};
  for (std::string_view suffix : kSuffixes) {
    if (!name.ends_with(suffix)) continue;
    if (suffix == "_bucket") {
      auto le = ParseGoFloat(classic.Get("le"));
      if (!le.has_value() || std::isnan(*le)) return std::nullopt;
    }
    return LabelsBuilder(classic)
        .Set(kMetricName, name.substr(0, name.size() - suffix.size()))
        .Del("le")
        .Build();
  }
  return std::nullopt;
}

bool ExpectLine::Matches(std::string_view text) const {
  if (regex == nullptr) return message == text;
  return RE2::PartialMatch(ToValidUtf8(text), *regex);
}

std::string_view ExpectLine::TypeName() const {
  return regex == nullptr ? "message" : "pattern";
}

std::string ExpectLine::Text() const {
  return regex == nullptr ? message : regex->pattern();
}

absl::StatusOr<TestFile> ParseTestFile(std::string_view text,
                                       const SeriesParser& parse_series) {
  std::vector<std::string> lines = GetLines(text);
  TestFile file;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (l.empty()) continue;
    // upstream splits on patSpace ([\t ]+) and lowercases the first word.
    std::string c = absl::AsciiStrToLower(l.substr(0, l.find_first_of(" \t")));
    if (c == "clear") {
      // Built in place: moving a temporary into the variant trips GCC 12's
      // -Wmaybe-uninitialized false positive.
      std::get<ClearCommand>(
          file.commands.emplace_back(std::in_place_type<ClearCommand>))
          .line = static_cast<int>(i) + 1;
    } else if (c.starts_with("load")) {
      auto cmd = ParseLoad(lines, &i, parse_series);
      if (!cmd.ok()) return cmd.status();
      file.commands.emplace_back(std::in_place_type<LoadCommand>,
                                 *std::move(cmd));
    } else if (c.starts_with("eval")) {
      auto cmd = ParseEval(lines, &i, parse_series);
      if (!cmd.ok()) return cmd.status();
      file.commands.emplace_back(std::in_place_type<EvalCommand>,
                                 *std::move(cmd));
    } else {
      return LineError(i, absl::StrCat("invalid command \"", l, "\""));
    }
  }
  return file;
}

absl::StatusOr<std::vector<std::optional<int64_t>>> ParseStartTimestampOffsets(
    std::string_view text) {
  std::vector<std::optional<int64_t>> out;
  for (absl::string_view item : absl::StrSplit(
           ToAbsl(text), absl::ByAnyChar(" \t"), absl::SkipEmpty())) {
    absl::Status s = AppendStartTimestampItem(
        std::string_view(item.data(), item.size()), &out);
    if (!s.ok()) return s;
  }
  return out;
}

}  // namespace vigil::promqltest
