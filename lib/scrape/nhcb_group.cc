#include "lib/scrape/nhcb_group.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/numbers.h"
#include "lib/model/absl_compat.h"

namespace vigil::scrape {
namespace {

enum class Role { kNone, kBucket, kCount, kSum };

struct SuffixRow {
  std::string_view suffix;
  Role role;
  bool gauge_only;
};
// OpenMetrics gauge histograms name their count and sum _gcount/_gsum.
constexpr SuffixRow kSuffixes[] = {
    {"_bucket", Role::kBucket, false}, {"_count", Role::kCount, false},
    {"_sum", Role::kSum, false},       {"_gcount", Role::kCount, true},
    {"_gsum", Role::kSum, true},
};

// The role of `e` in a classic histogram, its family name and its key (the
// family and every label but le).
Role Classify(const textparse::Entry& e, const NhcbGroup::Pairs& pairs,
              std::string* key, std::string_view* family,
              std::string_view* le) {
  if (e.type != textparse::EntryType::kSeries) return Role::kNone;
  const bool gauge = e.metric_type == textparse::MetricType::kGaugeHistogram;
  if (e.metric_type != textparse::MetricType::kHistogram && !gauge) {
    return Role::kNone;
  }
  Role role = Role::kNone;
  for (const SuffixRow& row : kSuffixes) {
    if ((!row.gauge_only || gauge) && e.metric_name.ends_with(row.suffix)) {
      role = row.role;
      *family =
          e.metric_name.substr(0, e.metric_name.size() - row.suffix.size());
      break;
    }
  }
  if (role == Role::kNone) return role;
  *le = {};
  bool has_le = false;
  key->assign("\xfe");
  key->append(*family);
  for (const auto& p : pairs) {
    if (p.name == kMetricName) continue;
    if (p.name == "le") {
      *le = p.value;
      has_le = true;
      continue;
    }
    key->push_back('\xff');
    key->append(p.name);
    key->push_back('\xff');
    key->append(p.value);
  }
  // A bucket needs its le; a count or sum must not have one.
  if ((role == Role::kBucket) != has_le) return Role::kNone;
  return role;
}

}  // namespace

bool NhcbGroup::Continues(const textparse::Entry& e, const Pairs& pairs) const {
  std::string key;
  std::string_view family, le;
  return Classify(e, pairs, &key, &family, &le) != Role::kNone &&
         key == series_key;
}

bool NhcbGroup::Add(const textparse::Entry& e, const Pairs& pairs) {
  std::string key;
  std::string_view family, le;
  const Role role = Classify(e, pairs, &key, &family, &le);
  if (role == Role::kNone) return false;
  if (series_key.empty()) {
    series_key = std::move(key);
    LabelsBuilder lb{Labels()};
    for (const auto& p : pairs) {
      if (p.name != "le") lb.Set(p.name, p.value);
    }
    lb.Set(kMetricName, family);
    labels = lb.Build();
    timestamp_ms = e.timestamp_ms;
    gauge = e.metric_type == textparse::MetricType::kGaugeHistogram;
  }
  switch (role) {
    case Role::kBucket: {
      double bound = 0;
      if (!absl::SimpleAtod(ToAbsl(le), &bound) || std::isnan(bound)) {
        bad_le.assign(le);
      }
      buckets.push_back(textparse::ClassicBucket{bound, e.value});
      break;
    }
    case Role::kCount:
      count = e.value;
      break;
    case Role::kSum:
      sum = e.value;
      break;
    case Role::kNone:
      break;
  }
  return true;
}

absl::Status NhcbGroup::Build(FloatHistogram* out) {
  if (!bad_le.empty()) {
    return absl::InvalidArgumentError(
        Cat("classic histogram bucket le=\"", bad_le, "\" is not a number"));
  }
  std::stable_sort(buckets.begin(), buckets.end(),
                   [](const auto& a, const auto& b) {
                     return a.upper_bound < b.upper_bound;
                   });
  const double n = count             ? *count
                   : buckets.empty() ? 0
                                     : buckets.back().cumulative_count;
  return textparse::ClassicToNhcb(buckets, n, sum.value_or(0), gauge, out);
}

}  // namespace vigil::scrape
