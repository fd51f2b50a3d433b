#include "lib/yaml/yaml_decode.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/model/absl_compat.h"
#include "lib/model/duration.h"

namespace vigil::yamlcfg {

absl::Status ErrorAt(std::string_view file, const YAML::Node& node,
                     std::string_view msg) {
  const YAML::Mark m = node.Mark();
  if (m.line < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(file), ": ", ToAbsl(msg)));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      ToAbsl(file), ":", m.line + 1, ":", m.column + 1, ": ", ToAbsl(msg)));
}

std::string DescribeForError(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "!!map";
    case YAML::NodeType::Sequence:
      return "!!seq";
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      int64_t i;
      double d;
      const std::string lower = absl::AsciiStrToLower(s);
      std::string tag = "!!str";
      if (node.Tag() != "!") {
        if (absl::SimpleAtoi(s, &i)) {
          tag = "!!int";
        } else if (lower == "true" || lower == "false") {
          tag = "!!bool";
        } else if (absl::SimpleAtod(s, &d)) {
          tag = "!!float";
        }
      }
      return absl::StrCat(tag, " `", s, "`");
    }
    default:
      return "!!null";
  }
}

absl::Status UnmarshalError(std::string_view file, const YAML::Node& node,
                            std::string_view go_type) {
  return ErrorAt(file, node,
                 absl::StrCat("cannot unmarshal ", DescribeForError(node),
                              " into ", ToAbsl(go_type)));
}

absl::Status CheckKnownFields(std::string_view file, const YAML::Node& node,
                              std::initializer_list<std::string_view> known,
                              std::string_view go_type) {
  for (const auto& kv : node) {
    const std::string key =
        kv.first.IsScalar() ? kv.first.Scalar() : std::string();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return ErrorAt(
          file, kv.first,
          absl::StrCat("field ", key, " not found in type ", ToAbsl(go_type)));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckStruct(std::string_view file, const YAML::Node& node,
                         std::initializer_list<std::string_view> known,
                         std::string_view go_type) {
  if (!node.IsMap()) return UnmarshalError(file, node, go_type);
  return CheckKnownFields(file, node, known, go_type);
}

absl::StatusOr<YAML::Node> LoadDocument(std::string_view yaml,
                                        std::string_view file) {
  try {
    return YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(file), ":", e.mark.line + 1, ":", e.mark.column + 1,
                     ": ", e.msg));
  }
}

absl::StatusOr<std::string> DecodeString(std::string_view file,
                                         const YAML::Node& node) {
  if (node.IsNull()) return std::string();
  if (!node.IsScalar()) {
    return UnmarshalError(file, node, "string");
  }
  return node.Scalar();
}

absl::StatusOr<bool> DecodeBool(std::string_view file, const YAML::Node& node) {
  if (node.IsNull()) return false;
  if (node.IsScalar()) {
    const std::string lower = absl::AsciiStrToLower(node.Scalar());
    if (lower == "true" || lower == "yes" || lower == "on") return true;
    if (lower == "false" || lower == "no" || lower == "off") return false;
  }
  return UnmarshalError(file, node, "bool");
}

absl::StatusOr<uint64_t> DecodeUint(std::string_view file,
                                    const YAML::Node& node,
                                    std::string_view go_type) {
  if (node.IsNull()) return 0;
  uint64_t v;
  if (node.IsScalar() && absl::SimpleAtoi(node.Scalar(), &v)) return v;
  return UnmarshalError(file, node, go_type);
}

absl::StatusOr<std::vector<std::string>> DecodeStringList(
    std::string_view file, const YAML::Node& node, std::string_view go_type) {
  std::vector<std::string> out;
  if (node.IsNull()) return out;
  if (!node.IsSequence()) {
    return UnmarshalError(file, node, go_type);
  }
  for (const auto& item : node) {
    auto s = DecodeString(file, item);
    if (!s.ok()) return s.status();
    out.push_back(*std::move(s));
  }
  return out;
}

absl::StatusOr<int64_t> DecodeDurationMs(std::string_view file,
                                         const YAML::Node& node) {
  if (node.IsNull()) return 0;
  if (!node.IsScalar()) {
    return UnmarshalError(file, node, "model.Duration");
  }
  auto ms = ParseDurationMs(node.Scalar());
  if (!ms.ok()) return ErrorAt(file, node, FromAbsl(ms.status().message()));
  return *ms;
}

}  // namespace vigil::yamlcfg
