// Prettify: Prometheus's prettier (promql/parser/prettier.go). Each node
// either fits — its canonical text is no longer than the line limit — and is
// printed whole at its indentation, or is split and lays out its children
// one level deeper. The canonical text of every node comes from one
// FormatWithSpans pass over the tree, so deciding whether a node fits costs
// nothing however deep it sits.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "promql/parser/printer.h"
#include "vigil/promql/ast.h"
#include "vigil/promql/parser.h"

namespace vigil::promql {
namespace {

constexpr std::string_view kIndent = "  ";

class Prettifier {
 public:
  Prettifier(const Expr& root, const PrettifyOptions& options)
      : options_(options), text_(FormatWithSpans(root, &spans_)) {}

  std::string Run(const Expr& root) {
    Pretty(root, 0);
    if (overflow_) return std::move(text_);
    return std::move(out_);
  }

 private:
  // The node's canonical text: what Prometheus's String() prints.
  std::string_view Text(const Expr& e) const {
    auto it = spans_.find(&e);
    if (it == spans_.end()) return {};
    return std::string_view(text_).substr(it->second.first,
                                          it->second.second - it->second.first);
  }

  bool Fits(const Expr& e) const {
    return Text(e).size() <= options_.max_line_length;
  }

  void Append(std::string_view s) {
    if (overflow_) return;
    if (out_.size() + s.size() > options_.max_output_bytes) {
      overflow_ = true;
      return;
    }
    out_ += s;
  }

  // A unary operator's operand starts right after the operator: Prometheus
  // trims the indentation its Pretty put in front.
  void Indent(int level) {
    if (skip_indent_) {
      skip_indent_ = false;
      return;
    }
    for (int i = 0; i < level && !overflow_; ++i) Append(kIndent);
  }

  template <typename T>
  void PrettyChild(const std::unique_ptr<T>& child, int level) {
    if (child != nullptr) Pretty(*child, level);
  }

  void Pretty(const Expr& e, int level) {
    if (overflow_) return;
    switch (e.kind) {
      case NodeKind::kAggregate:
        return PrettyAggregate(e.As<AggregateExpr>(), level);
      case NodeKind::kBinary:
        return PrettyBinary(e.As<BinaryExpr>(), level);
      case NodeKind::kCall:
        return PrettyCall(e.As<Call>(), level);
      case NodeKind::kParen:
        return PrettyParen(e.As<ParenExpr>(), level);
      case NodeKind::kSubquery:
        return PrettySubquery(e.As<SubqueryExpr>(), level);
      case NodeKind::kUnary:
        return PrettyUnary(e.As<UnaryExpr>(), level);
      case NodeKind::kDuration:
      case NodeKind::kMatrixSelector:
      case NodeKind::kNumber:
      case NodeKind::kString:
      case NodeKind::kVectorSelector:
        // Never split: a long selector stays on one line.
        Indent(level);
        Append(Text(e));
        return;
    }
  }

  // The `)` of a split aggregation, call or parenthesis, on its own line.
  void CloseParen(int level) {
    Append("\n");
    Indent(level);
    Append(")");
  }

  void Whole(const Expr& e, int level) {
    Indent(level);
    Append(Text(e));
  }

  // `sum by (job) (\n  param,\n  expr\n)`.
  void PrettyAggregate(const AggregateExpr& a, int level) {
    if (Fits(a)) return Whole(a, level);
    Indent(level);
    Append(FormatAggregateHead(a));
    Append("(\n");
    if (AggregateTakesParam(a.op) && a.param != nullptr) {
      Pretty(*a.param, level + 1);
      Append(",\n");
    }
    PrettyChild(a.expr, level + 1);
    CloseParen(level);
  }

  // The operator on its own line at this level, the operands one deeper;
  // nothing of this node's own sits at its indentation before the
  // left-hand side.
  void PrettyBinary(const BinaryExpr& b, int level) {
    if (Fits(b)) return Whole(b, level);
    PrettyChild(b.lhs, level + 1);
    Append("\n");
    Indent(level);
    Append(FormatBinaryOperator(b));
    Append("\n");
    PrettyChild(b.rhs, level + 1);
  }

  // `f(\n  arg,\n  arg\n)`. A call without arguments always fits in
  // practice; Prometheus would fail on splitting one, vigil prints it whole.
  void PrettyCall(const Call& c, int level) {
    if (Fits(c) || c.args.empty() || c.func == nullptr) return Whole(c, level);
    Indent(level);
    Append(c.func->name);
    Append("(\n");
    for (size_t i = 0; i < c.args.size(); ++i) {
      if (i > 0) Append(",\n");
      PrettyChild(c.args[i], level + 1);
    }
    CloseParen(level);
  }

  void PrettyParen(const ParenExpr& p, int level) {
    if (Fits(p)) return Whole(p, level);
    Indent(level);
    Append("(\n");
    PrettyChild(p.expr, level + 1);
    CloseParen(level);
  }

  // The inner expression at this level, the `[range:step]` suffix right
  // after it. Prometheus prints a subquery that fits without its
  // indentation (so `rate(\nx[5m:]\n)` when its call is split); the text
  // matches Prometheus's, quirk included.
  void PrettySubquery(const SubqueryExpr& s, int level) {
    if (Fits(s)) {
      skip_indent_ = false;
      Append(Text(s));
      return;
    }
    PrettyChild(s.expr, level);
    Append(FormatSubquerySuffix(s));
  }

  void PrettyUnary(const UnaryExpr& u, int level) {
    Indent(level);
    Append(BinaryOpString(u.op));
    skip_indent_ = true;
    PrettyChild(u.expr, level);
    skip_indent_ = false;
  }

  const PrettifyOptions& options_;
  TextSpans spans_;
  std::string text_;  // Format(root)
  std::string out_;
  bool skip_indent_ = false;
  bool overflow_ = false;
};

}  // namespace

std::string Prettify(const Expr& expr, const PrettifyOptions& options) {
  Prettifier prettifier(expr, options);
  return prettifier.Run(expr);
}

}  // namespace vigil::promql
