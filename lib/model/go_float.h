// Go's strconv.FormatFloat, which Prometheus uses wherever it prints a
// float64: sample values in the exposition formats, numbers in error
// messages and annotations, fmt's %v/%g/%e/%f in templates. The output must
// match Go's byte for byte. Internal: not installed.
#ifndef VIGIL_LIB_MODEL_GO_FLOAT_H_
#define VIGIL_LIB_MODEL_GO_FLOAT_H_

#include <string>

namespace vigil {

// strconv.FormatFloat(v, fmt, prec, 64) for fmt in 'e', 'f', 'g', 'x';
// prec < 0 means the shortest digits that read back to v. Infinities print
// as "+Inf"/"-Inf" and NaN as "NaN", as both strconv and fmt do.
std::string GoFormatFloat(double v, char fmt, int prec);

// strconv.FormatFloat(v, 'g', -1, 64), the form fmt's %v gives a float64:
// the shortest digits, in %e form when the exponent is below -4 or at
// least 6 (so 1e6 is "1e+06" and 123456 is "123456").
std::string GoFormatFloat(double v);
void AppendGoFloat(double v, std::string* out);

// strconv.FormatFloat(v, 'f', -1, 64), with NaN, +Inf and -Inf: the
// shortest digits that read back to v, padded with zeros and never in
// exponent form, so 2^62 is "4611686018427387900" (not its exact value,
// 4611686018427387904) and 1e-10 is "0.0000000001". What Prometheus prints
// for PromQL number literals, scalar results, API sample values below 1e21
// and count_values labels.
void AppendShortestFixed(double v, std::string* out);

}  // namespace vigil

#endif  // VIGIL_LIB_MODEL_GO_FLOAT_H_
