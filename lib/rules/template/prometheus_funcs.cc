// Prometheus's template functions (template/template.go): queries and
// samples, humanize*, regexps, strings, URLs, times and durations.
#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/status/status.h"
#include "lib/model/absl_compat.h"
#include "lib/model/go_quote.h"
#include "lib/model/url_escape.h"
#include "lib/rules/template/go_format.h"
#include "lib/rules/template/humanize.h"
#include "lib/rules/template/template_funcs.h"
#include "re2/re2.h"

namespace vigil::tmpl {
namespace {

using Args = std::vector<Value>;
using Result = absl::StatusOr<Value>;

// Go's runtime message when a function dereferences a nil *sample; text/
// template recovers the panic and reports it as the call's error.
constexpr std::string_view kNilDeref =
    "runtime error: invalid memory address or nil pointer dereference";

// ---- Go's regexp on RE2 -------------------------------------------------

// Go's regexp/syntax error codes for RE2's, so messages read as upstream's.
std::string_view GoRegexpCode(RE2::ErrorCode code) {
  switch (code) {
    case RE2::ErrorBadEscape:
      return "invalid escape sequence";
    case RE2::ErrorBadCharClass:
      return "invalid character class";
    case RE2::ErrorBadCharRange:
      return "invalid character class range";
    case RE2::ErrorMissingBracket:
      return "missing closing ]";
    case RE2::ErrorMissingParen:
      return "missing closing )";
    case RE2::ErrorUnexpectedParen:
      return "unexpected )";
    case RE2::ErrorTrailingBackslash:
      return "trailing backslash at end of expression";
    case RE2::ErrorRepeatArgument:
      return "missing argument to repetition operator";
    case RE2::ErrorRepeatSize:
      return "invalid repeat count";
    case RE2::ErrorRepeatOp:
      return "invalid nested repetition operator";
    case RE2::ErrorBadPerlOp:
      return "invalid or unsupported Perl syntax";
    case RE2::ErrorBadUTF8:
      return "invalid UTF-8";
    case RE2::ErrorBadNamedCapture:
      return "invalid named capture";
    case RE2::ErrorPatternTooLarge:
      return "expression too large";
    default:
      return "invalid regexp";
  }
}

// Go's regexp quote(): backquoted when possible.
std::string RegexpQuote(std::string_view s) {
  bool can_backquote = true;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '`' || (u < 0x20 && c != '\t') || u == 0x7F) can_backquote = false;
  }
  return can_backquote ? Cat("`", s, "`") : QuoteString(s);
}

absl::StatusOr<std::unique_ptr<RE2>> CompileRegexp(std::string_view pattern) {
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_unique<RE2>(
      re2::StringPiece(pattern.data(), pattern.size()), opts);
  if (!re->ok()) {
    return FuncError(
        Cat("error parsing regexp: ", GoRegexpCode(re->error_code()), ": `",
            re->error_arg(), "`"));
  }
  return re;
}

// Go's Regexp.Expand template: $1, ${1}, $name, ${name}, $$; a name is the
// longest run of letters, digits and underscores; unknown names are empty.
void ExpandReplacement(std::string& out, std::string_view repl, const RE2& re,
                       const std::vector<re2::StringPiece>& groups) {
  const auto& names = re.NamedCapturingGroups();
  // "$1" repeated in a long replacement must not multiply a long match.
  for (size_t i = 0; i < repl.size() && out.size() <= kMaxOutputBytes; ++i) {
    if (repl[i] != '$') {
      out.push_back(repl[i]);
      continue;
    }
    if (i + 1 < repl.size() && repl[i + 1] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    std::string_view name;
    size_t next;
    auto is_word = [](char c) {
      return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
             (c >= '0' && c <= '9');
    };
    if (i + 1 < repl.size() && repl[i + 1] == '{') {
      size_t j = i + 2;
      while (j < repl.size() && is_word(repl[j])) ++j;
      if (j == i + 2 || j >= repl.size() || repl[j] != '}') {
        out.push_back('$');  // malformed: the $ is literal text
        continue;
      }
      name = repl.substr(i + 2, j - i - 2);
      next = j + 1;
    } else {
      size_t j = i + 1;
      while (j < repl.size() && is_word(repl[j])) ++j;
      if (j == i + 1) {
        out.push_back('$');
        continue;
      }
      name = repl.substr(i + 1, j - i - 1);
      next = j;
    }
    int index = -1;
    if (std::all_of(name.begin(), name.end(),
                    [](char c) { return c >= '0' && c <= '9'; })) {
      index = name.size() > 9 ? -1 : std::stoi(std::string(name));
    } else {
      auto it = names.find(std::string(name));
      if (it != names.end()) index = it->second;
    }
    if (index >= 0 && index < static_cast<int>(groups.size()) &&
        groups[index].data() != nullptr) {
      out.append(groups[index].data(), groups[index].size());
    }
    i = next - 1;
  }
}

// Go's Regexp.ReplaceAllString, including its rule that an empty match
// right after a previous match is not replaced. It stops, returning what it
// has, once the result is past kMaxOutputBytes (which the executor
// reports), and fails once the execution is out of time: searching a
// megabyte match by match can take quadratic time.
absl::StatusOr<std::string> ReplaceAll(const RE2& re, std::string_view text,
                                       std::string_view repl,
                                       const ExecBudget& budget) {
  re2::StringPiece input(text.data(), text.size());
  int ngroups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(ngroups);
  std::string out;
  size_t last_end = 0;
  size_t search = 0;
  while (search <= text.size() && out.size() <= kMaxOutputBytes) {
    // A clock read is cheap next to a search.
    if (absl::Status st = budget.CheckTime(); !st.ok()) return st;
    if (!re.Match(input, search, text.size(), RE2::UNANCHORED, groups.data(),
                  ngroups)) {
      break;
    }
    size_t a0 = groups[0].data() - text.data();
    size_t a1 = a0 + groups[0].size();
    out.append(text.substr(last_end, a0 - last_end));
    if (a1 > last_end || a0 == 0) ExpandReplacement(out, repl, re, groups);
    last_end = a1;
    size_t width = 1;
    if (search < text.size()) {
      unsigned char c = static_cast<unsigned char>(text[search]);
      width = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      width = std::min(width, text.size() - search);
    }
    if (search + width > a1) {
      search += width;
    } else {
      search = a1;
    }
  }
  if (last_end < text.size()) out.append(text.substr(last_end));
  return out;
}

// ---- Go's net helpers ----------------------------------------------------

// net.SplitHostPort; false where Go returns an error.
bool SplitHostPort(std::string_view hp, std::string& host, std::string& port) {
  size_t i = hp.rfind(':');
  if (i == std::string_view::npos) return false;
  size_t j = 0, k = 0;
  if (!hp.empty() && hp[0] == '[') {
    size_t end = hp.find(']');
    if (end == std::string_view::npos) return false;
    if (end + 1 == hp.size() || end + 1 != i) return false;
    host = std::string(hp.substr(1, end - 1));
    j = 1;
    k = end + 1;
  } else {
    host = std::string(hp.substr(0, i));
    if (host.find(':') != std::string::npos) return false;
  }
  if (hp.substr(j).find('[') != std::string_view::npos) return false;
  if (hp.substr(k).find(']') != std::string_view::npos) return false;
  port = std::string(hp.substr(i + 1));
  return true;
}

// net.ParseIP(s) != nil
bool IsIP(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 ||
         inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// ---- Prometheus's functions ---------------------------------------------

Result FnQuery(const CallContext& c, Args& a) {
  if (!c.options->query) return FuncError("no query function available");
  if (absl::Status st = c.budget->TakeQuery(); !st.ok()) return st;
  auto res = c.options->query(a[0].s());
  if (!res.ok()) return FuncError(std::string(res.status().message()));
  auto list = std::make_shared<SampleList>();
  for (auto& s : *res) {
    list->push_back(std::make_shared<const QuerySample>(std::move(s)));
  }
  return Value::Samples(std::move(list));
}

Result FnFirst(const CallContext&, Args& a) {
  if (a[0].kind() != Kind::kSamples || a[0].samples().empty()) {
    return FuncError("first() called on vector with no elements");
  }
  return Value::Sample(a[0].samples()[0]);
}

Result FnLabel(const CallContext&, Args& a) {
  if (!a[1].valid()) return FuncError(kNilDeref);
  auto it = a[1].sample().labels.find(a[0].s());
  return Value::String(it == a[1].sample().labels.end() ? "" : it->second);
}

Result FnValue(const CallContext&, Args& a) {
  if (!a[0].valid()) return FuncError(kNilDeref);
  return Value::Float(a[0].sample().value);
}

Result FnStrvalue(const CallContext&, Args& a) {
  if (!a[0].valid()) return FuncError(kNilDeref);
  auto it = a[0].sample().labels.find("__value__");
  return Value::String(it == a[0].sample().labels.end() ? "" : it->second);
}

Result FnArgs(const CallContext&, Args& a) {
  auto m = std::make_shared<AnyMap>();
  for (size_t i = 0; i < a.size(); ++i) {
    m->entries[Cat("arg", i)] = a[i];
  }
  return Value::Args(std::move(m));
}

Result FnReReplaceAll(const CallContext& c, Args& a) {
  auto re = CompileRegexp(a[0].s());
  if (!re.ok()) {
    // regexp.MustCompile panics; text/template reports the panic text.
    return FuncError(Cat("regexp: Compile(", RegexpQuote(a[0].s()),
                         "): ", re.status().message()));
  }
  absl::StatusOr<std::string> out =
      ReplaceAll(**re, a[2].s(), a[1].s(), *c.budget);
  if (!out.ok()) return out.status();
  return Value::String(*std::move(out));
}

Result FnMatch(const CallContext&, Args& a) {
  auto re = CompileRegexp(a[0].s());
  if (!re.ok()) return re.status();
  return Value::Bool(RE2::PartialMatch(a[1].s(), **re));
}

Result FnSafeHtml(const CallContext&, Args& a) { return Value::Html(a[0].s()); }

// cases.Title(language.AmericanEnglish, cases.NoLower): upper-cases the
// first letter of each word and leaves the rest. Words follow Unicode word
// breaking: letters, digits and '_' join, and ' . : join when between
// letters or digits ("o'neil" is one word).
Result FnTitle(const CallContext&, Args& a) {
  std::string s = a[0].s();
  auto is_word = [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c >= 0x80;
  };
  bool in_word = false;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (is_word(c)) {
      if (!in_word && c < 0x80) s[i] = static_cast<char>(std::toupper(c));
      in_word = true;
    } else if ((c == '\'' || c == '.' || c == ':') && in_word &&
               i + 1 < s.size() &&
               is_word(static_cast<unsigned char>(s[i + 1]))) {
      // mid-word punctuation keeps the word going
    } else {
      in_word = false;
    }
  }
  return Value::String(std::move(s));
}

Result FnToUpper(const CallContext&, Args& a) {
  std::string s = a[0].s();
  for (char& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return Value::String(std::move(s));
}
Result FnToLower(const CallContext&, Args& a) {
  std::string s = a[0].s();
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return Value::String(std::move(s));
}

// strutil.GraphLinkForExpression / TableLinkForExpression
Result FnGraphLink(const CallContext&, Args& a) {
  return Value::String(
      Cat("/graph?g0.expr=", QueryEscape(a[0].s()), "&g0.tab=0"));
}
Result FnTableLink(const CallContext&, Args& a) {
  return Value::String(
      Cat("/graph?g0.expr=", QueryEscape(a[0].s()), "&g0.tab=1"));
}

Result FnSortByLabel(const CallContext&, Args& a) {
  auto list = a[1].valid() ? std::make_shared<SampleList>(a[1].samples())
                           : std::make_shared<SampleList>();
  const std::string& by = a[0].s();
  auto label = [&](const std::shared_ptr<const QuerySample>& s) {
    auto it = s->labels.find(by);
    return it == s->labels.end() ? std::string_view()
                                 : std::string_view(it->second);
  };
  std::stable_sort(
      list->begin(), list->end(),
      [&](const auto& x, const auto& y) { return label(x) < label(y); });
  return Value::Samples(std::move(list));
}

Result FnStripPort(const CallContext&, Args& a) {
  std::string host, port;
  if (!SplitHostPort(a[0].s(), host, port)) return a[0];
  return Value::String(host);
}

Result FnStripDomain(const CallContext&, Args& a) {
  const std::string& hp = a[0].s();
  std::string host, port;
  if (!SplitHostPort(hp, host, port)) {
    host = hp;
    port.clear();
  }
  if (IsIP(host)) return a[0];
  host = host.substr(0, host.find('.'));
  if (port.empty()) return Value::String(host);
  // net.JoinHostPort brackets hosts that contain a colon.
  if (host.find(':') != std::string::npos) {
    return Value::String(Cat("[", host, "]:", port));
  }
  return Value::String(Cat(host, ":", port));
}

using FloatFn = std::string (*)(double);
template <FloatFn F>
Result FnHumanizeAny(const CallContext&, Args& a) {
  absl::StatusOr<double> v = ConvertToFloat(a[0]);
  if (!v.ok()) return v.status();
  return Value::String(F(*v));
}

Result FnHumanizeTimestamp(const CallContext&, Args& a) {
  absl::StatusOr<double> v = ConvertToFloat(a[0]);
  if (!v.ok()) return v.status();
  absl::StatusOr<std::string> s = HumanizeTimestamp(*v);
  if (!s.ok()) return s.status();
  return Value::String(*std::move(s));
}

Result FnToTime(const CallContext&, Args& a) {
  absl::StatusOr<double> v = ConvertToFloat(a[0]);
  if (!v.ok()) return v.status();
  absl::StatusOr<int64_t> ms = FloatToUnixMillis(*v);
  if (!ms.ok()) return ms.status();
  return Value::Time(*ms);
}

Result FnToDuration(const CallContext&, Args& a) {
  absl::StatusOr<double> v = ConvertToFloat(a[0]);
  if (!v.ok()) return v.status();
  double ns = *v * 1e9;
  // Go's float-to-int64 conversion yields MinInt64 for NaN and out of
  // range values on amd64.
  int64_t d = (std::isnan(ns) || ns >= 9223372036854775808.0 ||
               ns < -9223372036854775808.0)
                  ? std::numeric_limits<int64_t>::min()
                  : static_cast<int64_t>(ns);
  return Value::Duration(d);
}

Result FnNow(const CallContext& c, Args&) {
  return Value::Float(static_cast<double>(c.options->timestamp_ms) / 1000.0);
}

// The path of the external URL (url.URL.Path).
Result FnPathPrefix(const CallContext& c, Args&) {
  std::string_view u = c.data->external_url;
  size_t scheme = u.find("://");
  size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  size_t slash = u.find('/', start);
  if (slash == std::string_view::npos) return Value::String("");
  std::string_view path = u.substr(slash);
  path = path.substr(0, path.find_first_of("?#"));
  return Value::String(std::string(path));
}

Result FnExternalURL(const CallContext& c, Args&) {
  return Value::String(c.data->external_url);
}

// model.ParseDuration: [0-9]+ followed by y w d h m s ms, largest first.
Result FnParseDuration(const CallContext&, Args& a) {
  const std::string& s = a[0].s();
  auto invalid = [&] {
    return FuncError(Cat("not a valid duration string: ", QuoteString(s)));
  };
  if (s.empty()) return FuncError("empty duration string");
  if (s == "0") return Value::Float(0);
  static constexpr struct {
    std::string_view unit;
    int64_t ms;
  } kUnits[] = {{"y", 365LL * 24 * 3600 * 1000},
                {"w", 7LL * 24 * 3600 * 1000},
                {"d", 24LL * 3600 * 1000},
                {"h", 3600LL * 1000},
                {"m", 60LL * 1000},
                {"s", 1000},
                {"ms", 1}};
  size_t i = 0;
  size_t next_unit = 0;
  int64_t total = 0;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    if (j == i) return invalid();
    size_t k = j;
    while (k < s.size() && !(s[k] >= '0' && s[k] <= '9')) ++k;
    std::string_view unit(s.data() + j, k - j);
    size_t u = next_unit;
    while (u < std::size(kUnits) && kUnits[u].unit != unit) ++u;
    if (u == std::size(kUnits)) return invalid();
    next_unit = u + 1;
    if (j - i > 18) return FuncError("duration out of range");
    int64_t n = std::stoll(s.substr(i, j - i));
    if (n > std::numeric_limits<int64_t>::max() / kUnits[u].ms ||
        total > std::numeric_limits<int64_t>::max() - n * kUnits[u].ms) {
      return FuncError("duration out of range");
    }
    total += n * kUnits[u].ms;
    i = k;
  }
  return Value::Float(static_cast<double>(total) / 1000.0);
}

Result FnUrlQueryEscape(const CallContext&, Args& a) {
  return Value::String(QueryEscape(a[0].s()));
}

using P = Param;

}  // namespace

const FuncTable& PrometheusFuncs() {
  static const FuncTable* const kTable = new FuncTable(MakeFuncTable({
      {"query", {P::kString}, false, FnQuery},
      {"first", {P::kSamples}, false, FnFirst},
      {"label", {P::kString, P::kSample}, false, FnLabel},
      {"value", {P::kSample}, false, FnValue},
      {"strvalue", {P::kSample}, false, FnStrvalue},
      {"args", {P::kAny}, true, FnArgs},
      {"reReplaceAll",
       {P::kString, P::kString, P::kString},
       false,
       FnReReplaceAll},
      {"safeHtml", {P::kString}, false, FnSafeHtml},
      {"match", {P::kString, P::kString}, false, FnMatch},
      {"title", {P::kString}, false, FnTitle},
      {"toUpper", {P::kString}, false, FnToUpper},
      {"toLower", {P::kString}, false, FnToLower},
      {"graphLink", {P::kString}, false, FnGraphLink},
      {"tableLink", {P::kString}, false, FnTableLink},
      {"sortByLabel", {P::kString, P::kSamples}, false, FnSortByLabel},
      {"stripPort", {P::kString}, false, FnStripPort},
      {"stripDomain", {P::kString}, false, FnStripDomain},
      {"humanize", {P::kAny}, false, FnHumanizeAny<Humanize>},
      {"humanize1024", {P::kAny}, false, FnHumanizeAny<Humanize1024>},
      {"humanizeDuration", {P::kAny}, false, FnHumanizeAny<HumanizeDuration>},
      {"humanizePercentage",
       {P::kAny},
       false,
       FnHumanizeAny<HumanizePercentage>},
      {"humanizeTimestamp", {P::kAny}, false, FnHumanizeTimestamp},
      {"toTime", {P::kAny}, false, FnToTime},
      {"toDuration", {P::kAny}, false, FnToDuration},
      {"now", {}, false, FnNow},
      {"pathPrefix", {}, false, FnPathPrefix},
      {"externalURL", {}, false, FnExternalURL},
      {"parseDuration", {P::kString}, false, FnParseDuration},
      {"urlQueryEscape", {P::kString}, false, FnUrlQueryEscape},
  }));
  return *kTable;
}

}  // namespace vigil::tmpl
