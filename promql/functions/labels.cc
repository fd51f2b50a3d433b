// label_replace() and label_join(): rewriting one label of every series.
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/model/utf8.h"
#include "promql/functions/common.h"
#include "promql/functions/impls.h"
#include "re2/re2.h"

namespace vigil::promql::functions {
namespace {

// Compiled label_replace patterns kept per thread, so that a range query
// does not recompile its pattern at every step.
constexpr size_t kRegexCacheSize = 64;

std::shared_ptr<const re2::RE2> CompileAnchored(std::string_view regex) {
  thread_local std::map<std::string, std::shared_ptr<const re2::RE2>,
                        std::less<>>
      cache;
  auto it = cache.find(regex);
  if (it != cache.end()) return it->second;
  // Prometheus anchors the pattern and lets `.` match newlines:
  // "^(?s:" + regex + ")$".
  std::string pattern = "^(?s:" + std::string(regex) + ")$";
  re2::RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_shared<const re2::RE2>(pattern, options);
  if (cache.size() >= kRegexCacheSize) cache.clear();
  cache.emplace(std::string(regex), re);
  return re;
}

// Prometheus 3 accepts any non-empty UTF-8 label name.
bool IsValidLabelName(std::string_view name) {
  return !name.empty() && IsValidUtf8(name);
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// Go's regexp.Regexp.ExpandString: $1, ${1}, $name, ${name} and $$. A name
// is the longest run of letters, digits and '_' (so "$1x" names group
// "1x"), a malformed reference is copied literally, and an unknown group
// expands to nothing.
std::string Expand(const re2::RE2& re, std::string_view tmpl,
                   const std::vector<re2::StringPiece>& groups) {
  std::string out;
  size_t i = 0;
  while (i < tmpl.size()) {
    size_t dollar = tmpl.find('$', i);
    if (dollar == std::string_view::npos) break;
    out.append(tmpl.substr(i, dollar - i));
    i = dollar + 1;
    if (i < tmpl.size() && tmpl[i] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    bool brace = i < tmpl.size() && tmpl[i] == '{';
    size_t start = brace ? i + 1 : i;
    size_t end = start;
    while (end < tmpl.size() && IsNameChar(tmpl[end])) ++end;
    bool ok =
        end > start && (!brace || (end < tmpl.size() && tmpl[end] == '}'));
    if (!ok) {
      out.push_back('$');
      continue;
    }
    std::string_view name = tmpl.substr(start, end - start);
    i = brace ? end + 1 : end;
    int num = 0;
    for (char c : name) {
      if (c < '0' || c > '9' || num >= 100000000) {
        num = -1;
        break;
      }
      num = num * 10 + (c - '0');
    }
    if (name.size() > 1 && name[0] == '0') num = -1;  // no leading zeros
    if (num < 0) {
      const auto& named = re.NamedCapturingGroups();
      auto it = named.find(std::string(name));
      if (it != named.end()) num = it->second;
    }
    if (num >= 0 && static_cast<size_t>(num) < groups.size() &&
        groups[num].data() != nullptr) {
      out.append(groups[num].data(), groups[num].size());
    }
  }
  if (i < tmpl.size()) out.append(tmpl.substr(i));
  return out;
}

void SetLabel(const EvalSample& in, std::string_view dst,
              std::string_view value, EvalSample* out) {
  out->metric = LabelsBuilder(in.metric).Set(dst, value).Build();
  out->t = in.t;
  out->v = in.v;
  out->h = in.h;
  // Writing __name__ explicitly keeps it, even on a series whose name was
  // due to be dropped.
  out->drop_name = dst == kMetricName ? false : in.drop_name;
}

}  // namespace

absl::Status LabelReplace(const FunctionArgs& args, EvalVector* out) {
  std::string_view dst = StringArg(args, 1);
  std::string_view repl = StringArg(args, 2);
  std::string_view src = StringArg(args, 3);
  std::string_view regex = StringArg(args, 4);
  std::shared_ptr<const re2::RE2> re = CompileAnchored(regex);
  if (!re->ok()) {
    return absl::InvalidArgumentError(
        "invalid regular expression in label_replace(): " + std::string(regex));
  }
  if (!IsValidLabelName(dst)) {
    return absl::InvalidArgumentError(
        "invalid destination label name in label_replace(): " +
        std::string(dst));
  }
  size_t first = out->size();
  std::vector<re2::StringPiece> groups(re->NumberOfCapturingGroups() + 1);
  for (const EvalSample& s : VectorArg(args, 0)) {
    std::string_view value = s.metric.Get(src);
    re2::StringPiece text(value.data(), value.size());
    if (!re->Match(text, 0, text.size(), re2::RE2::UNANCHORED, groups.data(),
                   static_cast<int>(groups.size()))) {
      out->push_back(s);
      continue;
    }
    EvalSample r;
    SetLabel(s, dst, Expand(*re, repl, groups), &r);
    out->push_back(std::move(r));
  }
  return CheckNoDuplicateLabelsets(*out, first);
}

absl::Status LabelJoin(const FunctionArgs& args, EvalVector* out) {
  std::string_view dst = StringArg(args, 1);
  std::string_view sep = StringArg(args, 2);
  std::vector<std::string_view> srcs;
  for (size_t i = 3; i < args.args.size(); ++i) {
    std::string_view src = StringArg(args, i);
    if (!IsValidLabelName(src)) {
      return absl::InvalidArgumentError(
          "invalid source label name in label_join(): " + std::string(src));
    }
    srcs.push_back(src);
  }
  if (!IsValidLabelName(dst)) {
    return absl::InvalidArgumentError(
        "invalid destination label name in label_join(): " + std::string(dst));
  }
  size_t first = out->size();
  std::string joined;
  for (const EvalSample& s : VectorArg(args, 0)) {
    joined.clear();
    for (size_t i = 0; i < srcs.size(); ++i) {
      if (i > 0) joined.append(sep);
      joined.append(s.metric.Get(srcs[i]));
    }
    EvalSample r;
    SetLabel(s, dst, joined, &r);
    out->push_back(std::move(r));
  }
  return CheckNoDuplicateLabelsets(*out, first);
}

}  // namespace vigil::promql::functions
