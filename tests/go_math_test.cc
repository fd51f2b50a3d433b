// lib/model/go_math: Go's math package bit for bit. The expected values are
// a real Prometheus's answers (Debian's 2.42 on amd64, whose math package
// 3.x shares): `fn(vector(x))`, or `vector(x) ^ vector(y)`.
#include "lib/model/go_math.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>

namespace vigil::gomath {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double Call(const std::string& fn, double x, double y) {
  if (fn == "exp") return Exp(x);
  if (fn == "ln") return Log(x);
  if (fn == "log2") return Log2(x);
  if (fn == "log10") return Log10(x);
  if (fn == "sin") return Sin(x);
  if (fn == "cos") return Cos(x);
  if (fn == "tan") return Tan(x);
  if (fn == "asin") return Asin(x);
  if (fn == "acos") return Acos(x);
  if (fn == "atan") return Atan(x);
  if (fn == "sinh") return Sinh(x);
  if (fn == "cosh") return Cosh(x);
  if (fn == "tanh") return Tanh(x);
  if (fn == "asinh") return Asinh(x);
  if (fn == "acosh") return Acosh(x);
  if (fn == "atanh") return Atanh(x);
  if (fn == "^") return Pow(x, y);
  if (fn == "atan2") return Atan2(x, y);
  ADD_FAILURE() << "no function " << fn;
  return 0;
}

// Prometheus's text for a value, read back exactly.
double Parse(const std::string& s) {
  if (s == "+Inf") return kInf;
  if (s == "-Inf") return -kInf;
  if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  return std::strtod(s.c_str(), nullptr);
}

bool SameBits(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

// The last bit of Exp's results depends on the fused path (Go's too).
bool DependsOnExp(const std::string& fn) {
  return fn == "exp" || fn == "sinh" || fn == "cosh" || fn == "tanh" ||
         fn == "^";
}

TEST(GoMathTest, EdgesAndValuesWhereGlibcDiffers) {
  struct Case {
    const char* fn;
    double x;
    double y;
    const char* want;
  };
  const Case cases[] = {
      {"exp", 709.43, 0, "1.2633808701860083e+308"},
      {"exp", 709.44, 0, "+Inf"},  // glibc: 1.3e308; Go's k rounds to 1024
      {"exp", 709.78, 0, "+Inf"},
      {"exp", -740, 0, "4.2e-322"},
      {"exp", -745.1, 0, "5e-324"},
      {"exp", -746, 0, "0"},
      {"exp", -4.89, 0, "0.007521422474993269"},  // glibc: ...702
      {"exp", 1, 0, "2.718281828459045"},
      {"exp", 0.5, 0, "1.6487212707001282"},
      {"sinh", 710, 0, "+Inf"},  // glibc: 1.1e308
      {"sinh", 709.5, 0, "+Inf"},
      {"sinh", 21.5, 0, "1087179776.7882442"},
      {"sinh", -4.99, 0, "-73.4648089156013"},
      {"sinh", 0.3, 0, "0.3045202934471426"},
      {"sinh", -0.0, 0, "-0"},
      {"cosh", 709.5, 0, "+Inf"},
      {"cosh", -4.95, 0, "70.59102366520297"},
      {"cosh", 21.5, 0, "1087179776.7882442"},
      {"tanh", -1.52, 0, "-0.9086976584311126"},
      {"tanh", 44.1, 0, "1"},
      {"tanh", 0.3, 0, "0.2913126124515909"},
      // Go's amd64 Log reads a subnormal as if its exponent were -1022.
      {"ln", 5e-324, 0, "-709.0895657128241"},
      {"ln", 2.2250738585072014e-308, 0, "-708.3964185322641"},
      {"ln", 0.7071067811865476, 0, "-0.3465735902799726"},  // √2/2 exactly
      {"ln", 1.61, 0, "0.47623417899637166"},
      {"ln", 0, 0, "-Inf"},
      {"ln", -1, 0, "NaN"},
      {"log2", 0.51, 0, "-0.9714308478032292"},
      {"log2", 3, 0, "1.5849625007211563"},
      {"log2", 1024, 0, "10"},
      {"log2", 5e-324, 0, "-1074"},
      {"log10", 0.11, 0, "-0.9586073148417749"},
      {"log10", 1000, 0, "3"},
      {"log10", 7, 0, "0.8450980400142568"},
      {"sin", -9.92, 0, "0.47522702713477977"},
      {"sin", 1e22, 0, "-0.8522008497671889"},  // Payne-Hanek from 2^29
      {"sin", 1e300, 0, "-0.8178819121159087"},
      {"sin", 536870912, 0, "0.3265676630185634"},
      {"sin", -0.0, 0, "-0"},
      {"cos", -9.94, 0, "-0.8701833387866972"},
      {"cos", 1e300, 0, "-0.5753861119575491"},
      {"cos", 536870911.5, 0, "-0.6729031899728566"},
      {"tan", -9.98, 0, "-0.6203133501558988"},
      {"tan", 1e300, 0, "1.4214488238747243"},
      {"tan", 1.5707963267948966, 0, "16331239353195392"},
      {"asin", -0.994, 0, "-1.4611969689632573"},
      {"asin", 0.7, 0, "0.775397496610753"},
      {"asin", 1.0000000000000002, 0, "NaN"},
      {"acos", -0.998, 0, "3.0783365547146495"},
      {"acos", 1, 0, "0"},
      {"atan", -9.96, 0, "-1.470730060010573"},
      {"atan", kInf, 0, "1.5707963267948966"},
      {"atan", 0.66, 0, "0.583373006993856"},
      {"asinh", -9.9, 0, "-2.9882229932141513"},
      {"asinh", 268435456.5, 0, "20.101268238101056"},
      {"asinh", 1.5, 0, "1.1947632172871094"},
      {"acosh", 2.395, 0, "1.519784727177219"},
      {"acosh", 1, 0, "0"},
      {"acosh", 0.5, 0, "NaN"},
      {"acosh", 268435456, 0, "20.10126823623841"},
      {"atanh", 0.5, 0, "0.5493061443340548"},
      {"atanh", -1, 0, "-Inf"},
      {"atanh", 0.3, 0, "0.30951960420311175"},
      {"^", 2, 0.3, "1.2311444133449163"},
      {"^", 1.5, 2.7, "2.988452789872502"},
      {"^", 10, -3, "0.001"},
      {"^", -8, 0.3333333333333333, "NaN"},
      {"^", 0, -1, "+Inf"},
      {"^", -0.0, -1, "-Inf"},
      {"^", 2, 1024, "+Inf"},
      {"^", 2, -1074, "5e-324"},
      {"^", 1e300, 0.5, "1e+150"},
      {"^", -1, kInf, "1"},
      {"^", 1.0001, 123456.5, "229815.6531873658"},
      {"atan2", -0.0, -1, "-3.141592653589793"},
      {"atan2", 1, -kInf, "3.141592653589793"},
      {"atan2", kInf, kInf, "0.7853981633974483"},
      {"atan2", 3, -4, "2.498091544796509"},
  };
  for (const Case& c : cases) {
    if (DependsOnExp(c.fn) && !ExpUsesFma()) continue;
    const double got = Call(c.fn, c.x, c.y);
    EXPECT_TRUE(SameBits(got, Parse(c.want)))
        << c.fn << "(" << c.x << ", " << c.y << ") = " << got << ", want "
        << c.want;
  }
}

// Without FMA the values may move by a bit, but never the overflow edge.
TEST(GoMathTest, ExpOverflowsWhereGoDoes) {
  EXPECT_GT(Exp(709.43), 1.26e308);
  EXPECT_LT(Exp(709.43), kInf);
  EXPECT_EQ(Exp(709.44), kInf);
  EXPECT_EQ(Exp(-kInf), 0);
  EXPECT_TRUE(std::isnan(Exp(std::nan(""))));
  EXPECT_EQ(Sinh(710), kInf);
  EXPECT_EQ(Cosh(-710), kInf);
}

uint64_t Fnv(uint64_t h, double v) {
  const uint64_t bits =
      std::isnan(v) ? 0x7ff8000000000000u : std::bit_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) {
    h ^= (bits >> (8 * i)) & 0xff;
    h *= 0x100000001b3u;
  }
  return h;
}

// Sweeps of ordinary and extreme arguments, each a range query's points:
// x = float64(t_ms)/1000 * k + c for t from start to end by step seconds.
// The digests come from scripts/go-math-digests.py run against Prometheus.
TEST(GoMathTest, SweepsMatchPrometheusBitForBit) {
  struct Sweep {
    const char* fn;
    double k, c, k2, c2;
    int64_t start, end, step;
    uint64_t digest;
  };
  const Sweep sweeps[] = {
      {"exp", 0.001, -750.0, 0, 0, 0, 1500000, 150, 0x79e277e4efa28724u},
      {"exp", 1e-07, -1.0, 0, 0, 0, 20000000, 2000, 0x3baac4778dd67ff2u},
      {"exp", 1e-05, 709.3, 0, 0, 0, 20000, 2, 0xf92bdbebb95e5c30u},
      {"ln", 0.001, 0.0, 0, 0, 1, 10000, 1, 0x74773b3233117494u},
      {"ln", 1e-09, 0.5, 0, 0, 0, 1000000000, 100000, 0xc96de7074b5abdacu},
      {"ln", 123.456, 0.0, 0, 0, 0, 10000000, 1000, 0x2a8a630406d04850u},
      {"log2", 0.0001, 0.0, 0, 0, 0, 100000, 10, 0xc9aff2c110d5b511u},
      {"log2", 1500000.0, 0.0, 0, 0, 0, 10000000, 1000, 0x6a8b43504da9766fu},
      {"log10", 0.0003, 0.0, 0, 0, 0, 100000, 10, 0x1bd1b01804c18e4du},
      {"sin", 0.001, -500.0, 0, 0, 0, 1000000, 100, 0x5ef721aade028accu},
      {"cos", 0.001, -500.0, 0, 0, 0, 1000000, 100, 0x27494ec03ec5add1u},
      {"tan", 0.001, -500.0, 0, 0, 0, 1000000, 100, 0xd0dad4e23ade8fc7u},
      {"sin", 10000000000.0, 0.0, 0, 0, 0, 100000, 10, 0x3e653b3851ef4869u},
      {"cos", 3.3e+150, 0.0, 0, 0, 0, 100000, 10, 0xb5bb32e38ddc6410u},
      {"tan", 7.7e+290, 0.0, 0, 0, 0, 100000, 10, 0x67e09f932f1cce11u},
      {"asin", 2e-06, -1.0, 0, 0, 0, 1000000, 100, 0x3af7c3914cba9948u},
      {"acos", 2e-06, -1.0, 0, 0, 0, 1000000, 100, 0xbcfe6756e495d70eu},
      {"atan", 0.001, -50.0, 0, 0, 0, 100000, 10, 0xe9645cb373af702bu},
      {"atan", 1000.0, -5000000.0, 0, 0, 0, 10000, 1, 0xd6b2691da94d3e4du},
      {"sinh", 0.0001, -1.0, 0, 0, 0, 20000, 2, 0xcaf6d9dc9c608485u},
      {"sinh", 0.001, -712.0, 0, 0, 0, 1424000, 130, 0xf8b5a9893837546eu},
      {"cosh", 0.001, -712.0, 0, 0, 0, 1424000, 130, 0x2419dfd5c16ea5abu},
      {"tanh", 0.0001, -2.0, 0, 0, 0, 40000, 4, 0xd07316b9da75b7b7u},
      {"tanh", 0.001, -50.0, 0, 0, 0, 100000, 10, 0x3a2cc8dee935ff37u},
      {"asinh", 0.001, -50.0, 0, 0, 0, 100000, 10, 0x1bad42b3bc3d15cau},
      {"asinh", 1000000.0, 0.0, 0, 0, 0, 1000000, 100, 0xec85b193d46296f5u},
      {"acosh", 0.0001, 1.0, 0, 0, 0, 100000, 10, 0x6c8523b29675943du},
      {"acosh", 100000.0, 0.0, 0, 0, 0, 1000000, 100, 0x46c9a13e867f8f11u},
      {"atanh", 2e-06, -1.0, 0, 0, 0, 1000000, 100, 0x1142a53f9efa05c1u},
      {"^", 0.001, 0.0, 0.0, 2.5, 0, 100000, 10, 0x55f6e802533fd6d9u},
      {"^", 0.0001, 0.5, 0.0, 3.0, 0, 100000, 10, 0x29a2a45f60345f67u},
      {"^", 0.0001, 0.5, 0.0, 7.0, 0, 100000, 10, 0xe97edaaa4ef21b98u},
      {"^", 0.0, 1.0001, 0.01, -500.0, 0, 100000, 10, 0x6e18b03ca4142a70u},
      {"^", 0.0, 10.0, 0.0001, -3.0, 0, 100000, 10, 0xc8b39721bace9eb9u},
      {"^", 0.0003, -15.0, 0.0, 3.0, 0, 100000, 10, 0x6c5d615f0984254au},
      {"atan2", 0.001, -50.0, -0.0007, 30.0, 0, 100000, 10,
       0x8301140df9b6954cu},
  };
  for (const Sweep& s : sweeps) {
    if (DependsOnExp(s.fn) && !ExpUsesFma()) continue;
    uint64_t h = 0xcbf29ce484222325u;
    for (int64_t t = s.start; t <= s.end; t += s.step) {
      const double secs = static_cast<double>(t * 1000) / 1000;
      h = Fnv(h, Call(s.fn, secs * s.k + s.c, secs * s.k2 + s.c2));
    }
    EXPECT_EQ(h, s.digest) << s.fn << " over t*" << s.k << "+" << s.c;
  }
}

}  // namespace
}  // namespace vigil::gomath
