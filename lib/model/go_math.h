// Go's math package, bit for bit, as Prometheus's PromQL calls it on amd64:
// exp(), ln(), log2(), log10(), the trigonometric and hyperbolic functions,
// and the ^ and atan2 operators. Go does not use the C library's functions;
// its own algorithms (Cephes and FreeBSD msun, simplified; on amd64, Exp
// and Log in assembly) differ from glibc in the last bit of many results,
// and sometimes far more: Exp overflows to +Inf from x ≈ 709.44, where glibc
// is finite up to 709.78, so sinh(709.5) is +Inf in Prometheus. Each
// function here follows the method its Go counterpart documents, operation
// for operation, so that the roundings fall where Go's do.
//
// Like Go's assembly, Exp fuses its multiply-adds when the CPU has AVX and
// FMA, and not otherwise: the same CPU gives the same bits in both. Only
// amd64's behaviour is matched (Go's arm64 Exp is another algorithm).
// Thread-safe, no state but the CPU feature test. Internal: not installed.
#ifndef VIGIL_LIB_MODEL_GO_MATH_H_
#define VIGIL_LIB_MODEL_GO_MATH_H_

namespace vigil::gomath {

double Exp(double x);
double Log(double x);
double Log2(double x);
double Log10(double x);
double Log1p(double x);
double Sin(double x);
double Cos(double x);
double Tan(double x);
double Asin(double x);
double Acos(double x);
double Atan(double x);
double Atan2(double y, double x);
double Sinh(double x);
double Cosh(double x);
double Tanh(double x);
double Asinh(double x);
double Acosh(double x);
double Atanh(double x);
double Pow(double x, double y);

// Whether Exp takes the fused multiply-add path (Go's useFMA on amd64).
bool ExpUsesFma();

}  // namespace vigil::gomath

#endif  // VIGIL_LIB_MODEL_GO_MATH_H_
