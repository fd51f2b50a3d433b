// The printer's pieces that Prettify lays out around the children it
// splits, as Prometheus's ShortString methods print them. Internal; not
// installed.
#ifndef VIGIL_PROMQL_PARSER_PRINTER_H_
#define VIGIL_PROMQL_PARSER_PRINTER_H_

#include <cstddef>
#include <string>
#include <unordered_map>
#include <utility>

#include "vigil/promql/ast.h"

namespace vigil::promql {

// Where each node's canonical text lies in Format's output: [first, second)
// byte offsets. Every node reached through Print has an entry; the vector
// selector inside a matrix selector and duration expressions do not (they
// are printed as part of their parent).
using TextSpans =
    std::unordered_map<const Expr*, std::pair<std::size_t, std::size_t>>;

// Format(expr), recording every node's span in *spans.
std::string FormatWithSpans(const Expr& expr, TextSpans* spans);

// `sum by (a, b) `, `sum without () `, `topk`: the operator and its
// grouping, with the trailing space Prometheus leaves after a grouping.
std::string FormatAggregateHead(const AggregateExpr& a);
// `+`, `== bool`, `* on (a) group_left (b)`.
std::string FormatBinaryOperator(const BinaryExpr& b);
// `[5m:1m] @ 10.000 offset 1m`.
std::string FormatSubquerySuffix(const SubqueryExpr& s);

}  // namespace vigil::promql

#endif  // VIGIL_PROMQL_PARSER_PRINTER_H_
