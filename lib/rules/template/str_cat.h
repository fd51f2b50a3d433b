// absl::StrCat for std::string_view arguments: in Abseil 20220623
// absl::string_view is a distinct type, and AlphaNum does not take
// std::string_view.
#ifndef VIGIL_LIB_RULES_TEMPLATE_STR_CAT_H_
#define VIGIL_LIB_RULES_TEMPLATE_STR_CAT_H_

#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace vigil::tmpl {

template <typename T>
decltype(auto) ToAlphaNum(const T& v) {
  if constexpr (std::is_same_v<T, std::string_view>) {
    return absl::string_view(v.data(), v.size());
  } else {
    return (v);
  }
}

template <typename... Ts>
std::string Cat(const Ts&... args) {
  return absl::StrCat(ToAlphaNum(args)...);
}

template <typename... Ts>
void Append(std::string* out, const Ts&... args) {
  absl::StrAppend(out, ToAlphaNum(args)...);
}

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

}  // namespace vigil::tmpl

#endif  // VIGIL_LIB_RULES_TEMPLATE_STR_CAT_H_
