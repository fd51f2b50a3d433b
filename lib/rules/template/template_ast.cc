#include "lib/rules/template/template_ast.h"

#include "absl/strings/str_join.h"
#include "lib/model/absl_compat.h"
#include "lib/model/go_quote.h"

namespace vigil::tmpl {
namespace {

void Write(std::string& out, const Node& n);

void WriteArg(std::string& out, const Node& n) {
  if (n.type == NodeType::kPipe) {
    out += "(";
    Write(out, n);
    out += ")";
  } else {
    Write(out, n);
  }
}

void WriteControl(std::string& out, std::string_view keyword, const Node& n) {
  Append(&out, "{{", keyword, " ");
  Write(out, *n.pipe);
  out += "}}";
  Write(out, *n.list);
  if (n.else_list != nullptr) {
    out += "{{else}}";
    Write(out, *n.else_list);
  }
  out += "{{end}}";
}

void Write(std::string& out, const Node& n) {
  switch (n.type) {
    case NodeType::kText:
      out += n.text;
      return;
    case NodeType::kAction:
      out += "{{";
      Write(out, *n.pipe);
      out += "}}";
      return;
    case NodeType::kBool:
      out += n.bool_val ? "true" : "false";
      return;
    case NodeType::kChain:
      WriteArg(out, *n.pipe);
      for (const auto& f : n.idents) Append(&out, ".", f);
      return;
    case NodeType::kCommand:
      for (size_t i = 0; i < n.nodes.size(); ++i) {
        if (i > 0) out += " ";
        WriteArg(out, *n.nodes[i]);
      }
      return;
    case NodeType::kDot:
      out += ".";
      return;
    case NodeType::kField:
      for (const auto& f : n.idents) Append(&out, ".", f);
      return;
    case NodeType::kIdentifier:
      out += n.text;
      return;
    case NodeType::kIf:
      WriteControl(out, "if", n);
      return;
    case NodeType::kRange:
      WriteControl(out, "range", n);
      return;
    case NodeType::kWith:
      WriteControl(out, "with", n);
      return;
    case NodeType::kList:
      for (const auto& c : n.nodes) Write(out, *c);
      return;
    case NodeType::kNil:
      out += "nil";
      return;
    case NodeType::kNumber:
      out += n.text;
      return;
    case NodeType::kPipe:
      for (size_t i = 0; i < n.decl.size(); ++i) {
        if (i > 0) out += ", ";
        Write(out, *n.decl[i]);
      }
      if (!n.decl.empty()) out += n.is_assign ? " = " : " := ";
      for (size_t i = 0; i < n.nodes.size(); ++i) {
        if (i > 0) out += " | ";
        Write(out, *n.nodes[i]);
      }
      return;
    case NodeType::kString:
      out += n.quoted;
      return;
    case NodeType::kTemplate:
      Append(&out, "{{template ", QuoteString(n.text));
      if (n.pipe != nullptr) {
        out += " ";
        Write(out, *n.pipe);
      }
      out += "}}";
      return;
    case NodeType::kVariable:
      out += absl::StrJoin(n.idents, ".");
      return;
    case NodeType::kBreak:
      out += "{{break}}";
      return;
    case NodeType::kContinue:
      out += "{{continue}}";
      return;
    case NodeType::kElse:
      out += "{{else}}";
      return;
    case NodeType::kEnd:
      out += "{{end}}";
      return;
  }
}

}  // namespace

std::string Node::String() const {
  std::string out;
  Write(out, *this);
  return out;
}

bool IsEmptyTree(const Node& n) {
  switch (n.type) {
    case NodeType::kList:
      for (const auto& c : n.nodes) {
        if (!IsEmptyTree(*c)) return false;
      }
      return true;
    case NodeType::kText:
      return n.text.find_first_not_of(" \t\r\n") == std::string::npos;
    default:
      return false;
  }
}

}  // namespace vigil::tmpl
