#include "vigil/matcher.h"

#include <re2/re2.h>

#include "lib/model/go_quote.h"
#include "lib/model/label_text.h"

namespace vigil {

std::string_view MatchTypeString(MatchType type) {
  switch (type) {
    case MatchType::kEqual:
      return "=";
    case MatchType::kNotEqual:
      return "!=";
    case MatchType::kRegexMatch:
      return "=~";
    case MatchType::kRegexNoMatch:
      return "!~";
  }
  return "?";
}

Matcher::Matcher(MatchType type, std::string name, std::string value)
    : type_(type), name_(std::move(name)), value_(std::move(value)) {}

absl::StatusOr<Matcher> Matcher::Create(MatchType type, std::string name,
                                        std::string value) {
  Matcher m(type, std::move(name), std::move(value));
  if (type == MatchType::kRegexMatch || type == MatchType::kRegexNoMatch) {
    RE2::Options options;
    options.set_dot_nl(true);  // Prometheus 3: `.` matches a newline.
    options.set_log_errors(false);
    // Anchored as Prometheus anchors: ^(?s:<pattern>)$.
    auto re = std::make_shared<const RE2>("^(?:" + m.value_ + ")$", options);
    if (!re->ok()) {
      return absl::InvalidArgumentError("error parsing regexp: " + re->error());
    }
    m.regex_ = std::move(re);
  }
  return m;
}

bool Matcher::Matches(std::string_view value) const {
  switch (type_) {
    case MatchType::kEqual:
      return value == value_;
    case MatchType::kNotEqual:
      return value != value_;
    case MatchType::kRegexMatch:
      return RE2::FullMatch(re2::StringPiece(value.data(), value.size()),
                            *regex_);
    case MatchType::kRegexNoMatch:
      return !RE2::FullMatch(re2::StringPiece(value.data(), value.size()),
                             *regex_);
  }
  return false;
}

std::string Matcher::ToString() const {
  std::string out = LabelNameText(name_);
  out.append(MatchTypeString(type_));
  out.append(QuoteString(value_));
  return out;
}

}  // namespace vigil
