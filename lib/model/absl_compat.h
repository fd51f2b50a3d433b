// std::string_view at Abseil's edges. In Abseil 20220623 absl::string_view
// is its own type, not an alias of std::string_view, so neither converts
// to the other and absl::StrCat does not take std::string_view. vigil's
// code and public API use std::string_view and convert here. Internal: not
// installed.
#ifndef VIGIL_LIB_MODEL_ABSL_COMPAT_H_
#define VIGIL_LIB_MODEL_ABSL_COMPAT_H_

#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace vigil {

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
inline std::string_view FromAbsl(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

// What absl::StrCat accepts for `v`: std::string_view converted, anything
// else as it is.
template <typename T>
decltype(auto) ToAlphaNum(const T& v) {
  if constexpr (std::is_same_v<T, std::string_view>) {
    return ToAbsl(v);
  } else {
    return (v);
  }
}

// absl::StrCat / absl::StrAppend that also take std::string_view.
template <typename... Ts>
std::string Cat(const Ts&... args) {
  return absl::StrCat(ToAlphaNum(args)...);
}
template <typename... Ts>
void Append(std::string* out, const Ts&... args) {
  absl::StrAppend(out, ToAlphaNum(args)...);
}

}  // namespace vigil

#endif  // VIGIL_LIB_MODEL_ABSL_COMPAT_H_
