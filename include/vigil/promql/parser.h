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

}  // namespace vigil::promql

#endif  // VIGIL_PROMQL_PARSER_H_
