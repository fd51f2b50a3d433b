// The pieces of Gorilla compression shared by the XOR chunk and the
// histogram chunk: varints, delta-of-delta timestamps and XOR-coded floats
// with a reusable leading/trailing-zero window. Internal.
//
// Inline: every sample of every chunk goes through these, on the append
// path and on every query.
#ifndef VIGIL_LIB_TSDB_GORILLA_H_
#define VIGIL_LIB_TSDB_GORILLA_H_

#include <bit>
#include <cstdint>

#include "lib/tsdb/bit_stream.h"

namespace vigil::tsdb::gorilla {

// Delta-of-delta buckets: (prefix bits, prefix length, payload bits). Past
// Prometheus's 14, 17 and 20 bits, a 7-bit bucket comes first: a scrape's
// timestamp jitters by a few milliseconds (beyond the 2 ms the scrape loop
// aligns away), and 9 bits for that instead of 16 is most of what a
// KSM-shaped sample costs. The format never leaves the process.
struct DodBucket {
  uint64_t prefix;
  int prefix_bits;
  int payload_bits;
};
inline constexpr DodBucket kDodBuckets[] = {
    {0b10, 2, 7},
    {0b110, 3, 14},
    {0b1110, 4, 17},
    {0b11110, 5, 20},
};
inline constexpr uint64_t kDodRawPrefix = 0b11111;
inline constexpr int kDodRawPrefixBits = 5;
inline constexpr int kLeadingBits = 5;  // so leading zeros are capped at 31
inline constexpr int kMaxLeading = (1 << kLeadingBits) - 1;
inline constexpr int kSigBits = 6;  // 64 significant bits are written as 0
inline constexpr int kMaxVarintBytes = 10;

// Whether `v` fits in a two's complement field of `nbits`.
inline bool FitsBits(int64_t v, int nbits) {
  const int64_t lo = -(int64_t{1} << (nbits - 1));
  const int64_t hi = (int64_t{1} << (nbits - 1)) - 1;
  return v >= lo && v <= hi;
}

inline void WriteUvarint(BitWriter& w, uint64_t v) {
  while (v >= 0x80) {
    w.WriteBits((v & 0x7f) | 0x80, 8);
    v >>= 7;
  }
  w.WriteBits(v, 8);
}

inline bool ReadUvarint(BitReader& r, uint64_t* out) {
  uint64_t v = 0;
  for (int i = 0; i < kMaxVarintBytes; ++i) {
    uint64_t byte;
    if (!r.ReadBits(8, &byte)) return false;
    v |= (byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      *out = v;
      return true;
    }
  }
  return false;
}

inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// A timestamp's delta-of-delta: one bit when the interval held.
inline void WriteDod(BitWriter& w, int64_t dod) {
  if (dod == 0) {
    w.WriteBit(false);
    return;
  }
  for (const DodBucket& b : kDodBuckets) {
    if (FitsBits(dod, b.payload_bits)) {
      w.WriteBits(b.prefix, b.prefix_bits);
      w.WriteBits(static_cast<uint64_t>(dod), b.payload_bits);
      return;
    }
  }
  w.WriteBits(kDodRawPrefix, kDodRawPrefixBits);
  w.WriteBits(static_cast<uint64_t>(dod), 64);
}

inline bool ReadDod(BitReader& r, int64_t* dod) {
  // Count the prefix's leading ones: 0 to 4, or 5 (raw).
  int ones = 0;
  bool bit = true;
  while (ones < kDodRawPrefixBits) {
    if (!r.ReadBit(&bit)) return false;
    if (!bit) break;
    ++ones;
  }
  *dod = 0;
  if (ones == 0) return true;
  const int nbits =
      ones == kDodRawPrefixBits ? 64 : kDodBuckets[ones - 1].payload_bits;
  uint64_t raw;
  if (!r.ReadBits(nbits, &raw)) return false;
  if (nbits < 64 && (raw >> (nbits - 1)) & 1) {
    raw |= ~uint64_t{0} << nbits;  // sign-extend
  }
  *dod = static_cast<int64_t>(raw);
  return true;
}

// The window of meaningful bits the last XOR of a value stream described;
// leading 0xff: none yet, so the first non-zero XOR writes a fresh one.
struct XorWindow {
  uint8_t leading = 0xff;
  uint8_t trailing = 0;
};

// Writes `bits` as its XOR with `*prev`, then makes it the previous value.
inline void WriteXor(BitWriter& w, uint64_t bits, uint64_t* prev,
                     XorWindow* win) {
  const uint64_t x = bits ^ *prev;
  *prev = bits;
  if (x == 0) {
    w.WriteBit(false);
    return;
  }
  w.WriteBit(true);
  int leading = std::countl_zero(x);
  const int trailing = std::countr_zero(x);
  if (leading > kMaxLeading) leading = kMaxLeading;
  if (win->leading != 0xff && leading >= win->leading &&
      trailing >= win->trailing) {
    // Fits the previous window: no need to describe it again.
    w.WriteBit(false);
    w.WriteBits(x >> win->trailing, 64 - win->leading - win->trailing);
    return;
  }
  win->leading = static_cast<uint8_t>(leading);
  win->trailing = static_cast<uint8_t>(trailing);
  const int sig = 64 - leading - trailing;
  w.WriteBit(true);
  w.WriteBits(static_cast<uint64_t>(leading), kLeadingBits);
  w.WriteBits(static_cast<uint64_t>(sig == 64 ? 0 : sig), kSigBits);
  w.WriteBits(x >> trailing, sig);
}

// Reads what WriteXor wrote into `*value` (the previous value on entry).
// False on a truncated or impossible stream.
inline bool ReadXor(BitReader& r, uint64_t* value, XorWindow* win) {
  bool bit;
  if (!r.ReadBit(&bit)) return false;
  if (!bit) return true;  // same value
  if (!r.ReadBit(&bit)) return false;
  if (bit) {
    uint64_t leading, sig;
    if (!r.ReadBits(kLeadingBits, &leading) || !r.ReadBits(kSigBits, &sig)) {
      return false;
    }
    if (sig == 0) sig = 64;
    if (leading + sig > 64) return false;
    win->leading = static_cast<uint8_t>(leading);
    win->trailing = static_cast<uint8_t>(64 - leading - sig);
  } else if (win->leading == 0xff) {
    return false;  // no encoder reuses a window it never wrote
  }
  const int sig = 64 - win->leading - win->trailing;
  uint64_t x;
  if (!r.ReadBits(sig, &x)) return false;
  *value ^= x << win->trailing;
  return true;
}

}  // namespace vigil::tsdb::gorilla

#endif  // VIGIL_LIB_TSDB_GORILLA_H_
