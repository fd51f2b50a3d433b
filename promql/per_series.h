// Binary operators over a range evaluated series by series instead of step
// by step, where every output series is an input series with points left
// out: a vector compared with a number (`x == 1`, no `bool`) and the set
// operators (`and`, `or`, `unless`). Step by step (RangeEvalMatrices) each
// step gathers every input sample, copies the kept ones and files them
// back into series by labels; here a series' points are filtered in place.
// The results are the same, series order and the sample limit's failures
// included (AccountSteps). Internal to the engine.
#ifndef VIGIL_PROMQL_PER_SERIES_H_
#define VIGIL_PROMQL_PER_SERIES_H_

#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "promql/evaluator.h"

namespace vigil::promql::eval {

// True when `m` holds only float points (the paths below take no
// histograms).
bool FloatsOnly(const Matrix& m);

// `vec op number` (number_left: `number op vec`) for a comparison without
// `bool`: the points of `vec` that compare true, keeping their values.
// `vec` and `number` are the operands' values. Called where
// RangeEvalMatrices would be, with the operands evaluated.
absl::StatusOr<Matrix> CompareWithNumber(Evaluator& ev, BinaryOp op, Matrix vec,
                                         const Matrix& number,
                                         bool number_left);

// `lhs op rhs` for op and, or, unless; `lsigs`/`rsigs` number each series'
// matching signature (`sigs` in all). Called as CompareWithNumber.
absl::StatusOr<Matrix> SetOpBySeries(Evaluator& ev, BinaryOp op, Matrix lhs,
                                     Matrix rhs, const std::vector<int>& lsigs,
                                     const std::vector<int>& rsigs,
                                     size_t sigs);

}  // namespace vigil::promql::eval

#endif  // VIGIL_PROMQL_PER_SERIES_H_
