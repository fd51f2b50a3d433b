#include "lib/model/name_escaping.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "lib/model/strings.h"
#include "lib/model/utf8.h"

namespace vigil {
namespace {

// model's isValidLegacyRune: the metric name rule, `at` the byte offset.
bool IsLegacyRune(int32_t r, size_t at) {
  return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r == '_' ||
         r == ':' || (r >= '0' && r <= '9' && at > 0);
}

}  // namespace

std::string_view NameEscapingParam(NameEscaping scheme) {
  switch (scheme) {
    case NameEscaping::kAllowUtf8:
      return "allow-utf-8";
    case NameEscaping::kUnderscores:
      return "underscores";
    case NameEscaping::kDots:
      return "dots";
    case NameEscaping::kValues:
      return "values";
  }
  return "underscores";
}

std::optional<NameEscaping> ParseNameEscaping(std::string_view param) {
  for (NameEscaping s : {NameEscaping::kAllowUtf8, NameEscaping::kUnderscores,
                         NameEscaping::kDots, NameEscaping::kValues}) {
    if (param == NameEscapingParam(s)) return s;
  }
  return std::nullopt;
}

void AppendEscapedName(std::string_view name, NameEscaping scheme,
                       std::string* out) {
  if (name.empty() || scheme == NameEscaping::kAllowUtf8 ||
      (scheme != NameEscaping::kDots && IsLegacyMetricName(name))) {
    out->append(name);
    return;
  }
  if (scheme == NameEscaping::kValues) out->append("U__");
  for (size_t i = 0; i < name.size();) {
    int width = 1;
    const int32_t r = DecodeRune(name, i, &width);
    const std::string_view raw = name.substr(i, static_cast<size_t>(width));
    const bool legacy = IsLegacyRune(r, i);
    i += static_cast<size_t>(width);
    switch (scheme) {
      case NameEscaping::kUnderscores:
        out->push_back(legacy ? static_cast<char>(r) : '_');
        break;
      case NameEscaping::kDots:
        if (r == '_') {
          out->append("__");
        } else if (r == '.') {
          out->append("_dot_");
        } else {
          out->append(legacy ? raw : "__");
        }
        break;
      case NameEscaping::kValues:
        if (r == '_') {
          out->append("__");
        } else if (legacy) {
          out->append(raw);
        } else {
          // Decoding never yields an invalid rune (a bad byte is U+FFFD),
          // so Go's "_FFFD_" branch cannot be reached from a string.
          absl::StrAppend(out, "_", absl::Hex(r), "_");
        }
        break;
      case NameEscaping::kAllowUtf8:
        break;
    }
  }
}

std::string EscapeName(std::string_view name, NameEscaping scheme) {
  std::string out;
  AppendEscapedName(name, scheme, &out);
  return out;
}

std::string_view ExpositionName(std::string_view name, NameEscaping scheme,
                                std::string* scratch) {
  if (scheme == NameEscaping::kAllowUtf8 || name.empty() ||
      IsLegacyMetricName(name)) {
    return name;
  }
  scratch->clear();
  AppendEscapedName(name, scheme, scratch);
  return *scratch;
}

}  // namespace vigil
