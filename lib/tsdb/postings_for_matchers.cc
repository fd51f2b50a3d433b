#include "lib/tsdb/postings_for_matchers.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::tsdb {
namespace {

// Characters that make a regex more than a literal. '|' is handled apart.
constexpr std::string_view kRegexMeta = R"(\.+*?()[]{}^$)";

// For `a|b|c` made only of literals, the alternatives; nullopt otherwise.
// Prometheus does the same (FindSetMatches) so that `pod=~"x|y"` costs two
// lookups rather than a scan of every pod.
std::optional<std::vector<std::string>> LiteralAlternatives(
    std::string_view pattern) {
  if (pattern.find_first_of(kRegexMeta) != std::string_view::npos) {
    return std::nullopt;
  }
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t bar = pattern.find('|', start);
    out.emplace_back(pattern.substr(start, bar - start));
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// The union of the lists of `name`'s values for which `keep` holds.
template <typename Pred>
PostingsList ScanValues(const MemPostings::Reader& index,
                        const std::string& name, Pred keep) {
  const MemPostings::ValueMap* values = index.Values(name);
  if (values == nullptr) return {};
  std::vector<const PostingsList*> lists;
  for (const auto& [value, list] : *values) {
    if (keep(std::string_view(value))) lists.push_back(&list);
  }
  return Merge(lists);
}

PostingsList LookupValues(const MemPostings::Reader& index,
                          const std::string& name,
                          const std::vector<std::string>& values) {
  std::vector<const PostingsList*> lists;
  for (const std::string& v : values) {
    if (const PostingsList* l = index.Get(name, v)) lists.push_back(l);
  }
  return Merge(lists);
}

// Series having `m.name()` with a value for which m.Matches() == want.
// Absent labels never qualify: the caller deals with "".
PostingsList PostingsWithValues(const MemPostings::Reader& index,
                                const Matcher& m, bool want) {
  const bool is_regex = m.type() == MatchType::kRegexMatch ||
                        m.type() == MatchType::kRegexNoMatch;
  // Whether the values we want are exactly the ones equal to the matcher's
  // literal(s), i.e. a lookup suffices.
  const bool positive_literal = (m.type() == MatchType::kEqual ||
                                 m.type() == MatchType::kRegexMatch) == want;
  if (positive_literal) {
    if (!is_regex) {
      const PostingsList* l = index.Get(m.name(), m.value());
      return l == nullptr ? PostingsList{} : *l;
    }
    if (auto literals = LiteralAlternatives(m.value())) {
      return LookupValues(index, m.name(), *literals);
    }
  }
  return ScanValues(index, m.name(),
                    [&](std::string_view v) { return m.Matches(v) == want; });
}

}  // namespace

PostingsList PostingsForMatchers(const MemPostings::Reader& index,
                                 const Matchers& matchers) {
  if (matchers.empty()) return {};
  std::vector<PostingsList> intersect;
  std::vector<PostingsList> subtract;
  for (const Matcher& m : matchers) {
    if (!m.Matches("")) {
      // Only series carrying the label with a matching value qualify.
      PostingsList p = PostingsWithValues(index, m, /*want=*/true);
      if (p.empty()) return {};
      intersect.push_back(std::move(p));
    } else {
      // Series lacking the label qualify too, so remove the ones whose value
      // fails instead (as Prometheus's inversePostingsForMatcher).
      PostingsList p = PostingsWithValues(index, m, /*want=*/false);
      if (!p.empty()) subtract.push_back(std::move(p));
    }
  }
  // Smallest first keeps every intermediate result small.
  std::sort(intersect.begin(), intersect.end(),
            [](const PostingsList& a, const PostingsList& b) {
              return a.size() < b.size();
            });
  PostingsList result;
  if (intersect.empty()) {
    result = index.All();
  } else {
    result = std::move(intersect[0]);
    for (size_t i = 1; i < intersect.size() && !result.empty(); ++i) {
      result = Intersect(result, intersect[i]);
    }
  }
  for (const PostingsList& s : subtract) {
    if (result.empty()) break;
    result = Subtract(result, s);
  }
  return result;
}

}  // namespace vigil::tsdb
