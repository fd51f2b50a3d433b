// promtool prints whole lists of expected and got alerts or samples; with
// many labels the one difference is hard to spot. These diffs pair the
// entries up and print only the labels, annotations and values that differ.
#include "lib/ruletest/diff.h"

#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/model/absl_compat.h"
#include "lib/model/go_quote.h"
#include "lib/model/label_text.h"

namespace vigil::ruletest {
namespace {

constexpr char kHeader[] = "    diff (-expected +got):\n";
constexpr char kItem[] = "      ";
constexpr char kDetail[] = "        ";
constexpr char kRed[] = "\033[31m";
constexpr char kGreen[] = "\033[32m";
constexpr char kReset[] = "\033[0m";

std::map<std::string, std::string> AsMap(const std::vector<Label>& ls) {
  std::map<std::string, std::string> m;
  for (const Label& l : ls) m[l.name] = l.value;
  return m;
}

std::map<std::string, std::string> AsMap(const Labels& ls) {
  return AsMap(std::vector<Label>(ls.begin(), ls.end()));
}

// "- what name: "a"" / "+ what name: "b"" lines for every differing key.
void DiffMaps(std::string_view what,
              const std::map<std::string, std::string>& exp,
              const std::map<std::string, std::string>& got, std::string* out) {
  auto line = [&](char sign, const std::string& name,
                  const std::string* value) {
    absl::StrAppend(out, kDetail, std::string(1, sign), " ", ToAbsl(what), " ",
                    name, ": ",
                    value == nullptr ? "(absent)" : QuoteString(*value), "\n");
  };
  std::map<std::string, std::pair<const std::string*, const std::string*>> all;
  for (const auto& [k, v] : exp) all[k].first = &v;
  for (const auto& [k, v] : got) all[k].second = &v;
  for (const auto& [name, pair] : all) {
    const auto [e, g] = pair;
    if (e != nullptr && g != nullptr && *e == *g) continue;
    line('-', name, e);
    line('+', name, g);
  }
}

int SharedLabels(const Labels& a, const Labels& b) {
  int n = 0;
  for (const Label& l : a) {
    if (b.Has(l.name) && b.Get(l.name) == l.value) ++n;
  }
  return n;
}

}  // namespace

bool SampleValueEqual(double a, double b, bool fuzzy_compare) {
  if (a == b) return true;
  // promtool's fuzzy_compare accepts the neighbouring float either way.
  return fuzzy_compare && (std::nextafter(a, -INFINITY) == b ||
                           std::nextafter(a, INFINITY) == b);
}

std::string DiffAlerts(const std::vector<AlertEntry>& expected,
                       const std::vector<AlertEntry>& got) {
  std::string out;
  std::vector<bool> got_used(got.size(), false);
  std::vector<const AlertEntry*> unmatched_exp;
  for (const AlertEntry& e : expected) {
    bool matched = false;
    for (size_t i = 0; i < got.size(); ++i) {
      if (got_used[i] || got[i].labels != e.labels) continue;
      got_used[i] = true;
      matched = true;
      if (got[i].annotations != e.annotations) {
        absl::StrAppend(&out, kItem, "alert ", GoLabelsString(e.labels), "\n");
        DiffMaps("annotation", AsMap(e.annotations), AsMap(got[i].annotations),
                 &out);
      }
      break;
    }
    if (!matched) unmatched_exp.push_back(&e);
  }
  for (const AlertEntry* e : unmatched_exp) {
    // Pair with the unused got alert sharing the most labels (beyond
    // alertname, which all share).
    int best = -1, best_shared = 1;
    for (size_t i = 0; i < got.size(); ++i) {
      if (got_used[i]) continue;
      const int shared = SharedLabels(e->labels, got[i].labels);
      if (shared > best_shared) {
        best = static_cast<int>(i);
        best_shared = shared;
      }
    }
    if (best < 0) {
      absl::StrAppend(&out, kItem, "- missing alert ",
                      GoLabelsString(e->labels), "\n");
      continue;
    }
    got_used[best] = true;
    const AlertEntry& g = got[best];
    absl::StrAppend(&out, kItem, "alert ", GoLabelsString(e->labels),
                    " vs got ", GoLabelsString(g.labels), "\n");
    DiffMaps("label", AsMap(e->labels), AsMap(g.labels), &out);
    DiffMaps("annotation", AsMap(e->annotations), AsMap(g.annotations), &out);
  }
  for (size_t i = 0; i < got.size(); ++i) {
    if (got_used[i]) continue;
    absl::StrAppend(&out, kItem, "+ unexpected alert ",
                    GoLabelsString(got[i].labels), "\n");
  }
  if (out.empty()) return "";
  return absl::StrCat(kHeader, out);
}

std::string DiffSamples(const std::vector<SampleEntry>& expected,
                        const std::vector<SampleEntry>& got,
                        bool fuzzy_compare) {
  std::string out;
  std::vector<bool> got_used(got.size(), false);
  for (const SampleEntry& e : expected) {
    bool matched = false;
    for (size_t i = 0; i < got.size(); ++i) {
      if (got_used[i] || got[i].labels != e.labels) continue;
      got_used[i] = true;
      matched = true;
      if (!SampleValueEqual(e.value, got[i].value, fuzzy_compare) ||
          e.histogram != got[i].histogram) {
        absl::StrAppend(&out, kItem, GoLabelsString(e.labels), "\n", kDetail,
                        "- value ", SampleValueString(e), "\n", kDetail,
                        "+ value ", SampleValueString(got[i]), "\n");
      }
      break;
    }
    if (!matched) {
      absl::StrAppend(&out, kItem, "- missing ", GoLabelsString(e.labels), " ",
                      SampleValueString(e), "\n");
    }
  }
  for (size_t i = 0; i < got.size(); ++i) {
    if (got_used[i]) continue;
    absl::StrAppend(&out, kItem, "+ unexpected ", GoLabelsString(got[i].labels),
                    " ", SampleValueString(got[i]), "\n");
  }
  if (out.empty()) return "";
  return absl::StrCat(kHeader, out);
}

std::string ColorizeDiff(const std::string& diff) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(diff, '\n')) {
    const size_t first = line.find_first_not_of(' ');
    const char c = first == absl::string_view::npos ? ' ' : line[first];
    if (c == '-' || c == '+') {
      absl::StrAppend(&out, line.substr(0, first), c == '-' ? kRed : kGreen,
                      line.substr(first), kReset, "\n");
    } else {
      absl::StrAppend(&out, line, "\n");
    }
  }
  if (!out.empty() && (diff.empty() || diff.back() != '\n')) out.pop_back();
  // StrSplit yields a last empty piece for a trailing newline.
  if (!diff.empty() && diff.back() == '\n' && out.size() >= 2 &&
      out.substr(out.size() - 2) == "\n\n") {
    out.pop_back();
  }
  return out;
}

}  // namespace vigil::ruletest
