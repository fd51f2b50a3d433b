// Bridges between std::string_view (vigil's interfaces) and Abseil's own
// absl::string_view, a distinct type in Abseil 20220623.
#ifndef VIGIL_TESTS_PROMQLTEST_TEXT_UTIL_H_
#define VIGIL_TESTS_PROMQLTEST_TEXT_UTIL_H_

#include <string>
#include <string_view>

#include "lib/model/absl_compat.h"

namespace vigil::promqltest {

// Go's strings.TrimSpace for ASCII text.
inline std::string_view TrimSpace(std::string_view s) {
  constexpr std::string_view kSpace = " \t\n\v\f\r";
  size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

// Go's regexp reads text as UTF-8 and decodes each invalid byte as U+FFFD,
// which `.` matches; RE2 would not match such bytes at all. Matching the
// sanitised text reproduces Go's result.
std::string ToValidUtf8(std::string_view s);

}  // namespace vigil::promqltest

#endif  // VIGIL_TESTS_PROMQLTEST_TEXT_UTIL_H_
