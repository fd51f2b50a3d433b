#include "lib/rules/template/template_parser.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "lib/model/absl_compat.h"
#include "lib/model/go_quote.h"
#include "lib/model/utf8.h"
#include "lib/rules/template/template.h"
#include "lib/rules/template/template_lexer.h"

namespace vigil::tmpl {
namespace {

// Go's parser reports errors by panicking and recovering in Parse; this
// exception plays that role and never leaves this file.
struct ParseError {
  std::string message;
};

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// strconv.UnquoteChar: decodes one (possibly escaped) character of a
// literal delimited by `quote`; false on bad syntax.
bool UnquoteChar(std::string_view s, size_t& i, char quote, std::string& out,
                 uint32_t* rune) {
  char c = s[i];
  if (c == quote && (quote == '\'' || quote == '"')) return false;
  if (c != '\\') {
    size_t start = i;
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) {
      ++i;
    }
    out.append(s.substr(start, i - start));
    if (rune != nullptr) {
      unsigned char b = static_cast<unsigned char>(s[start]);
      uint32_t r = b;
      if (i - start == 2) r = ((b & 0x1F) << 6) | (s[start + 1] & 0x3F);
      if (i - start == 3) {
        r = ((b & 0x0F) << 12) | ((s[start + 1] & 0x3F) << 6) |
            (s[start + 2] & 0x3F);
      }
      if (i - start == 4) {
        r = ((b & 0x07) << 18) | ((s[start + 1] & 0x3F) << 12) |
            ((s[start + 2] & 0x3F) << 6) | (s[start + 3] & 0x3F);
      }
      *rune = r;
    }
    return true;
  }
  if (i + 1 >= s.size()) return false;
  char e = s[i + 1];
  i += 2;
  uint32_t r = 0;
  bool byte_value = false;
  switch (e) {
    case 'a':
      r = '\a';
      break;
    case 'b':
      r = '\b';
      break;
    case 'f':
      r = '\f';
      break;
    case 'n':
      r = '\n';
      break;
    case 'r':
      r = '\r';
      break;
    case 't':
      r = '\t';
      break;
    case 'v':
      r = '\v';
      break;
    case '\\':
      r = '\\';
      break;
    case '\'':
    case '"':
      if (e != quote) return false;
      r = static_cast<uint32_t>(e);
      break;
    case 'x':
    case 'u':
    case 'U': {
      int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
      if (i + n > s.size()) return false;
      for (int k = 0; k < n; ++k) {
        int h = HexVal(s[i + k]);
        if (h < 0) return false;
        r = r * 16 + static_cast<uint32_t>(h);
      }
      i += n;
      if (e == 'x') {
        byte_value = true;
      } else if (r > 0x10FFFF || (r >= 0xD800 && r < 0xE000)) {
        return false;
      }
      break;
    }
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
      r = static_cast<uint32_t>(e - '0');
      if (i + 2 > s.size()) return false;
      for (int k = 0; k < 2; ++k) {
        char d = s[i + k];
        if (d < '0' || d > '7') return false;
        r = r * 8 + static_cast<uint32_t>(d - '0');
      }
      if (r > 255) return false;
      i += 2;
      byte_value = true;
      break;
    }
    default:
      return false;
  }
  if (byte_value && quote != '\'') {
    out.push_back(static_cast<char>(r));
  } else {
    AppendRune(r, &out);
  }
  if (rune != nullptr) *rune = r;
  return true;
}

class Parser {
 public:
  Parser(std::string_view name, std::string_view text,
         const std::function<bool(std::string_view)>& has_function)
      : name_(name), has_function_(has_function), items_(Lex(text)) {}

  void Run(internal::ParsedTemplate& out) {
    out_ = &out;
    vars_ = {"$"};
    auto root = NewNode(NodeType::kList, Peek());
    while (Peek().type != ItemType::kEOF) {
      if (Peek().type == ItemType::kLeftDelim) {
        size_t save = idx_;
        Next();
        if (NextNonSpace().type == ItemType::kDefine) {
          ParseDefinition();
          continue;
        }
        idx_ = save;
      }
      auto n = TextOrAction();
      if (n->type == NodeType::kEnd || n->type == NodeType::kElse) {
        Errorf(Cat("unexpected ", n->String()));
      }
      root->nodes.push_back(std::move(n));
    }
    Add(name_, std::move(root));
  }

 private:
  using NodePtr = std::unique_ptr<Node>;

  [[noreturn]] void Errorf(std::string_view msg) {
    throw ParseError{Cat("template: ", name_, ":",
                         items_[std::min(far_, items_.size() - 1)].line, ": ",
                         msg)};
  }

  const Item& Next() {
    const Item& it = items_[std::min(idx_, items_.size() - 1)];
    if (idx_ < items_.size()) ++idx_;
    far_ = std::max(far_, idx_ - 1);
    return it;
  }
  const Item& Peek() {
    size_t i = std::min(idx_, items_.size() - 1);
    far_ = std::max(far_, i);
    return items_[i];
  }
  void Backup() { --idx_; }
  const Item& NextNonSpace() {
    while (Peek().type == ItemType::kSpace) Next();
    return Next();
  }
  const Item& PeekNonSpace() {
    while (Peek().type == ItemType::kSpace) Next();
    return Peek();
  }

  NodePtr NewNode(NodeType t, const Item& at) {
    auto n = std::make_unique<Node>(t);
    n->pos = at.pos;
    n->line = at.line;
    return n;
  }

  [[noreturn]] void Unexpected(const Item& token, std::string_view context) {
    if (token.type == ItemType::kError) {
      std::string extra;
      if (action_line_ != 0 && action_line_ != token.line) {
        extra = Cat(" in action started at ", name_, ":", action_line_);
        if (absl::EndsWith(token.val, " action")) {
          extra = Cat(" started at ", name_, ":", action_line_);
        }
      }
      Errorf(Cat(token.val, extra));
    }
    Errorf(Cat("unexpected ", ItemString(token), " in ", context));
  }

  const Item& Expect(ItemType t, std::string_view context) {
    const Item& token = NextNonSpace();
    if (token.type != t) Unexpected(token, context);
    return token;
  }

  void Add(const std::string& name, NodePtr root) {
    auto it = out_->trees.find(name);
    if (it == out_->trees.end() || IsEmptyTree(*it->second)) {
      out_->trees[name] = std::move(root);
      return;
    }
    if (!IsEmptyTree(*root)) {
      Errorf(
          Cat("template: multiple definition of template ", QuoteString(name)));
    }
  }

  void ParseDefinition() {
    constexpr std::string_view kContext = "define clause";
    const Item& tok = NextNonSpace();
    if (tok.type != ItemType::kString && tok.type != ItemType::kRawString) {
      Unexpected(tok, kContext);
    }
    std::string name;
    if (!GoUnquote(tok.val, name)) Errorf("invalid syntax");
    Expect(ItemType::kRightDelim, kContext);
    std::vector<std::string> saved_vars = std::move(vars_);
    vars_ = {"$"};
    auto [list, end] = ItemList();
    if (end->type != NodeType::kEnd) {
      Errorf(Cat("unexpected ", end->String(), " in ", kContext));
    }
    vars_ = std::move(saved_vars);
    Add(name, std::move(list));
  }

  std::pair<NodePtr, NodePtr> ItemList() {
    auto list = NewNode(NodeType::kList, PeekNonSpace());
    while (PeekNonSpace().type != ItemType::kEOF) {
      auto n = TextOrAction();
      if (n->type == NodeType::kEnd || n->type == NodeType::kElse) {
        return {std::move(list), std::move(n)};
      }
      list->nodes.push_back(std::move(n));
    }
    Errorf("unexpected EOF");
  }

  NodePtr TextOrAction() {
    if (++depth_ > kMaxParseDepth) Errorf("max expression depth exceeded");
    const Item& token = NextNonSpace();
    NodePtr result;
    switch (token.type) {
      case ItemType::kText: {
        result = NewNode(NodeType::kText, token);
        result->text = token.val;
        break;
      }
      case ItemType::kLeftDelim: {
        int saved = action_line_;
        action_line_ = token.line;
        result = Action();
        action_line_ = saved;
        break;
      }
      default:
        Unexpected(token, "input");
    }
    --depth_;
    return result;
  }

  NodePtr Action() {
    const Item& token = NextNonSpace();
    switch (token.type) {
      case ItemType::kBlock:
        return BlockControl();
      case ItemType::kBreak:
        return BreakOrContinue(token, NodeType::kBreak, "{{break}}");
      case ItemType::kContinue:
        return BreakOrContinue(token, NodeType::kContinue, "{{continue}}");
      case ItemType::kElse:
        return ElseControl();
      case ItemType::kEnd: {
        const Item& t = Expect(ItemType::kRightDelim, "end");
        return NewNode(NodeType::kEnd, t);
      }
      case ItemType::kIf:
        return Control(NodeType::kIf, "if");
      case ItemType::kRange:
        return Control(NodeType::kRange, "range");
      case ItemType::kTemplate:
        return TemplateControl();
      case ItemType::kWith:
        return Control(NodeType::kWith, "with");
      default:
        break;
    }
    Backup();
    const Item& at = Peek();
    auto action = NewNode(NodeType::kAction, at);
    action->pipe = Pipeline("command", ItemType::kRightDelim);
    return action;
  }

  NodePtr BreakOrContinue(const Item& at, NodeType type,
                          std::string_view context) {
    const Item& token = NextNonSpace();
    if (token.type != ItemType::kRightDelim) Unexpected(token, context);
    if (range_depth_ == 0) {
      Errorf(Cat(context, " outside {{range}}"));
    }
    return NewNode(type, at);
  }

  NodePtr ElseControl() {
    const Item& peek = PeekNonSpace();
    if (peek.type == ItemType::kIf || peek.type == ItemType::kWith) {
      return NewNode(NodeType::kElse, peek);
    }
    const Item& token = Expect(ItemType::kRightDelim, "else");
    return NewNode(NodeType::kElse, token);
  }

  NodePtr Control(NodeType type, std::string_view context) {
    size_t mark = vars_.size();
    auto node = NewNode(type, Peek());
    node->pipe = Pipeline(context, ItemType::kRightDelim);
    node->pos = node->pipe->pos;
    node->line = node->pipe->line;
    if (type == NodeType::kRange) ++range_depth_;
    auto [list, next] = ItemList();
    if (type == NodeType::kRange) --range_depth_;
    node->list = std::move(list);
    if (next->type == NodeType::kElse) {
      // {{else if x}} and {{else with x}} are {{else}}{{if x}}...{{end}}{{end}}
      // with the inner {{end}} shared, as Go's parseControl arranges.
      if (type == NodeType::kIf && Peek().type == ItemType::kIf) {
        Next();
        node->else_list = NewNode(NodeType::kList, items_[idx_ - 1]);
        node->else_list->pos = next->pos;
        node->else_list->nodes.push_back(Control(NodeType::kIf, "if"));
      } else if (type == NodeType::kWith && Peek().type == ItemType::kWith) {
        Next();
        node->else_list = NewNode(NodeType::kList, items_[idx_ - 1]);
        node->else_list->pos = next->pos;
        node->else_list->nodes.push_back(Control(NodeType::kWith, "with"));
      } else {
        auto [else_list, end] = ItemList();
        if (end->type != NodeType::kEnd) {
          Errorf(Cat("expected end; found ", end->String()));
        }
        node->else_list = std::move(else_list);
      }
    }
    vars_.resize(mark);
    return node;
  }

  std::string TemplateName(const Item& token, std::string_view context) {
    if (token.type != ItemType::kString && token.type != ItemType::kRawString) {
      Unexpected(token, context);
    }
    std::string name;
    if (!GoUnquote(token.val, name)) Errorf("invalid syntax");
    return name;
  }

  NodePtr TemplateControl() {
    constexpr std::string_view kContext = "template clause";
    const Item& token = NextNonSpace();
    auto node = NewNode(NodeType::kTemplate, token);
    node->text = TemplateName(token, kContext);
    if (NextNonSpace().type != ItemType::kRightDelim) {
      Backup();
      node->pipe = Pipeline(kContext, ItemType::kRightDelim);
    }
    return node;
  }

  NodePtr BlockControl() {
    constexpr std::string_view kContext = "block clause";
    const Item& token = NextNonSpace();
    auto node = NewNode(NodeType::kTemplate, token);
    node->text = TemplateName(token, kContext);
    node->pipe = Pipeline(kContext, ItemType::kRightDelim);
    std::vector<std::string> saved_vars = std::move(vars_);
    int saved_range = range_depth_;
    vars_ = {"$"};
    range_depth_ = 0;
    auto [list, end] = ItemList();
    if (end->type != NodeType::kEnd) {
      Errorf(Cat("unexpected ", end->String(), " in ", kContext));
    }
    vars_ = std::move(saved_vars);
    range_depth_ = saved_range;
    Add(node->text, std::move(list));
    return node;
  }

  NodePtr NewVariable(const Item& at) {
    auto v = NewNode(NodeType::kVariable, at);
    v->idents = {at.val};
    return v;
  }

  NodePtr Pipeline(std::string_view context, ItemType end) {
    const Item& first = PeekNonSpace();
    auto pipe = NewNode(NodeType::kPipe, first);
    while (PeekNonSpace().type == ItemType::kVariable) {
      size_t var_idx = idx_;
      const Item& v = Next();
      const Item& after = Peek();
      ItemType after_type = after.type;
      const Item& next = PeekNonSpace();
      if (next.type == ItemType::kAssign || next.type == ItemType::kDeclare) {
        pipe->is_assign = next.type == ItemType::kAssign;
        NextNonSpace();
        pipe->decl.push_back(NewVariable(v));
        vars_.push_back(v.val);
        break;
      }
      if (next.type == ItemType::kChar && next.val == ",") {
        NextNonSpace();
        pipe->decl.push_back(NewVariable(v));
        vars_.push_back(v.val);
        if (context == "range" && pipe->decl.size() < 2) {
          ItemType t = PeekNonSpace().type;
          if (t == ItemType::kVariable || t == ItemType::kRightDelim ||
              t == ItemType::kRightParen) {
            continue;  // the second variable of a range
          }
          Errorf("range can only initialize variables");
        }
        Errorf(Cat("too many declarations in ", context));
      }
      // Not a declaration: the variable is the first operand.
      (void)after_type;
      idx_ = var_idx;
      break;
    }
    while (true) {
      const Item& token = NextNonSpace();
      if (token.type == end) {
        CheckPipeline(*pipe, context);
        return pipe;
      }
      switch (token.type) {
        case ItemType::kBool:
        case ItemType::kCharConstant:
        case ItemType::kComplex:
        case ItemType::kDot:
        case ItemType::kField:
        case ItemType::kIdentifier:
        case ItemType::kNumber:
        case ItemType::kNil:
        case ItemType::kRawString:
        case ItemType::kString:
        case ItemType::kVariable:
        case ItemType::kLeftParen:
          Backup();
          pipe->nodes.push_back(Command());
          break;
        default:
          Unexpected(token, context);
      }
    }
  }

  void CheckPipeline(const Node& pipe, std::string_view context) {
    if (pipe.nodes.empty()) {
      Errorf(Cat("missing value for ", context));
    }
    for (size_t i = 1; i < pipe.nodes.size(); ++i) {
      switch (pipe.nodes[i]->nodes[0]->type) {
        case NodeType::kBool:
        case NodeType::kDot:
        case NodeType::kNil:
        case NodeType::kNumber:
        case NodeType::kString:
          Errorf(Cat("non executable command in pipeline stage ", i + 1));
        default:
          break;
      }
    }
  }

  NodePtr Command() {
    auto cmd = NewNode(NodeType::kCommand, PeekNonSpace());
    while (true) {
      PeekNonSpace();
      auto operand = Operand();
      if (operand != nullptr) cmd->nodes.push_back(std::move(operand));
      const Item& token = Next();
      if (token.type == ItemType::kSpace) continue;
      if (token.type == ItemType::kRightDelim ||
          token.type == ItemType::kRightParen) {
        Backup();
      } else if (token.type != ItemType::kPipe) {
        Unexpected(token, "operand");
      }
      break;
    }
    if (cmd->nodes.empty()) Errorf("empty command");
    return cmd;
  }

  NodePtr Operand() {
    auto node = Term();
    if (node == nullptr) return nullptr;
    if (Peek().type == ItemType::kField) {
      auto chain = NewNode(NodeType::kChain, Peek());
      while (Peek().type == ItemType::kField) {
        chain->idents.push_back(Next().val.substr(1));
      }
      switch (node->type) {
        case NodeType::kField:
        case NodeType::kVariable: {
          for (auto& f : chain->idents) node->idents.push_back(std::move(f));
          node->pos = chain->pos;
          return node;
        }
        case NodeType::kBool:
        case NodeType::kString:
        case NodeType::kNumber:
        case NodeType::kNil:
        case NodeType::kDot:
          Errorf(Cat("unexpected . after term ", QuoteString(node->String())));
        default:
          chain->pipe = std::move(node);
          return chain;
      }
    }
    return node;
  }

  NodePtr Term() {
    const Item& token = NextNonSpace();
    switch (token.type) {
      case ItemType::kIdentifier: {
        if (!has_function_(token.val)) {
          Errorf(Cat("function ", QuoteString(token.val), " not defined"));
        }
        auto n = NewNode(NodeType::kIdentifier, token);
        n->text = token.val;
        return n;
      }
      case ItemType::kDot:
        return NewNode(NodeType::kDot, token);
      case ItemType::kNil:
        return NewNode(NodeType::kNil, token);
      case ItemType::kVariable: {
        if (std::find(vars_.begin(), vars_.end(), token.val) == vars_.end()) {
          Errorf(Cat("undefined variable ", QuoteString(token.val)));
        }
        return NewVariable(token);
      }
      case ItemType::kField: {
        auto n = NewNode(NodeType::kField, token);
        n->idents = {token.val.substr(1)};
        return n;
      }
      case ItemType::kBool: {
        auto n = NewNode(NodeType::kBool, token);
        n->bool_val = token.val == "true";
        return n;
      }
      case ItemType::kCharConstant:
      case ItemType::kComplex:
      case ItemType::kNumber:
        return NewNumber(token);
      case ItemType::kLeftParen: {
        if (++depth_ > kMaxParseDepth) Errorf("max expression depth exceeded");
        auto p = Pipeline("parenthesized pipeline", ItemType::kRightParen);
        --depth_;
        return p;
      }
      case ItemType::kString:
      case ItemType::kRawString: {
        auto n = NewNode(NodeType::kString, token);
        n->quoted = token.val;
        if (!GoUnquote(token.val, n->text)) Errorf("invalid syntax");
        return n;
      }
      default:
        Backup();
        return nullptr;
    }
  }

  NodePtr NewNumber(const Item& token) {
    auto n = NewNode(NodeType::kNumber, token);
    n->text = token.val;
    const std::string& text = token.val;
    if (token.type == ItemType::kCharConstant) {
      std::string sink;
      uint32_t r = 0;
      size_t i = 1;
      if (text.size() < 3 || !UnquoteChar(text, i, '\'', sink, &r)) {
        Errorf("invalid syntax");
      }
      if (i != text.size() - 1) {
        Errorf(Cat("malformed character constant: ", text));
      }
      n->is_int = n->is_uint = n->is_float = true;
      n->int_val = r;
      n->float_val = r;
      return n;
    }
    if (token.type == ItemType::kComplex || text.back() == 'i') {
      // Complex constants have no use in alert templates.
      Errorf(Cat("illegal number syntax: ", QuoteString(text)));
    }
    std::string clean;
    for (char c : text) {
      if (c != '_') clean.push_back(c);
    }
    bool neg = !clean.empty() && clean[0] == '-';
    std::string body = clean;
    if (!body.empty() && (body[0] == '-' || body[0] == '+')) body.erase(0, 1);
    int base = 10;
    std::string digits = body;
    if (body.size() > 1 && body[0] == '0') {
      char p = static_cast<char>(body[1] | 0x20);
      if (p == 'x') {
        base = 16;
        digits = body.substr(2);
      } else if (p == 'o') {
        base = 8;
        digits = body.substr(2);
      } else if (p == 'b') {
        base = 2;
        digits = body.substr(2);
      } else if (body.find_first_of(".eE") == std::string::npos) {
        base = 8;  // Go's base-0 rule: a leading 0 means octal
        digits = body.substr(1);
      }
    }
    bool int_syntax = !digits.empty() &&
                      std::all_of(digits.begin(), digits.end(), [&](char c) {
                        return HexVal(c) >= 0 && HexVal(c) < base;
                      });
    if (int_syntax) {
      errno = 0;
      unsigned long long u = std::strtoull(digits.c_str(), nullptr, base);
      bool overflow = errno == ERANGE;
      if (!overflow) {
        if (!neg) {
          n->is_uint = true;
          if (u <= static_cast<unsigned long long>(INT64_MAX)) {
            n->is_int = true;
            n->int_val = static_cast<int64_t>(u);
          }
        } else if (u <= static_cast<unsigned long long>(INT64_MAX) + 1) {
          n->is_int = true;
          n->int_val = static_cast<int64_t>(0 - u);
          if (u == 0) n->is_uint = true;
        }
      }
    }
    if (n->is_int) {
      n->is_float = true;
      n->float_val = static_cast<double>(n->int_val);
    } else if (n->is_uint) {
      n->is_float = true;
      n->float_val =
          static_cast<double>(std::strtoull(digits.c_str(), nullptr, base));
    } else {
      char* end = nullptr;
      errno = 0;
      double f = std::strtod(clean.c_str(), &end);
      bool ok = end != nullptr && *end == '\0' && !clean.empty() &&
                base != 16 && errno != ERANGE;
      if (ok) {
        if (clean.find_first_of(".eEpP") == std::string::npos) {
          Errorf(Cat("integer overflow: ", QuoteString(text)));
        }
        n->is_float = true;
        n->float_val = f;
        if (std::fabs(f) < 9.2e18 &&
            static_cast<double>(static_cast<int64_t>(f)) == f) {
          n->is_int = true;
          n->int_val = static_cast<int64_t>(f);
        }
      }
    }
    if (!n->is_int && !n->is_uint && !n->is_float) {
      Errorf(Cat("illegal number syntax: ", QuoteString(text)));
    }
    return n;
  }

  std::string name_;
  const std::function<bool(std::string_view)>& has_function_;
  std::vector<Item> items_;
  size_t idx_ = 0;
  size_t far_ = 0;
  std::vector<std::string> vars_;
  int range_depth_ = 0;
  int action_line_ = 0;
  int depth_ = 0;
  internal::ParsedTemplate* out_ = nullptr;
};

}  // namespace

bool GoUnquote(std::string_view q, std::string& out) {
  out.clear();
  if (q.size() < 2) return false;
  if (q.front() == '`') {
    if (q.back() != '`') return false;
    std::string_view body = q.substr(1, q.size() - 2);
    if (body.find('`') != std::string_view::npos) return false;
    for (char c : body) {
      if (c != '\r') out.push_back(c);  // Go drops \r from raw strings
    }
    return true;
  }
  if (q.front() != '"' || q.back() != '"') return false;
  std::string_view body = q.substr(1, q.size() - 2);
  size_t i = 0;
  while (i < body.size()) {
    if (body[i] == '\n') return false;
    if (!UnquoteChar(body, i, '"', out, nullptr)) return false;
  }
  return true;
}

absl::StatusOr<std::shared_ptr<internal::ParsedTemplate>> ParseTemplate(
    std::string_view name, std::string_view text,
    const std::function<bool(std::string_view)>& has_function) {
  auto out = std::make_shared<internal::ParsedTemplate>();
  out->name = std::string(name);
  out->text = std::string(text);
  try {
    Parser(name, out->text, has_function).Run(*out);
  } catch (const ParseError& e) {
    return absl::InvalidArgumentError(e.message);
  }
  return out;
}

}  // namespace vigil::tmpl
