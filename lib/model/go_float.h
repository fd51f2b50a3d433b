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

// std::to_chars' shortest fixed form, with NaN, +Inf and -Inf: what vigil
// prints where Prometheus uses strconv.FormatFloat(v, 'f', -1, 64) (PromQL
// number literals, API sample values, count_values labels). The two agree
// until a value's exact digits outrun its shortest ones (from about 1e17):
// then C++ prints the exact digits (1e23 as 99999999999999991611392) where
// Go pads the shortest digits with zeros (100000000000000000000000), as
// GoFormatFloat(v, 'f', -1) does. Kept apart so those outputs stay as they
// are until that difference is fixed on purpose.
void AppendShortestFixed(double v, std::string* out);

}  // namespace vigil

#endif  // VIGIL_LIB_MODEL_GO_FLOAT_H_
