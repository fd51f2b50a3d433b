// Matcher: one label condition of a series selector (=, !=, =~, !~).
//
// Regular expressions use RE2 and are fully anchored, as in Prometheus:
// `job=~"api"` matches "api" only, never "api-server". Since Prometheus 3 a
// `.` also matches a newline, so patterns compile with dot_nl.
//
// A Matcher is immutable after creation and safe to share between threads.
#ifndef VIGIL_MATCHER_H_
#define VIGIL_MATCHER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace re2 {
class RE2;
}

namespace vigil {

enum class MatchType { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

// "=", "!=", "=~" or "!~".
std::string_view MatchTypeString(MatchType type);

class Matcher {
 public:
  // Fails with InvalidArgument when a regular expression does not compile;
  // the message is RE2's.
  static absl::StatusOr<Matcher> Create(MatchType type, std::string name,
                                        std::string value);

  MatchType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }

  // Whether a label value satisfies the matcher; an absent label is "".
  bool Matches(std::string_view value) const;

  // `name="value"` with the value quoted as Prometheus prints it.
  std::string ToString() const;

  friend bool operator==(const Matcher& a, const Matcher& b) {
    return a.type_ == b.type_ && a.name_ == b.name_ && a.value_ == b.value_;
  }

 private:
  Matcher(MatchType type, std::string name, std::string value);

  MatchType type_;
  std::string name_;
  std::string value_;
  // Shared so that copies of a matcher do not recompile the pattern.
  std::shared_ptr<const re2::RE2> regex_;
};

using Matchers = std::vector<Matcher>;

}  // namespace vigil

#endif  // VIGIL_MATCHER_H_
