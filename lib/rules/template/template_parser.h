// Go text/template's parser (text/template/parse/parse.go): builds the parse
// trees of a template text and its {{define}}/{{block}} templates, with Go's
// error messages.
#ifndef VIGIL_LIB_RULES_TEMPLATE_TEMPLATE_PARSER_H_
#define VIGIL_LIB_RULES_TEMPLATE_TEMPLATE_PARSER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/rules/template/template_ast.h"

namespace vigil::tmpl {
namespace internal {

struct ParsedTemplate {
  std::string name;
  std::string text;  // all trees' positions index into this
  std::map<std::string, std::unique_ptr<Node>, std::less<>> trees;
};

}  // namespace internal

// Parses `text` as template `name`. `has_function` says which identifiers
// are functions: Go rejects calls to undefined functions at parse time.
// Errors read `template: NAME:LINE: message`.
absl::StatusOr<std::shared_ptr<internal::ParsedTemplate>> ParseTemplate(
    std::string_view name, std::string_view text,
    const std::function<bool(std::string_view)>& has_function);

// strconv.Unquote for "..." and `...` literals; false on bad syntax.
bool GoUnquote(std::string_view quoted, std::string& out);

}  // namespace vigil::tmpl

#endif  // VIGIL_LIB_RULES_TEMPLATE_TEMPLATE_PARSER_H_
