// Compiled with -ffp-contract=off (see CMakeLists.txt): every + and * below
// rounds on its own, as Go's compiler emits them on amd64, unless std::fma
// says otherwise.
#include "lib/model/go_math.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace vigil::gomath {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Go's untyped constants are exact; a float64 expression sees each rounded
// once, so Pi/2 and 4/Pi here are the nearest doubles to the real numbers,
// not the quotients of rounded ones.
constexpr double kPi = 3.14159265358979323846264338327950288;
constexpr double kHalfPi = 1.57079632679489661923132169163975144;
constexpr double kQuarterPi = 0.785398163397448309615660845819875721;
constexpr double kThreeQuarterPi = 2.35619449019234492884698253745962716;
constexpr double kFourOverPi = 1.27323954473516268615107010698011489;
constexpr double kOneOverLn2 = 1.44269504088896340735992468100189214;
constexpr double kOneOverLn10 = 0.434294481903251827651128918916605082;
// ln 2 as a float64, and split so that k * kLn2Hi is exact for |k| < 2000.
constexpr double kLn2 = 6.93147180559945286227e-01;
constexpr double kLn2Hi = 6.93147180369123816490e-01;
constexpr double kLn2Lo = 1.90821492927058770002e-10;

double FromBits(uint64_t b) { return std::bit_cast<double>(b); }
uint64_t Bits(double d) { return std::bit_cast<uint64_t>(d); }

// int64(f) on amd64: math.MinInt64 for NaN and out-of-range values.
int64_t ToInt64(double f) {
  if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0)) {
    return std::numeric_limits<int64_t>::min();
  }
  return static_cast<int64_t>(f);
}

// Go's useFMA: cpu.X86.HasAVX && cpu.X86.HasFMA, the OS saving AVX state.
bool DetectFma() {
#if defined(__x86_64__)
  __builtin_cpu_init();  // may run before libgcc's constructor does
  return __builtin_cpu_supports("avx") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

bool UseFma() {
  static const bool use = DetectFma();
  return use;
}

// ---- Exp: Go's amd64 assembly ----------------------------------------------
// Shibata's method (ISC 2010, as SLEEF): x = k ln2 + r with k the nearest
// integer to x/ln2 (CVTSD2SL rounds to nearest, hence the overflow from
// 1023.5 ln2 ≈ 709.44 on), e^r from a degree-8 Taylor series of e^(r/16)-1
// squared back four times as y(y+2), then scaled by 2^k.

double ExpAmd64(double x, bool fma) {
  constexpr double kLog2E = 1.4426950408889634073599246810018920;
  constexpr double kLn2Upper = 0.69314718055966295651160180568695068359375;
  constexpr double kLn2Lower =
      0.28235290563031577122588448175013436025525412068e-12;
  constexpr double kOverflow = 7.09782712893384e+02;
  // 1/n! for n = 8 down to 2, then 1.
  constexpr double kTaylor[] = {
      2.4801587301587301587e-5,
      1.9841269841269841270e-4,
      1.3888888888888888889e-3,
      8.3333333333333333333e-3,
      4.1666666666666666667e-2,
      1.6666666666666666667e-1,
      0.5,
      1.0,
  };
  if (std::isnan(x) || x == kInf) return x;
  if (x == -kInf) return 0;
  if (x > kOverflow) return kInf;
  const double t = kLog2E * x;
  // CVTSD2SL: nearest even; anything outside int32 is 0x80000000.
  const int32_t k = t >= -2147483648.5 && t < 2147483647.5
                        ? static_cast<int32_t>(std::nearbyint(t))
                        : std::numeric_limits<int32_t>::min();
  const double kd = k;
  double r;
  if (fma) {
    r = std::fma(-kd, kLn2Upper, x);
    r = std::fma(-kd, kLn2Lower, r);
  } else {
    r = x - kd * kLn2Upper;
    r = r - kd * kLn2Lower;
  }
  r *= 0.0625;
  double p = kTaylor[0];
  for (int i = 1; i < 8; ++i) {
    if (fma) {
      p = std::fma(p, r, kTaylor[i]);
    } else {
      p = p * r;
      p = p + kTaylor[i];
    }
  }
  double y = r * p;  // e^(r/16) - 1
  for (int i = 0; i < 3; ++i) y = y * (y + 2);
  y = fma ? std::fma(y, y + 2, 1.0) : y * (y + 2) + 1.0;
  // Scale by 2^k; below the normal range by 2^(k-1+1022) and then 2^-1022,
  // the second product rounding once into the subnormals.
  const int32_t biased = k + 0x3FF;
  if (biased <= 0) {
    if (biased < -52) return 0;
    y *= FromBits(static_cast<uint64_t>(biased + 0x3FE) << 52);
    return y * FromBits(uint64_t{1} << 52);
  }
  if (biased >= 0x7FF) return kInf;
  return y * FromBits(static_cast<uint64_t>(biased) << 52);
}

// ---- Log: Go's amd64 assembly -----------------------------------------------
// FreeBSD's e_log.c method: x = 2^k (1+f) with 1+f in [√2/2, √2], then
// log(1+f) = f - s(f - R) with s = f/(2+f) and R a polynomial in s². The
// assembly reads f straight from the bits, so a subnormal x is taken as if
// its exponent were -1022 (Log(5e-324) ≈ -708.4, not -744.4), and it halves
// f at exactly √2/2 too.

double LogAmd64(double x) {
  constexpr double kHalfSqrt2 = 7.07106781186547524401e-01;
  constexpr double kL1 = 6.666666666666735130e-01;
  constexpr double kL2 = 3.999999999940941908e-01;
  constexpr double kL3 = 2.857142874366239149e-01;
  constexpr double kL4 = 2.222219843214978396e-01;
  constexpr double kL5 = 1.818357216161805012e-01;
  constexpr double kL6 = 1.531383769920937332e-01;
  constexpr double kL7 = 1.479819860511658591e-01;
  const uint64_t bits = Bits(x);
  if ((bits & ~(uint64_t{1} << 63)) == 0) return -kInf;
  if (static_cast<int64_t>(bits) < 0) return kNaN;  // negative, -Inf, -NaN
  if (bits >= Bits(kInf)) return x;                 // +Inf, NaN
  double f1 = FromBits((bits & 0x000FFFFFFFFFFFFF) | Bits(0.5));
  double k =
      static_cast<double>(static_cast<int32_t>((bits >> 52) & 0x7FF) - 0x3FE);
  if (!(kHalfSqrt2 < f1)) {
    k -= 1;
    f1 *= 2;
  }
  const double f = f1 - 1;
  const double s = f / (2 + f);
  const double s2 = s * s;
  const double s4 = s2 * s2;
  const double t1 = s2 * (((kL7 * s4 + kL5) * s4 + kL3) * s4 + kL1);
  const double t2 = s4 * ((kL6 * s4 + kL4) * s4 + kL2);
  const double big_r = t1 + t2;
  const double hfsq = 0.5 * f * f;
  return k * kLn2Hi - ((hfsq - (s * (hfsq + big_r) + k * kLn2Lo)) - f);
}

// ---- Sin, Cos, Tan: Cephes sin.c / tan.c ------------------------------------
// The argument is reduced to z in [-π/4, π/4] and an octant j: below 2^29
// by subtracting j·π/4 in three parts (Cody-Waite), above it by Payne-Hanek
// with the bits of 4/π.

// 4/π = Σ kFourOverPiBits[i] · 2^(-64 i), 1217 bits: enough for the largest
// double's exponent. (The binary digits of 4/π, computed with integers.)
constexpr uint64_t kFourOverPiBits[] = {
    0x0000000000000001, 0x45f306dc9c882a53, 0xf84eafa3ea69bb81,
    0xb6c52b3278872083, 0xfca2c757bd778ac3, 0x6e48dc74849ba5c0,
    0x0c925dd413a32439, 0xfc3bd63962534e7d, 0xd1046bea5d768909,
    0xd338e04d68befc82, 0x7323ac7306a673e9, 0x3908bf177bf25076,
    0x3ff12fffbc0b301f, 0xde5e2316b414da3e, 0xda6cfd9e4f96136e,
    0x9e8c7ecd3cbfd45a, 0xea4f758fd7cbe2f6, 0x7a0e73ef14a525d4,
    0xd7f6bf623f1aba10, 0xac06608df8f6d757,
};

constexpr double kReduceThreshold = 1 << 29;

// Go's shifts: a count of 64 or more gives 0.
uint64_t Shl(uint64_t v, unsigned n) { return n >= 64 ? 0 : v << n; }
uint64_t Shr(uint64_t v, unsigned n) { return n >= 64 ? 0 : v >> n; }

struct Reduced {
  uint64_t octant;
  double z;
};

// Payne-Hanek ("Argument reduction for huge arguments: good to the last
// bit", Ng 1992) for x ≥ 2^29, as Go does it with 64-bit words: the
// product x · 4/π keeps three words of 4/π around x's exponent, the top
// three bits of the result are the octant, the rest the fraction.
Reduced PayneHanek(double x) {
  if (x < kQuarterPi) return {0, x};
  uint64_t ix = Bits(x);
  const int exp = static_cast<int>((ix >> 52) & 0x7FF) - 1023 - 52;
  ix &= ~(uint64_t{0x7FF} << 52);
  ix |= uint64_t{1} << 52;
  const unsigned digit = static_cast<unsigned>(exp + 61) / 64;
  const unsigned shift = static_cast<unsigned>(exp + 61) % 64;
  auto word = [&](unsigned i) {
    return Shl(kFourOverPiBits[digit + i], shift) |
           Shr(kFourOverPiBits[digit + i + 1], 64 - shift);
  };
  const uint64_t z0 = word(0);
  const uint64_t z1 = word(1);
  const uint64_t z2 = word(2);
  using u128 = unsigned __int128;
  const uint64_t z2hi = static_cast<uint64_t>((u128{z2} * ix) >> 64);
  const u128 p1 = u128{z1} * ix;
  const uint64_t z1hi = static_cast<uint64_t>(p1 >> 64);
  const uint64_t z1lo = static_cast<uint64_t>(p1);
  const uint64_t z0lo = z0 * ix;
  const uint64_t lo = z1lo + z2hi;
  const uint64_t carry = lo < z1lo ? 1 : 0;
  uint64_t hi = z0lo + z1hi + carry;
  uint64_t octant = hi >> 61;
  hi = hi << 3 | lo >> 61;
  const unsigned lz = static_cast<unsigned>(std::countl_zero(hi));
  const uint64_t e = static_cast<uint64_t>(1023 - (static_cast<int>(lz) + 1));
  // Go shifts in the unshifted low word here; so do we.
  hi = Shl(hi, lz + 1) | Shr(lo, 64 - (lz + 1));
  hi >>= 64 - 52;
  hi |= e << 52;
  double z = FromBits(hi);
  if (octant & 1) {
    octant = (octant + 1) & 7;
    z -= 1;
  }
  return {octant, z * kQuarterPi};
}

// |x| < 2^29: j = ⌊x·4/π⌋ rounded up to even, z = x - j·π/4 in three parts.
Reduced CodyWaite(double x) {
  constexpr double kPi4A = 7.85398125648498535156e-1;
  constexpr double kPi4B = 3.77489470793079817668e-8;
  constexpr double kPi4C = 2.69515142907905952645e-15;
  uint64_t j = static_cast<uint64_t>(x * kFourOverPi);
  double y = static_cast<double>(j);
  if (j & 1) {
    ++j;
    y += 1;
  }
  return {j, ((x - y * kPi4A) - y * kPi4B) - y * kPi4C};
}

Reduced ReduceQuarterPi(double x) {
  return x >= kReduceThreshold ? PayneHanek(x) : CodyWaite(x);
}

// z + z³ P(z²) on [-π/4, π/4].
double SinPoly(double z) {
  constexpr double kS[] = {
      1.58962301576546568060e-10, -2.50507477628578072866e-8,
      2.75573136213857245213e-6,  -1.98412698295895385996e-4,
      8.33333333332211858878e-3,  -1.66666666666666307295e-1,
  };
  const double zz = z * z;
  double p = kS[0] * zz;
  for (int i = 1; i < 5; ++i) p = (p + kS[i]) * zz;
  p = p + kS[5];
  return z + z * zz * p;
}

// 1 - z²/2 + z⁴ Q(z²) on [-π/4, π/4].
double CosPoly(double z) {
  constexpr double kC[] = {
      -1.13585365213876817300e-11, 2.08757008419747316778e-9,
      -2.75573141792967388112e-7,  2.48015872888517045348e-5,
      -1.38888888888730564116e-3,  4.16666666666665929218e-2,
  };
  const double zz = z * z;
  double p = kC[0] * zz;
  for (int i = 1; i < 5; ++i) p = (p + kC[i]) * zz;
  p = p + kC[5];
  return 1.0 - 0.5 * zz + zz * zz * p;
}

// ---- Arctangent: Cephes atan.c ----------------------------------------------
// A rational approximation on [0, 0.66]; larger arguments are reflected
// through π/4 or π/2, adding back the bits of π/2 a double cannot hold.

double AtanKernel(double x) {
  constexpr double kP[] = {
      -8.750608600031904122785e-01, -1.615753718733365076637e+01,
      -7.500855792314704667340e+01, -1.228866684490136173410e+02,
      -6.485021904942025371773e+01,
  };
  constexpr double kQ[] = {
      +2.485846490142306297962e+01, +1.650270098316988542046e+02,
      +4.328810604912902668951e+02, +4.853903996359136964868e+02,
      +1.945506571482613964425e+02,
  };
  double z = x * x;
  double num = kP[0];
  for (int i = 1; i < 5; ++i) num = num * z + kP[i];
  double den = z + kQ[0];
  for (int i = 1; i < 5; ++i) den = den * z + kQ[i];
  z = z * num / den;
  return x * z + x;
}

// atan of a positive argument.
double AtanPositive(double x) {
  constexpr double kMorebits = 6.123233995736765886130e-17;  // π/2 - kHalfPi
  constexpr double kTan3Pi8 = 2.41421356237309504880;
  if (x <= 0.66) return AtanKernel(x);
  if (x > kTan3Pi8) return kHalfPi - AtanKernel(1 / x) + kMorebits;
  return kQuarterPi + AtanKernel((x - 1) / (x + 1)) + 0.5 * kMorebits;
}

}  // namespace

bool ExpUsesFma() { return UseFma(); }

double Exp(double x) { return ExpAmd64(x, UseFma()); }

double Log(double x) { return LogAmd64(x); }

// Log(frac)/ln2 + exp, exact for powers of two.
double Log2(double x) {
  int exp;
  const double frac = std::frexp(x, &exp);
  if (frac == 0.5) return exp - 1;
  return Log(frac) * kOneOverLn2 + exp;
}

double Log10(double x) { return Log(x) * kOneOverLn10; }

// FreeBSD's s_log1p.c: 1+x = 2^k (1+f) with a correction term c for the
// rounding of 1+x, then the same kernel as Log.
double Log1p(double x) {
  constexpr double kSqrt2M1 = 4.142135623730950488017e-01;
  constexpr double kHalfSqrt2M1 = -2.928932188134524755992e-01;
  constexpr double kSmall = 1.0 / (1 << 29);
  constexpr double kTiny = 1.0 / (uint64_t{1} << 54);
  constexpr double kTwo53 = static_cast<double>(uint64_t{1} << 53);
  constexpr double kLp[] = {
      6.666666666666735130e-01, 3.999999999940941908e-01,
      2.857142874366239149e-01, 2.222219843214978396e-01,
      1.818357216161805012e-01, 1.531383769920937332e-01,
      1.479819860511658591e-01,
  };
  if (x < -1 || std::isnan(x)) return kNaN;
  if (x == -1) return -kInf;
  if (x == kInf) return kInf;
  const double absx = std::fabs(x);
  double f = 0;
  uint64_t iu = 0;
  int k = 1;
  if (absx < kSqrt2M1) {
    if (absx < kSmall) {
      if (absx < kTiny) return x;
      return x - x * x * 0.5;
    }
    if (x > kHalfSqrt2M1) {
      k = 0;
      f = x;
      iu = 1;
    }
  }
  double c = 0;
  if (k != 0) {
    double u;
    if (absx < kTwo53) {
      u = 1.0 + x;
      iu = Bits(u);
      k = static_cast<int>(static_cast<int64_t>(iu >> 52) - 1023);
      c = k > 0 ? 1.0 - (u - x) : x - (u - 1.0);
      c /= u;
    } else {
      u = x;
      iu = Bits(u);
      k = static_cast<int>(static_cast<int64_t>(iu >> 52) - 1023);
      c = 0;
    }
    iu &= 0x000fffffffffffff;
    if (iu < 0x0006a09e667f3bcd) {  // the mantissa of √2
      u = FromBits(iu | 0x3ff0000000000000);
    } else {
      ++k;
      u = FromBits(iu | 0x3fe0000000000000);
      iu = (0x0010000000000000 - iu) >> 2;
    }
    f = u - 1.0;
  }
  const double hfsq = 0.5 * f * f;
  const double kd = k;
  if (iu == 0) {  // |f| < 2^-20
    if (f == 0) {
      if (k == 0) return 0;
      c += kd * kLn2Lo;
      return kd * kLn2Hi + c;
    }
    const double r = hfsq * (1.0 - 0.66666666666666666 * f);
    if (k == 0) return f - r;
    return kd * kLn2Hi - ((r - (kd * kLn2Lo + c)) - f);
  }
  const double s = f / (2.0 + f);
  const double z = s * s;
  double r = kLp[6];
  for (int i = 5; i >= 0; --i) r = kLp[i] + z * r;
  r = z * r;
  if (k == 0) return f - (hfsq - s * (hfsq + r));
  return kd * kLn2Hi - ((hfsq - (s * (hfsq + r) + (kd * kLn2Lo + c))) - f);
}

double Sin(double x) {
  if (x == 0 || std::isnan(x)) return x;
  if (std::isinf(x)) return kNaN;
  bool negative = x < 0;
  Reduced r = ReduceQuarterPi(std::fabs(x));
  uint64_t j = r.octant & 7;
  if (j > 3) {
    negative = !negative;
    j -= 4;
  }
  const double y = j == 1 || j == 2 ? CosPoly(r.z) : SinPoly(r.z);
  return negative ? -y : y;
}

double Cos(double x) {
  if (std::isnan(x) || std::isinf(x)) return kNaN;
  bool negative = false;
  Reduced r = ReduceQuarterPi(std::fabs(x));
  uint64_t j = r.octant & 7;
  if (j > 3) {
    j -= 4;
    negative = !negative;
  }
  if (j > 1) negative = !negative;
  const double y = j == 1 || j == 2 ? SinPoly(r.z) : CosPoly(r.z);
  return negative ? -y : y;
}

// z + z³ P(z²)/Q(z²), and -1/tan past π/4.
double Tan(double x) {
  constexpr double kP[] = {
      -1.30936939181383777646e4,
      1.15351664838587416140e6,
      -1.79565251976484877988e7,
  };
  constexpr double kQ[] = {
      1.36812963470692954678e4,
      -1.32089234440210967447e6,
      2.50083801823357915839e7,
      -5.38695755929454629881e7,
  };
  if (x == 0 || std::isnan(x)) return x;
  if (std::isinf(x)) return kNaN;
  const bool negative = x < 0;
  Reduced r = ReduceQuarterPi(std::fabs(x));
  const double z = r.z;
  const double zz = z * z;
  double y = z;
  if (zz > 1e-14) {
    const double num = (kP[0] * zz + kP[1]) * zz + kP[2];
    double den = zz + kQ[0];
    for (int i = 1; i < 4; ++i) den = den * zz + kQ[i];
    y = z + z * (zz * num / den);
  }
  if (r.octant & 2) y = -1 / y;
  return negative ? -y : y;
}

// Through atan: asin x = atan(x/√(1-x²)), reflected above 0.7.
double Asin(double x) {
  if (x == 0) return x;
  const bool negative = x < 0;
  if (negative) x = -x;  // not fabs: -0 stays -0, as in Go
  if (x > 1) return kNaN;
  double t = std::sqrt(1 - x * x);
  t = x > 0.7 ? kHalfPi - AtanPositive(t / x) : AtanPositive(x / t);
  return negative ? -t : t;
}

double Acos(double x) { return kHalfPi - Asin(x); }

double Atan(double x) {
  if (x == 0) return x;
  return x > 0 ? AtanPositive(x) : -AtanPositive(-x);
}

double Atan2(double y, double x) {
  if (std::isnan(y) || std::isnan(x)) return kNaN;
  if (y == 0) {
    return x >= 0 && !std::signbit(x) ? std::copysign(0.0, y)
                                      : std::copysign(kPi, y);
  }
  if (x == 0) return std::copysign(kHalfPi, y);
  if (std::isinf(x)) {
    if (x > 0)
      return std::isinf(y) ? std::copysign(kQuarterPi, y)
                           : std::copysign(0.0, y);
    return std::isinf(y) ? std::copysign(kThreeQuarterPi, y)
                         : std::copysign(kPi, y);
  }
  if (std::isinf(y)) return std::copysign(kHalfPi, y);
  const double q = Atan(y / x);
  if (x < 0) return q <= 0 ? q + kPi : q - kPi;
  return q;
}

// Hart & Cheney's rational approximation #2029 up to 0.5, then
// (e^x - 1/e^x)/2, and e^x/2 past 21 (which overflows with Exp).
double Sinh(double x) {
  constexpr double kP[] = {
      -0.2630563213397497062819489e+2,
      -0.2894211355989563807284660366e+4,
      -0.8991272022039509355398013511e+5,
      -0.6307673640497716991184787251e+6,
  };
  constexpr double kQ[] = {
      -0.173678953558233699533450911e+3,
      0.1521517378790019070696485176e+5,
      -0.6307673640497716991212077277e+6,
  };
  const bool negative = x < 0;
  if (negative) x = -x;  // not fabs: -0 stays -0, as in Go
  double t;
  if (x > 21) {
    t = Exp(x) * 0.5;
  } else if (x > 0.5) {
    const double ex = Exp(x);
    t = (ex - 1 / ex) * 0.5;
  } else {
    const double sq = x * x;
    t = ((kP[0] * sq + kP[1]) * sq + kP[2]) * sq + kP[3];
    t = t * x;
    t = t / (((sq + kQ[0]) * sq + kQ[1]) * sq + kQ[2]);
  }
  return negative ? -t : t;
}

double Cosh(double x) {
  x = std::fabs(x);
  if (x > 21) return Exp(x) * 0.5;
  const double ex = Exp(x);
  return (ex + 1 / ex) * 0.5;
}

// Cephes tanh.c: x + x³P/Q below 0.625, else 1 - 2/(e^2x + 1).
double Tanh(double x) {
  constexpr double kMaxLog = 8.8029691931113054295988e+01;  // ln 2^127
  constexpr double kP[] = {
      -9.64399179425052238628E-1,
      -9.92877231001918586564E1,
      -1.61468768441708447952E3,
  };
  constexpr double kQ[] = {
      1.12811678491632931402E2,
      2.23548839060100448583E3,
      4.84406305325125486048E3,
  };
  double z = std::fabs(x);
  if (z > 0.5 * kMaxLog) return x < 0 ? -1 : 1;
  if (z >= 0.625) {
    const double s = Exp(2 * z);
    z = 1 - 2 / (s + 1);
    return x < 0 ? -z : z;
  }
  if (x == 0) return x;
  const double s = x * x;
  return x + x * s * ((kP[0] * s + kP[1]) * s + kP[2]) /
                 (((s + kQ[0]) * s + kQ[1]) * s + kQ[2]);
}

// FreeBSD's s_asinh.c: log(2|x| + 1/(|x| + √(x²+1))) and its neighbours.
double Asinh(double x) {
  constexpr double kNearZero = 1.0 / (1 << 28);
  constexpr double kLarge = 1 << 28;
  if (std::isnan(x) || std::isinf(x)) return x;
  const bool negative = x < 0;
  if (negative) x = -x;  // not fabs: -0 stays -0, as in Go
  double t;
  if (x > kLarge) {
    t = Log(x) + kLn2;
  } else if (x > 2) {
    t = Log(2 * x + 1 / (std::sqrt(x * x + 1) + x));
  } else if (x < kNearZero) {
    t = x;
  } else {
    t = Log1p(x + x * x / (1 + std::sqrt(1 + x * x)));
  }
  return negative ? -t : t;
}

// FreeBSD's e_acosh.c.
double Acosh(double x) {
  constexpr double kLarge = 1 << 28;
  if (x < 1 || std::isnan(x)) return kNaN;
  if (x == 1) return 0;
  if (x >= kLarge) return Log(x) + kLn2;
  if (x > 2) return Log(2 * x - 1 / (x + std::sqrt(x * x - 1)));
  const double t = x - 1;
  return Log1p(t + std::sqrt(2 * t + t * t));
}

// FreeBSD's e_atanh.c: ½ log1p(2x/(1-x)).
double Atanh(double x) {
  constexpr double kNearZero = 1.0 / (1 << 28);
  if (x < -1 || x > 1 || std::isnan(x)) return kNaN;
  if (x == 1) return kInf;
  if (x == -1) return -kInf;
  const bool negative = x < 0;
  if (negative) x = -x;  // not fabs: -0 stays -0, as in Go
  double t;
  if (x < kNearZero) {
    t = x;
  } else if (x < 0.5) {
    t = x + x;
    t = 0.5 * Log1p(t + t * x / (1 - x));
  } else {
    t = 0.5 * Log1p((x + x) / (1 - x));
  }
  return negative ? -t : t;
}

namespace {

bool IsOddInt(double x) {
  double xi;
  const double xf = std::modf(x, &xi);
  return xf == 0 && (ToInt64(xi) & 1) == 1;
}

}  // namespace

// IEEE 754-2008's special cases as FreeBSD's e_pow.c lists them; otherwise
// x^y = x^yf · x^yi with |yf| ≤ ½ through Exp(yf·Log(x)) and the integer
// part by repeated squaring of frexp mantissas, the powers of two kept
// apart until one Ldexp at the end. (Not glibc's correctly rounded pow.)
double Pow(double x, double y) {
  if (y == 0 || x == 1) return 1;
  if (y == 1) return x;
  if (std::isnan(x) || std::isnan(y)) return kNaN;
  if (x == 0) {
    if (y < 0) return IsOddInt(y) ? std::copysign(kInf, x) : kInf;
    if (y > 0) return IsOddInt(y) ? x : 0;
  }
  if (std::isinf(y)) {
    if (x == -1) return 1;
    if ((std::fabs(x) < 1) == (y > 0)) return 0;
    return kInf;
  }
  if (std::isinf(x)) {
    if (x < 0) return Pow(1 / x, -y);  // Pow(-0, -y)
    if (y < 0) return 0;
    if (y > 0) return kInf;
  }
  if (y == 0.5) return std::sqrt(x);
  if (y == -0.5) return 1 / std::sqrt(x);

  double yi;
  double yf = std::modf(std::fabs(y), &yi);
  if (yf != 0 && x < 0) return kNaN;
  if (yi >= 9223372036854775808.0) {
    // A huge even integer: overflow or underflow, except for -1.
    if (x == -1) return 1;
    if ((std::fabs(x) < 1) == (y > 0)) return 0;
    return kInf;
  }
  double a1 = 1.0;
  int64_t ae = 0;
  if (yf != 0) {
    if (yf > 0.5) {
      yf -= 1;
      yi += 1;
    }
    a1 = Exp(yf * Log(x));
  }
  int xe_int;
  double x1 = std::frexp(x, &xe_int);
  int64_t xe = xe_int;
  for (int64_t i = static_cast<int64_t>(yi); i != 0; i >>= 1) {
    if (xe < -(1 << 12) || (1 << 12) < xe) {
      // The exponent alone already over- or underflows.
      ae += xe;
      break;
    }
    if ((i & 1) == 1) {
      a1 *= x1;
      ae += xe;
    }
    x1 *= x1;
    xe <<= 1;
    if (x1 < .5) {
      x1 += x1;
      --xe;
    }
  }
  if (y < 0) {
    a1 = 1 / a1;
    ae = -ae;
  }
  // Beyond ±2^20 the result is 0 or ±Inf whatever a1 is.
  if (ae > (1 << 20)) ae = 1 << 20;
  if (ae < -(1 << 20)) ae = -(1 << 20);
  return std::ldexp(a1, static_cast<int>(ae));
}

}  // namespace vigil::gomath
