// The parse tree of a template (text/template/parse/node.go), with Go's
// String() forms, which execution errors quote as their context.
#ifndef VIGIL_LIB_RULES_TEMPLATE_TEMPLATE_AST_H_
#define VIGIL_LIB_RULES_TEMPLATE_TEMPLATE_AST_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace vigil::tmpl {

enum class NodeType {
  kText,
  kAction,
  kBool,
  kChain,
  kCommand,
  kDot,
  kField,
  kIdentifier,
  kIf,
  kList,
  kNil,
  kNumber,
  kPipe,
  kRange,
  kString,
  kTemplate,
  kVariable,
  kWith,
  kBreak,
  kContinue,
  kElse,  // parser-internal
  kEnd,   // parser-internal
};

struct Node {
  NodeType type;
  size_t pos = 0;  // byte offset in the template text
  int line = 0;

  // kText: the text; kString: the unquoted value (quoted keeps the source);
  // kIdentifier: the function name; kNumber: the literal; kTemplate: the
  // invoked template's name.
  std::string text;
  std::string quoted;
  // kField: names without dots; kVariable: "$x" then field names;
  // kChain: the field names after `chain_base`.
  std::vector<std::string> idents;
  bool bool_val = false;
  // kNumber
  bool is_int = false;
  bool is_float = false;
  bool is_uint = false;
  int64_t int_val = 0;
  double float_val = 0;

  // kList: items; kCommand: arguments; kPipe: commands.
  std::vector<std::unique_ptr<Node>> nodes;
  // kPipe: declared variables (kVariable nodes) and whether it is `=`.
  std::vector<std::unique_ptr<Node>> decl;
  bool is_assign = false;
  // kAction/kIf/kRange/kWith/kTemplate: the pipeline (may be null for
  // kTemplate); kChain: the base operand.
  std::unique_ptr<Node> pipe;
  // kIf/kRange/kWith
  std::unique_ptr<Node> list;
  std::unique_ptr<Node> else_list;

  explicit Node(NodeType t) : type(t) {}
  std::string String() const;
};

// Go's parse.IsEmptyTree: only whitespace text.
bool IsEmptyTree(const Node& n);

}  // namespace vigil::tmpl

#endif  // VIGIL_LIB_RULES_TEMPLATE_TEMPLATE_AST_H_
