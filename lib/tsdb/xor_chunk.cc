#include "lib/tsdb/xor_chunk.h"

#include <bit>

namespace vigil::tsdb {
namespace {

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
constexpr DodBucket kDodBuckets[] = {
    {0b10, 2, 7},
    {0b110, 3, 14},
    {0b1110, 4, 17},
    {0b11110, 5, 20},
};
constexpr uint64_t kDodRawPrefix = 0b11111;
constexpr int kDodRawPrefixBits = 5;
constexpr int kLeadingBits = 5;  // so leading zeros are capped at 31
constexpr int kMaxLeading = (1 << kLeadingBits) - 1;
constexpr int kSigBits = 6;  // 64 significant bits are written as 0
constexpr int kMaxVarintBytes = 10;

// Whether `v` fits in a two's complement field of `nbits`.
bool FitsBits(int64_t v, int nbits) {
  const int64_t lo = -(int64_t{1} << (nbits - 1));
  const int64_t hi = (int64_t{1} << (nbits - 1)) - 1;
  return v >= lo && v <= hi;
}

void WriteUvarint(BitWriter& w, uint64_t v) {
  while (v >= 0x80) {
    w.WriteBits((v & 0x7f) | 0x80, 8);
    v >>= 7;
  }
  w.WriteBits(v, 8);
}

bool ReadUvarint(BitReader& r, uint64_t* out) {
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

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

}  // namespace

void XorEncoder::Append(int64_t t, double v) {
  const uint64_t bits = std::bit_cast<uint64_t>(v);
  if (num_samples_ == 0) {
    WriteUvarint(writer_, ZigZag(t));
    writer_.WriteBits(bits, 64);
  } else if (num_samples_ == 1) {
    t_delta_ = t - t_;
    WriteUvarint(writer_, static_cast<uint64_t>(t_delta_));
    WriteValue(bits);
  } else {
    const int64_t delta = t - t_;
    // Unsigned arithmetic: the difference of two deltas may overflow int64
    // for absurd timestamps, and must still round-trip.
    const int64_t dod = static_cast<int64_t>(static_cast<uint64_t>(delta) -
                                             static_cast<uint64_t>(t_delta_));
    if (dod == 0) {
      writer_.WriteBit(false);
    } else {
      bool written = false;
      for (const DodBucket& b : kDodBuckets) {
        if (FitsBits(dod, b.payload_bits)) {
          writer_.WriteBits(b.prefix, b.prefix_bits);
          writer_.WriteBits(static_cast<uint64_t>(dod), b.payload_bits);
          written = true;
          break;
        }
      }
      if (!written) {
        writer_.WriteBits(kDodRawPrefix, kDodRawPrefixBits);
        writer_.WriteBits(static_cast<uint64_t>(dod), 64);
      }
    }
    t_delta_ = delta;
    WriteValue(bits);
  }
  t_ = t;
  v_bits_ = bits;
  ++num_samples_;
}

void XorEncoder::WriteValue(uint64_t bits) {
  const uint64_t x = bits ^ v_bits_;
  if (x == 0) {
    writer_.WriteBit(false);
    return;
  }
  writer_.WriteBit(true);
  int leading = std::countl_zero(x);
  const int trailing = std::countr_zero(x);
  if (leading > kMaxLeading) leading = kMaxLeading;
  if (leading_ != 0xff && leading >= leading_ && trailing >= trailing_) {
    // Fits the previous window: no need to describe it again.
    writer_.WriteBit(false);
    writer_.WriteBits(x >> trailing_, 64 - leading_ - trailing_);
    return;
  }
  leading_ = static_cast<uint8_t>(leading);
  trailing_ = static_cast<uint8_t>(trailing);
  const int sig = 64 - leading - trailing;
  writer_.WriteBit(true);
  writer_.WriteBits(static_cast<uint64_t>(leading), kLeadingBits);
  writer_.WriteBits(static_cast<uint64_t>(sig == 64 ? 0 : sig), kSigBits);
  writer_.WriteBits(x >> trailing, sig);
}

bool XorEncoder::Resume(const uint8_t* data, size_t size, int num_samples) {
  if (num_samples <= 0) return false;
  XorDecoder d(data, size, num_samples);
  int decoded = 0;
  while (d.Next()) ++decoded;
  if (decoded != num_samples) return false;
  writer_.Resume(data, d.position_bits());
  t_ = d.t();
  t_delta_ = d.t_delta();
  v_bits_ = d.v_bits();
  num_samples_ = num_samples;
  leading_ = d.has_window() ? d.leading() : 0xff;
  trailing_ = d.has_window() ? d.trailing() : 0;
  return true;
}

double XorDecoder::v() const { return std::bit_cast<double>(v_bits_); }

bool XorDecoder::Next() {
  if (corrupt_ || read_ >= remaining_) return false;
  if (read_ == 0) {
    uint64_t zz;
    if (!ReadUvarint(reader_, &zz) || !reader_.ReadBits(64, &v_bits_)) {
      corrupt_ = true;
      return false;
    }
    t_ = UnZigZag(zz);
  } else if (read_ == 1) {
    uint64_t delta;
    if (!ReadUvarint(reader_, &delta) || !ReadValue()) {
      corrupt_ = true;
      return false;
    }
    t_delta_ = static_cast<int64_t>(delta);
    t_ = static_cast<int64_t>(static_cast<uint64_t>(t_) + delta);
  } else {
    // Count the prefix's leading ones: 0 to 4, or 5 (raw).
    int ones = 0;
    bool bit = true;
    while (ones < kDodRawPrefixBits) {
      if (!reader_.ReadBit(&bit)) {
        corrupt_ = true;
        return false;
      }
      if (!bit) break;
      ++ones;
    }
    int64_t dod = 0;
    if (ones > 0) {
      const int nbits =
          ones == kDodRawPrefixBits ? 64 : kDodBuckets[ones - 1].payload_bits;
      uint64_t raw;
      if (!reader_.ReadBits(nbits, &raw)) {
        corrupt_ = true;
        return false;
      }
      if (nbits < 64 && (raw >> (nbits - 1)) & 1) {
        raw |= ~uint64_t{0} << nbits;  // sign-extend
      }
      dod = static_cast<int64_t>(raw);
    }
    t_delta_ = static_cast<int64_t>(static_cast<uint64_t>(t_delta_) +
                                    static_cast<uint64_t>(dod));
    t_ = static_cast<int64_t>(static_cast<uint64_t>(t_) +
                              static_cast<uint64_t>(t_delta_));
    if (!ReadValue()) {
      corrupt_ = true;
      return false;
    }
  }
  ++read_;
  return true;
}

bool XorDecoder::ReadValue() {
  bool bit;
  if (!reader_.ReadBit(&bit)) return false;
  if (!bit) return true;  // same value
  if (!reader_.ReadBit(&bit)) return false;
  if (bit) {
    uint64_t leading, sig;
    if (!reader_.ReadBits(kLeadingBits, &leading) ||
        !reader_.ReadBits(kSigBits, &sig)) {
      return false;
    }
    if (sig == 0) sig = 64;
    if (leading + sig > 64) return false;
    leading_ = static_cast<uint8_t>(leading);
    trailing_ = static_cast<uint8_t>(64 - leading - sig);
    has_window_ = true;
  } else if (!has_window_) {
    return false;  // no encoder reuses a window it never wrote
  }
  const int sig = 64 - leading_ - trailing_;
  uint64_t x;
  if (!reader_.ReadBits(sig, &x)) return false;
  v_bits_ ^= x << trailing_;
  return true;
}

}  // namespace vigil::tsdb
