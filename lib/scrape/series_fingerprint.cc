#include "lib/scrape/series_fingerprint.h"

#include <bit>
#include <cstring>

namespace vigil::scrape {
namespace {

constexpr uint64_t kC1 = 0x87c37b91114253d5ULL;
constexpr uint64_t kC2 = 0x4cf5ad432745937fULL;

uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  if constexpr (std::endian::native == std::endian::big)
    v = __builtin_bswap64(v);
  return v;
}

uint64_t MixK1(uint64_t k) { return std::rotl(k * kC1, 31) * kC2; }
uint64_t MixK2(uint64_t k) { return std::rotl(k * kC2, 33) * kC1; }

uint64_t Finalize(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

}  // namespace

SeriesFingerprint FingerprintOf(std::string_view series) {
  const char* p = series.data();
  const size_t n = series.size();
  uint64_t h1 = 0;
  uint64_t h2 = 0;
  const size_t blocks = n / 16;
  for (size_t i = 0; i < blocks; ++i, p += 16) {
    h1 ^= MixK1(Load64(p));
    h1 = (std::rotl(h1, 27) + h2) * 5 + 0x52dce729;
    h2 ^= MixK2(Load64(p + 8));
    h2 = (std::rotl(h2, 31) + h1) * 5 + 0x38495ab5;
  }
  // The last 0-15 bytes, little-endian into two words.
  uint64_t k1 = 0;
  uint64_t k2 = 0;
  const size_t tail = n & 15;
  for (size_t i = 0; i < tail; ++i) {
    const uint64_t byte = static_cast<unsigned char>(p[i]);
    if (i < 8) {
      k1 |= byte << (8 * i);
    } else {
      k2 |= byte << (8 * (i - 8));
    }
  }
  if (tail > 8) h2 ^= MixK2(k2);
  if (tail > 0) h1 ^= MixK1(k1);

  h1 ^= n;
  h2 ^= n;
  h1 += h2;
  h2 += h1;
  h1 = Finalize(h1);
  h2 = Finalize(h2);
  h1 += h2;
  h2 += h1;
  return {h1, h2};
}

}  // namespace vigil::scrape
