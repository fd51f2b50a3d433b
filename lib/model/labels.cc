#include "vigil/labels.h"

#include <algorithm>

#include "lib/model/go_quote.h"
#include "lib/model/label_text.h"
#include "lib/model/strings.h"

namespace vigil {
namespace {

void Normalize(std::vector<Label>& labels) {
  // Most sets arrive normalized (copies of stored series, parser output in
  // order); checking is far cheaper than sorting into a new vector.
  const bool normalized =
      std::adjacent_find(labels.begin(), labels.end(),
                         [](const Label& a, const Label& b) {
                           return a.name >= b.name;
                         }) == labels.end() &&
      std::none_of(labels.begin(), labels.end(),
                   [](const Label& l) { return l.value.empty(); });
  if (normalized) return;
  // Stable so that, for duplicate names, the later one wins after unique.
  std::stable_sort(
      labels.begin(), labels.end(),
      [](const Label& a, const Label& b) { return a.name < b.name; });
  std::vector<Label> out;
  out.reserve(labels.size());
  for (auto& l : labels) {
    if (!out.empty() && out.back().name == l.name) {
      out.back() = std::move(l);
    } else {
      out.push_back(std::move(l));
    }
  }
  std::erase_if(out, [](const Label& l) { return l.value.empty(); });
  labels = std::move(out);
}

constexpr uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;

uint64_t HashBytes(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= kFnvPrime;
  }
  // 0xff never occurs in UTF-8, so it separates fields unambiguously.
  h ^= 0xff;
  h *= kFnvPrime;
  return h;
}

}  // namespace

std::shared_ptr<const Labels::Rep> Labels::Share(std::vector<Label> labels) {
  Normalize(labels);
  if (labels.empty()) return nullptr;
  return std::make_shared<const Rep>(std::move(labels));
}

Labels::Labels(std::initializer_list<Label> labels)
    : rep_(Share(std::vector<Label>(labels))) {}

Labels Labels::FromVector(std::vector<Label> labels) {
  Labels out;
  out.rep_ = Share(std::move(labels));
  return out;
}

Labels Labels::FromStrings(std::initializer_list<std::string_view> kv) {
  std::vector<Label> labels;
  for (auto it = kv.begin(); it != kv.end() && std::next(it) != kv.end();
       it += 2) {
    labels.push_back({std::string(*it), std::string(*std::next(it))});
  }
  return FromVector(std::move(labels));
}

std::string_view Labels::Get(std::string_view name) const {
  auto it = std::lower_bound(
      begin(), end(), name,
      [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != end() && it->name == name) return it->value;
  return {};
}

bool Labels::Has(std::string_view name) const { return !Get(name).empty(); }

Labels Labels::WithoutFirst(size_t n) const {
  if (n == 0) return *this;
  if (n >= size()) return Labels();
  if (skip_ + n > kMaxSharedSkip) {
    return FromVector(std::vector<Label>(begin() + n, end()));
  }
  Labels out = *this;
  out.skip_ = static_cast<uint32_t>(skip_ + n);
  return out;
}

uint64_t Labels::Hash() const {
  if (rep_ == nullptr) return kFnvOffset;
  std::atomic<uint64_t>& cache =
      skip_ == 0 ? rep_->hash : rep_->hash_without[skip_ - 1];
  if (uint64_t cached = cache.load(std::memory_order_relaxed)) {
    return cached;
  }
  uint64_t h = kFnvOffset;
  for (const auto& l : *this) {
    h = HashBytes(HashBytes(h, l.name), l.value);
  }
  cache.store(h, std::memory_order_relaxed);
  return h;
}

uint64_t Labels::HashFor(const std::vector<std::string>& names, bool on) const {
  uint64_t h = kFnvOffset;
  for (const auto& l : *this) {
    bool listed = std::binary_search(names.begin(), names.end(), l.name);
    if (on ? !listed : (listed || l.name == kMetricName)) continue;
    h = HashBytes(HashBytes(h, l.name), l.value);
  }
  return h;
}

std::string Labels::ToString() const {
  std::string out;
  std::string_view name = MetricName();
  bool name_is_plain = !name.empty() && IsLegacyMetricName(name);
  if (name_is_plain) out.append(name);
  out.push_back('{');
  if (!name.empty() && !name_is_plain) out.append(QuoteString(name));
  AppendLabelPairs(std::span<const Label>(begin(), end()), kMetricName,
                   /*first=*/name.empty() || name_is_plain, &out);
  out.push_back('}');
  return out;
}

std::strong_ordering operator<=>(const Labels& a, const Labels& b) {
  if (a.rep_ == b.rep_ && a.skip_ == b.skip_) {
    return std::strong_ordering::equal;
  }
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (auto c = a[i].name <=> b[i].name; c != 0) return c;
    if (auto c = a[i].value <=> b[i].value; c != 0) return c;
  }
  return a.size() <=> b.size();
}

LabelsBuilder::LabelsBuilder(const Labels& base) : base_(base) {
  labels_.reserve(base.size() + 1);
  for (const Label& l : base) labels_.emplace_back(l.name, l.value);
}

LabelsBuilder::LabelsBuilder(const LabelsBuilder& other) : base_(other.base_) {
  // The copy owns its own copies of what Set() was given.
  labels_.reserve(other.labels_.size());
  for (const Pair& p : other.labels_) {
    labels_.emplace_back(Own(p.first), Own(p.second));
  }
}

LabelsBuilder& LabelsBuilder::operator=(const LabelsBuilder& other) {
  if (this != &other) {
    LabelsBuilder copy(other);
    *this = std::move(copy);
  }
  return *this;
}

std::string_view LabelsBuilder::Own(std::string_view s) {
  owned_.emplace_front(s);
  return owned_.front();
}

LabelsBuilder& LabelsBuilder::Set(std::string_view name,
                                  std::string_view value) {
  // The first pair not before `name`: where it is, or where it goes to keep
  // a sorted set sorted.
  auto it = std::find_if(labels_.begin(), labels_.end(),
                         [&](const Pair& l) { return l.first >= name; });
  const bool found = it != labels_.end() && it->first == name;
  if (value.empty()) {
    if (found) labels_.erase(it);
  } else if (found) {
    it->second = Own(value);
  } else {
    labels_.insert(it, Pair(Own(name), Own(value)));
  }
  return *this;
}

LabelsBuilder& LabelsBuilder::Del(std::string_view name) {
  return Set(name, "");
}

LabelsBuilder& LabelsBuilder::Keep(const std::vector<std::string>& names) {
  std::erase_if(labels_, [&](const Pair& l) {
    return std::find(names.begin(), names.end(), l.first) == names.end();
  });
  return *this;
}

std::string_view LabelsBuilder::Get(std::string_view name) const {
  for (const auto& l : labels_) {
    if (l.first == name) return l.second;
  }
  return {};
}

Labels LabelsBuilder::Build() const {
  // Unchanged: the base's set itself, shared.
  if (labels_.size() == base_.size() &&
      std::equal(labels_.begin(), labels_.end(), base_.begin(),
                 [](const Pair& p, const Label& l) {
                   return p.first.data() == l.name.data() &&
                          p.second.data() == l.value.data();
                 })) {
    return base_;
  }
  std::vector<Label> out;
  out.reserve(labels_.size());
  for (const auto& [name, value] : labels_) {
    out.push_back({std::string(name), std::string(value)});
  }
  return Labels::FromVector(std::move(out));
}

}  // namespace vigil
