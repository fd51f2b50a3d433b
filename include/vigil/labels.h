// Labels: the identity of a time series.
//
// A Labels value is an immutable set of (name, value) pairs sorted by name,
// with unique names and no empty values (an empty value means "absent", as in
// Prometheus). The metric name is the label "__name__".
//
// Thread safety: Labels is a value type; const access is safe from any number
// of threads. Building happens through LabelsBuilder, which is not
// thread-safe.
//
// Copies share one immutable set (a reference count, no allocation): the
// engine hands a series' labels from the storage through every step and
// operator, and copying strings there was much of a query's time. The set
// also keeps its Hash() once computed. A set without its first few pairs
// (WithoutFirst: the metric name, which sorts first, dropped after `rate`)
// shares the set too.
#ifndef VIGIL_LABELS_H_
#define VIGIL_LABELS_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <forward_list>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil {

inline constexpr std::string_view kMetricName = "__name__";

struct Label {
  std::string name;
  std::string value;

  friend bool operator==(const Label&, const Label&) = default;
  friend auto operator<=>(const Label&, const Label&) = default;
};

class Labels {
 public:
  Labels() = default;
  Labels(const Labels&) = default;
  Labels& operator=(const Labels&) = default;
  // A moved-from set is empty (skip_ goes with rep_).
  Labels(Labels&& other) noexcept
      : rep_(std::move(other.rep_)), skip_(std::exchange(other.skip_, 0)) {}
  Labels& operator=(Labels&& other) noexcept {
    rep_ = std::move(other.rep_);
    skip_ = std::exchange(other.skip_, 0);
    return *this;
  }
  // Sorts by name; a later duplicate name replaces an earlier one and pairs
  // with an empty value are dropped.
  Labels(std::initializer_list<Label> labels);
  static Labels FromVector(std::vector<Label> labels);
  // Pairs given as name, value, name, value, ... (test convenience).
  static Labels FromStrings(std::initializer_list<std::string_view> kv);

  // The value of `name`, or "" when absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  std::string_view MetricName() const { return Get(kMetricName); }

  size_t size() const { return rep_ ? rep_->labels.size() - skip_ : 0; }
  bool empty() const { return rep_ == nullptr; }
  const Label& operator[](size_t i) const { return rep_->labels[skip_ + i]; }
  std::vector<Label>::const_iterator begin() const {
    return list().begin() + skip_;
  }
  std::vector<Label>::const_iterator end() const { return list().end(); }

  // The set without its first `n` pairs (n <= size()): sharing this one's
  // storage when n <= kMaxSharedSkip, copied beyond.
  static constexpr size_t kMaxSharedSkip = 3;
  Labels WithoutFirst(size_t n) const;

  // A stable 64-bit hash of all pairs; equal sets hash equally.
  uint64_t Hash() const;
  // Hash over only the listed names (on) or all but them (!on), ignoring
  // __name__ in the latter case as vector matching does. `names` is sorted.
  uint64_t HashFor(const std::vector<std::string>& names, bool on) const;

  // Prometheus's form: {__name__="x", a="b"} printed as x{a="b"}.
  std::string ToString() const;

  friend bool operator==(const Labels& a, const Labels& b) {
    return (a.rep_ == b.rep_ && a.skip_ == b.skip_) ||
           std::equal(a.begin(), a.end(), b.begin(), b.end());
  }
  // Lexicographic over pairs, as Prometheus's labels.Compare.
  friend std::strong_ordering operator<=>(const Labels& a, const Labels& b);

 private:
  friend class LabelsBuilder;
  struct Rep {
    explicit Rep(std::vector<Label> l) : labels(std::move(l)) {}
    std::vector<Label> labels;  // normalized, never empty
    // Hash() once computed, of the whole set and of it without its first
    // i + 1 pairs (WithoutFirst); 0 until then (a set hashing to 0 is
    // rehashed).
    mutable std::atomic<uint64_t> hash{0};
    mutable std::atomic<uint64_t> hash_without[kMaxSharedSkip] = {};
  };
  // The normalized `labels`, shared; null when there are none.
  static std::shared_ptr<const Rep> Share(std::vector<Label> labels);
  const std::vector<Label>& list() const {
    static const std::vector<Label> kNone;
    return rep_ ? rep_->labels : kNone;
  }
  std::shared_ptr<const Rep> rep_;
  // Pairs of rep_ before this set's first (at most kMaxSharedSkip, less than
  // rep_'s size: a set of none has no rep_).
  uint32_t skip_ = 0;
};

// Mutates a copy of a label set; Build() produces the sorted result.
//
// The pairs are views into the base set (kept alive by the builder) and
// into the values Set() was given, copied: the strings are copied once, by
// Build(), and only those the result keeps. Set() keeps the pairs in order,
// so that Build() need not sort a base that was.
class LabelsBuilder {
 public:
  explicit LabelsBuilder(const Labels& base);
  LabelsBuilder() = default;
  LabelsBuilder(const LabelsBuilder& other);
  LabelsBuilder& operator=(const LabelsBuilder& other);
  LabelsBuilder(LabelsBuilder&&) = default;
  LabelsBuilder& operator=(LabelsBuilder&&) = default;

  // Setting an empty value deletes the label.
  LabelsBuilder& Set(std::string_view name, std::string_view value);
  LabelsBuilder& Del(std::string_view name);
  // Keeps only the listed names.
  LabelsBuilder& Keep(const std::vector<std::string>& names);
  std::string_view Get(std::string_view name) const;
  Labels Build() const;

 private:
  using Pair = std::pair<std::string_view, std::string_view>;
  std::string_view Own(std::string_view s);

  Labels base_;
  std::vector<Pair> labels_;
  // What Set() was given; a list, so that the views stay where they are.
  std::forward_list<std::string> owned_;
};

}  // namespace vigil

#endif  // VIGIL_LABELS_H_
