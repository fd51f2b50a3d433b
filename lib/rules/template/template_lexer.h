// Go text/template's lexer (text/template/parse/lex.go): delimiters {{ }},
// trim markers, comments, and the tokens inside actions.
#ifndef VIGIL_LIB_RULES_TEMPLATE_TEMPLATE_LEXER_H_
#define VIGIL_LIB_RULES_TEMPLATE_TEMPLATE_LEXER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::tmpl {

enum class ItemType {
  kError,  // val is the message
  kBool,
  kChar,  // a printable ASCII character inside an action, e.g. ','
  kCharConstant,
  kComplex,
  kAssign,   // =
  kDeclare,  // :=
  kEOF,
  kField,  // .Name
  kIdentifier,
  kLeftDelim,
  kLeftParen,
  kNumber,
  kPipe,
  kRawString,
  kRightDelim,
  kRightParen,
  kSpace,
  kString,
  kText,
  kVariable,  // $name or $
  // Keywords follow; Go prints them as <val>.
  kKeyword,
  kBlock,
  kBreak,
  kContinue,
  kDot,
  kDefine,
  kElse,
  kEnd,
  kIf,
  kNil,
  kRange,
  kTemplate,
  kWith,
};

struct Item {
  ItemType type;
  size_t pos;  // byte offset in the input
  std::string val;
  int line;  // 1-based line of the item's start
};

// Lexes the whole input; the last item is kEOF or kError.
std::vector<Item> Lex(std::string_view input);

// Go's item.String(), used in "unexpected %s" messages.
std::string ItemString(const Item& item);

}  // namespace vigil::tmpl

#endif  // VIGIL_LIB_RULES_TEMPLATE_TEMPLATE_LEXER_H_
