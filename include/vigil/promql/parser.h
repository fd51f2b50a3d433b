// Parsing PromQL text into the syntax tree of vigil/promql/ast.h.
//
// ParseExpr accepts exactly what Prometheus 3.x accepts and rejects what it
// rejects, type checking included. On failure the status is
// InvalidArgument with Prometheus's message prefixed by the position:
// "1:14: parse error: unexpected \"}\"" (line:column, 1-based, columns in
// bytes). No input crashes the parser or makes it recurse without bound.
//
// Thread safety: the functions here are pure and safe to call concurrently.
#ifndef VIGIL_PROMQL_PARSER_H_
#define VIGIL_PROMQL_PARSER_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "vigil/matcher.h"
#include "vigil/promql/ast.h"

namespace vigil::promql {

struct ParseOptions {
  // Experimental syntax, off by default as in Prometheus.
  bool enable_experimental_functions = false;  // info, limitk, sort_by_label…
  bool enable_duration_expressions = false;    // [5m * 2], offset (1h + 5m)
  bool enable_extended_range_selectors = false;  // anchored, smoothed
  bool enable_fill_modifiers = false;            // fill(), fill_left/right()
  // Nesting deeper than this is an error rather than a stack overflow.
  int max_depth = 1000;

  // Everything on: what Prometheus's test harness runs with.
  static ParseOptions AllExperimental() {
    return {true, true, true, true, 1000};
  }
};

absl::StatusOr<ExprPtr> ParseExpr(std::string_view input,
                                  const ParseOptions& options = {});

// A lone series selector such as `up{job="api"}` (the API's match[]).
absl::StatusOr<Matchers> ParseMetricSelector(std::string_view input);

// The canonical PromQL text of a tree, as Prometheus's String() prints it;
// ParseExpr(Format(e)) yields a tree equal to e.
std::string Format(const Expr& expr);

struct PrettifyOptions {
  // A node whose canonical text is longer than this many bytes is split
  // (Prometheus's maxCharactersPerLine; indentation is not counted).
  size_t max_line_length = 100;
  // The split form of a deep tree grows as its depth times its size; past
  // this many bytes Prettify gives up and returns Format(expr) instead.
  size_t max_output_bytes = 8 << 20;
};

// The text of Prometheus's Prettify (promql/parser/prettier.go), as
// /api/v1/format_query and `promtool promql format` print it: Format(expr)
// when that fits in max_line_length, otherwise every node that does not fit
// is split over lines with two spaces of indentation per level. A split
// aggregation or call puts each argument on its own line; a split binary
// expression puts its operator on a line between its operands, one level
// less indented than they are:
//
//       sum by (job) (
//         rate(http_requests_total{code=~"5..",job="api-server"}[5m])
//       )
//     /
//       sum by (job) (
//         rate(http_requests_total{job="api-server"}[5m])
//       )
//
// ParseExpr(Prettify(e)) yields a tree equal to e.
std::string Prettify(const Expr& expr, const PrettifyOptions& options = {});

}  // namespace vigil::promql

#endif  // VIGIL_PROMQL_PARSER_H_
