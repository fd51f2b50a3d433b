// Format: the canonical PromQL text of a syntax tree, byte for byte what
// Prometheus's String() methods (promql/parser/printer.go) print, so that
// `vigil promql format` agrees with `promtool promql format` and rule
// evaluation logs the same expression text as Prometheus.
#include "promql/parser/printer.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "lib/model/duration.h"
#include "lib/model/go_float.h"
#include "lib/model/go_quote.h"
#include "lib/model/label_text.h"
#include "lib/model/strings.h"
#include "vigil/labels.h"
#include "vigil/promql/ast.h"
#include "vigil/promql/parser.h"

namespace vigil::promql {
namespace {

// model.Duration(ms).String() for ms >= 0: 90000 → "1m30s", 0 → "0s".
// Prometheus never prints a negative duration through this path (the
// callers strip the sign).
void AppendDuration(std::string& out, int64_t ms) {
  out += FormatDurationMs(ms < 0 ? 0 : ms);
}

// Seconds as a duration: Prometheus converts through nanoseconds,
// model.Duration(v * 1e9), and truncates to milliseconds.
int64_t SecondsToMs(double seconds) {
  double ns = seconds * 1e9;
  // Beyond int64 nanoseconds (~292 years) Go's conversion is undefined;
  // fall back to whole milliseconds so the text still reparses.
  constexpr double kMaxNs = 9.2e18;
  if (std::isfinite(ns) && std::fabs(ns) < kMaxNs) {
    return static_cast<int64_t>(ns) / 1000000;
  }
  double ms = std::trunc(seconds * 1000);
  constexpr double kMaxMs = 9.2e18;
  if (std::isnan(ms)) return 0;
  return static_cast<int64_t>(std::clamp(ms, -kMaxMs, kMaxMs));
}

// NumberLiteral.String(): durations as durations (`5m`, `-1h30m`), other
// numbers as strconv.FormatFloat(v, 'f', -1, 64).
void AppendNumber(std::string& out, double value, bool is_duration) {
  if (!is_duration) {
    AppendShortestFixed(value, &out);
    return;
  }
  if (value < 0) {
    out += '-';
    AppendDuration(out, SecondsToMs(-value));
    return;
  }
  AppendDuration(out, SecondsToMs(value));
}

// writeLabels: label names in by/without/on/ignoring/group_x lists, quoted
// when they are not legacy names (`by ("foo.bar")`).
void AppendLabelList(std::string& out, const std::vector<std::string>& names) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += LabelNameText(names[i]);
  }
}

std::string_view DurationOpString(DurationOp op) {
  switch (op) {
    case DurationOp::kAdd:
      return "+";
    case DurationOp::kSub:
    case DurationOp::kNeg:
      return "-";
    case DurationOp::kMul:
      return "*";
    case DurationOp::kDiv:
      return "/";
    case DurationOp::kMod:
      return "%";
    case DurationOp::kPow:
      return "^";
    case DurationOp::kMinOf:
      return "min_of";
    case DurationOp::kMaxOf:
      return "max_of";
    case DurationOp::kStep:
      return "step";
    case DurationOp::kRange:
      return "range";
    case DurationOp::kLiteral:
      break;
  }
  return "";
}

class Printer {
 public:
  explicit Printer(TextSpans* spans = nullptr) : spans_(spans) {}

  std::string Take() { return std::move(out_); }

  // The pieces Prettify lays out around children it splits (Prometheus's
  // ShortString methods).

  // `sum by (a, b) `, `sum without () `, `topk`: the operator and its
  // grouping, trailing space included. An empty `by ()` prints as no
  // grouping; an empty `without ()` stays.
  void PrintAggregateHead(const AggregateExpr& a) {
    out_ += AggregateOpString(a.op);
    if (a.without) {
      out_ += " without (";
      AppendLabelList(out_, a.grouping);
      out_ += ") ";
    } else if (!a.grouping.empty()) {
      out_ += " by (";
      AppendLabelList(out_, a.grouping);
      out_ += ") ";
    }
  }

  // `+`, `== bool`, `* on (a) group_left (b)`.
  void PrintBinaryOperator(const BinaryExpr& b) {
    out_ += BinaryOpString(b.op);
    if (b.return_bool) out_ += " bool";
    if (b.matching.has_value()) PrintMatching(*b.matching);
  }

  // `[5m:1m] @ 10.000 offset 1m`; `[5m:]` when no step was given.
  void PrintSubquerySuffix(const SubqueryExpr& s) {
    out_ += '[';
    if (s.range_expr != nullptr) {
      PrintDuration(*s.range_expr);
    } else {
      AppendDuration(out_, s.range_ms);
    }
    out_ += ':';
    if (s.step_expr != nullptr) {
      PrintDuration(*s.step_expr);
    } else if (s.step_ms != 0) {
      AppendDuration(out_, s.step_ms);
    }
    out_ += ']';
    PrintAt(s.at_ms, s.at_modifier);
    PrintOffset(s.offset_ms, s.offset_expr);
  }

  void Print(const Expr& e) {
    const std::size_t start = out_.size();
    PrintNode(e);
    if (spans_ != nullptr) (*spans_)[&e] = {start, out_.size()};
  }

 private:
  void PrintNode(const Expr& e) {
    switch (e.kind) {
      case NodeKind::kAggregate:
        return PrintAggregate(e.As<AggregateExpr>());
      case NodeKind::kBinary:
        return PrintBinary(e.As<BinaryExpr>());
      case NodeKind::kCall:
        return PrintCall(e.As<Call>());
      case NodeKind::kDuration:
        return PrintDuration(e.As<DurationExpr>());
      case NodeKind::kMatrixSelector:
        return PrintMatrix(e.As<MatrixSelector>());
      case NodeKind::kNumber: {
        const auto& n = e.As<NumberLiteral>();
        return AppendNumber(out_, n.value, n.is_duration);
      }
      case NodeKind::kParen:
        out_ += '(';
        PrintChild(e.As<ParenExpr>().expr);
        out_ += ')';
        return;
      case NodeKind::kString:
        out_ += QuoteString(e.As<StringLiteral>().value);
        return;
      case NodeKind::kSubquery:
        return PrintSubquery(e.As<SubqueryExpr>());
      case NodeKind::kUnary: {
        const auto& u = e.As<UnaryExpr>();
        out_ += BinaryOpString(u.op);
        PrintChild(u.expr);
        return;
      }
      case NodeKind::kVectorSelector:
        return PrintVectorSelector(e.As<VectorSelector>(), /*modifiers=*/true);
    }
  }

  // A tree is built by the parser with every child set; a hand-built one
  // with a hole prints nothing there rather than crashing.
  template <typename T>
  void PrintChild(const std::unique_ptr<T>& child) {
    if (child != nullptr) Print(*child);
  }

  // `sum by (a, b) (x)`, `sum without () (x)`, `topk(5, x)`.
  void PrintAggregate(const AggregateExpr& a) {
    PrintAggregateHead(a);
    out_ += '(';
    if (AggregateTakesParam(a.op)) {
      PrintChild(a.param);
      out_ += ", ";
    }
    PrintChild(a.expr);
    out_ += ')';
  }

  void PrintBinary(const BinaryExpr& b) {
    PrintChild(b.lhs);
    out_ += ' ';
    PrintBinaryOperator(b);
    out_ += ' ';
    PrintChild(b.rhs);
  }

  // getMatchingStr: `on (a)`/`ignoring (a)` whenever there are labels, the
  // matching is `on`, or a group_x modifier needs something to follow (so
  // `ignoring () group_left` keeps its empty list, but a bare `ignoring ()`
  // is dropped: it means the same as no modifier).
  void PrintMatching(const VectorMatching& vm) {
    bool grouped = vm.card == MatchCardinality::kManyToOne ||
                   vm.card == MatchCardinality::kOneToMany;
    if (!vm.matching_labels.empty() || vm.on || grouped) {
      out_ += vm.on ? " on (" : " ignoring (";
      AppendLabelList(out_, vm.matching_labels);
      out_ += ')';
    }
    if (grouped) {
      out_ += vm.card == MatchCardinality::kManyToOne ? " group_left ("
                                                      : " group_right (";
      AppendLabelList(out_, vm.include);
      out_ += ')';
    }
    // Prometheus prints `fill (v)` when both sides share one fill value
    // (the parser points both at the same number for `fill(v)`); equal
    // values written as fill_left(v) fill_right(v) mean the same thing.
    const auto& l = vm.fill_left;
    const auto& r = vm.fill_right;
    if (l.has_value() && r.has_value() &&
        (*l == *r || (std::isnan(*l) && std::isnan(*r)))) {
      out_ += " fill (";
      // Prometheus prints fill values with %v: fmt.Sprint(1e6) is "1e+06".
      AppendGoFloat(*l, &out_);
      out_ += ')';
      return;
    }
    if (l.has_value()) {
      out_ += " fill_left (";
      AppendGoFloat(*l, &out_);
      out_ += ')';
    }
    if (r.has_value()) {
      out_ += " fill_right (";
      AppendGoFloat(*r, &out_);
      out_ += ')';
    }
  }

  void PrintCall(const Call& c) {
    if (c.func != nullptr) out_ += c.func->name;
    out_ += '(';
    for (size_t i = 0; i < c.args.size(); ++i) {
      if (i > 0) out_ += ", ";
      PrintChild(c.args[i]);
    }
    out_ += ')';
  }

  // Duration arithmetic keeps the parentheses it was written with and adds
  // none; `+` in front of a duration was dropped by the parser.
  void PrintDuration(const DurationExpr& d) {
    if (d.wrapped) out_ += '(';
    switch (d.op) {
      case DurationOp::kLiteral:
        AppendNumber(out_, d.number_seconds, d.literal_is_duration);
        break;
      case DurationOp::kStep:
      case DurationOp::kRange:
        out_ += DurationOpString(d.op);
        out_ += "()";
        break;
      case DurationOp::kMinOf:
      case DurationOp::kMaxOf:
        out_ += DurationOpString(d.op);
        out_ += '(';
        PrintChild(d.lhs);
        out_ += ", ";
        PrintChild(d.rhs);
        out_ += ')';
        break;
      case DurationOp::kNeg:
        out_ += '-';
        PrintChild(d.lhs);
        break;
      case DurationOp::kAdd:
      case DurationOp::kSub:
      case DurationOp::kMul:
      case DurationOp::kDiv:
      case DurationOp::kMod:
      case DurationOp::kPow:
        PrintChild(d.lhs);
        out_ += ' ';
        out_ += DurationOpString(d.op);
        out_ += ' ';
        PrintChild(d.rhs);
        break;
    }
    if (d.wrapped) out_ += ')';
  }

  void PrintOffset(int64_t offset_ms, const std::unique_ptr<DurationExpr>& e) {
    if (e != nullptr) {
      out_ += " offset ";
      PrintDuration(*e);
    } else if (offset_ms > 0) {
      out_ += " offset ";
      AppendDuration(out_, offset_ms);
    } else if (offset_ms < 0) {
      out_ += " offset -";
      AppendDuration(out_, offset_ms == std::numeric_limits<int64_t>::min()
                               ? std::numeric_limits<int64_t>::max()
                               : -offset_ms);
    }
  }

  // `@ 100.000` (seconds with three decimals, Go's %.3f), `@ start()`.
  void PrintAt(const std::optional<int64_t>& at_ms, AtModifier modifier) {
    if (at_ms.has_value()) {
      char buf[64];
      std::snprintf(buf, sizeof(buf), " @ %.3f",
                    static_cast<double>(*at_ms) / 1000.0);
      out_ += buf;
    } else if (modifier == AtModifier::kStart) {
      out_ += " @ start()";
    } else if (modifier == AtModifier::kEnd) {
      out_ += " @ end()";
    }
  }

  void PrintExtended(const VectorSelector& v) {
    if (v.anchored) {
      out_ += " anchored";
    } else if (v.smoothed) {
      out_ += " smoothed";
    }
  }

  // `name{matchers}`: the matchers sorted as text, the __name__ matcher that
  // repeats the name left out. A name that cannot stand bare (UTF-8, as the
  // parser only produces from `{"my.metric"}`, keeping it as a matcher)
  // prints as a matcher.
  void PrintVectorSelector(const VectorSelector& v, bool modifiers) {
    bool bare_name = IsLegacyMetricName(v.name);
    std::vector<std::string> parts;
    parts.reserve(v.matchers.size() + 1);
    bool name_in_matchers = false;
    for (const Matcher& m : v.matchers) {
      if (m.name() == kMetricName && m.type() == MatchType::kEqual &&
          m.value() == v.name && !m.value().empty()) {
        name_in_matchers = true;
        if (bare_name) continue;
      }
      parts.push_back(m.ToString());
    }
    if (!bare_name && !v.name.empty() && !name_in_matchers) {
      parts.push_back(std::string(kMetricName) + "=" + QuoteString(v.name));
    }
    if (bare_name) out_ += v.name;
    if (!parts.empty()) {
      std::sort(parts.begin(), parts.end());
      out_ += '{';
      for (size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) out_ += ',';
        out_ += parts[i];
      }
      out_ += '}';
    }
    if (!modifiers) return;
    PrintAt(v.at_ms, v.at_modifier);
    PrintExtended(v);
    PrintOffset(v.offset_ms, v.offset_expr);
  }

  // `sel[5m] anchored @ 10.000 offset 1m`: the selector's modifiers move
  // behind the range.
  void PrintMatrix(const MatrixSelector& m) {
    if (m.selector == nullptr) return;
    const VectorSelector& v = *m.selector;
    PrintVectorSelector(v, /*modifiers=*/false);
    out_ += '[';
    if (m.range_expr != nullptr) {
      PrintDuration(*m.range_expr);
    } else {
      AppendDuration(out_, m.range_ms);
    }
    out_ += ']';
    PrintExtended(v);
    PrintAt(v.at_ms, v.at_modifier);
    PrintOffset(v.offset_ms, v.offset_expr);
  }

  void PrintSubquery(const SubqueryExpr& s) {
    PrintChild(s.expr);
    PrintSubquerySuffix(s);
  }

  TextSpans* spans_;
  std::string out_;
};

}  // namespace

std::string Format(const Expr& expr) {
  Printer printer;
  printer.Print(expr);
  return printer.Take();
}

std::string FormatWithSpans(const Expr& expr, TextSpans* spans) {
  Printer printer(spans);
  printer.Print(expr);
  return printer.Take();
}

std::string FormatAggregateHead(const AggregateExpr& a) {
  Printer printer;
  printer.PrintAggregateHead(a);
  return printer.Take();
}

std::string FormatBinaryOperator(const BinaryExpr& b) {
  Printer printer;
  printer.PrintBinaryOperator(b);
  return printer.Take();
}

std::string FormatSubquerySuffix(const SubqueryExpr& s) {
  Printer printer;
  printer.PrintSubquerySuffix(s);
  return printer.Take();
}

}  // namespace vigil::promql
