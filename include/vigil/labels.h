// Labels: the identity of a time series.
//
// A Labels value is an immutable set of (name, value) pairs sorted by name,
// with unique names and no empty values (an empty value means "absent", as in
// Prometheus). The metric name is the label "__name__".
//
// Thread safety: Labels is a value type; const access is safe from any number
// of threads. Building happens through LabelsBuilder, which is not
// thread-safe.
#ifndef VIGIL_LABELS_H_
#define VIGIL_LABELS_H_

#include <cstdint>
#include <initializer_list>
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

  size_t size() const { return labels_.size(); }
  bool empty() const { return labels_.empty(); }
  const Label& operator[](size_t i) const { return labels_[i]; }
  std::vector<Label>::const_iterator begin() const { return labels_.begin(); }
  std::vector<Label>::const_iterator end() const { return labels_.end(); }

  // A stable 64-bit hash of all pairs; equal sets hash equally.
  uint64_t Hash() const;
  // Hash over only the listed names (on) or all but them (!on), ignoring
  // __name__ in the latter case as vector matching does. `names` is sorted.
  uint64_t HashFor(const std::vector<std::string>& names, bool on) const;

  // Prometheus's form: {__name__="x", a="b"} printed as x{a="b"}.
  std::string ToString() const;

  friend bool operator==(const Labels&, const Labels&) = default;
  // Lexicographic over pairs, as Prometheus's labels.Compare.
  friend std::strong_ordering operator<=>(const Labels& a, const Labels& b);

 private:
  friend class LabelsBuilder;
  std::vector<Label> labels_;
};

// Mutates a copy of a label set; Labels() produces the sorted result.
class LabelsBuilder {
 public:
  explicit LabelsBuilder(const Labels& base) : labels_(base.labels_) {}
  LabelsBuilder() = default;

  // Setting an empty value deletes the label.
  LabelsBuilder& Set(std::string_view name, std::string_view value);
  LabelsBuilder& Del(std::string_view name);
  // Keeps only the listed names.
  LabelsBuilder& Keep(const std::vector<std::string>& names);
  std::string_view Get(std::string_view name) const;
  Labels Build() const;

 private:
  std::vector<Label> labels_;
};

}  // namespace vigil

#endif  // VIGIL_LABELS_H_
