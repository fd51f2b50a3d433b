// The XOR chunk encoding: every sample must come back bit-exactly.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "lib/tsdb/bit_stream.h"
#include "lib/tsdb/xor_chunk.h"
#include "vigil/storage.h"

namespace vigil::tsdb {
namespace {

struct RawSample {
  int64_t t;
  uint64_t bits;
};

std::vector<RawSample> RoundTrip(const std::vector<RawSample>& in) {
  XorEncoder enc;
  for (const RawSample& s : in) enc.Append(s.t, std::bit_cast<double>(s.bits));
  EXPECT_EQ(enc.num_samples(), static_cast<int>(in.size()));
  XorDecoder dec(enc.bytes().data(), enc.bytes().size(), enc.num_samples());
  std::vector<RawSample> out;
  while (dec.Next()) out.push_back({dec.t(), dec.v_bits()});
  EXPECT_FALSE(dec.corrupt());
  return out;
}

void ExpectRoundTrip(const std::vector<RawSample>& in) {
  const std::vector<RawSample> out = RoundTrip(in);
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[i].t, in[i].t) << "sample " << i;
    EXPECT_EQ(out[i].bits, in[i].bits) << "sample " << i;
  }
}

uint64_t Bits(double v) { return std::bit_cast<uint64_t>(v); }

TEST(XorChunkTest, EmptyChunkDecodesNothing) { ExpectRoundTrip({}); }

TEST(XorChunkTest, SingleAndTwoSamples) {
  ExpectRoundTrip({{1000, Bits(1.5)}});
  ExpectRoundTrip({{-5, Bits(-2)}, {7, Bits(3)}});
}

TEST(XorChunkTest, RegularScrapeCompressesToAboutOneBitPerTimestamp) {
  std::vector<RawSample> in;
  for (int i = 0; i < 120; ++i)
    in.push_back({1'700'000'000'000 + i * 30'000, Bits(1)});
  ExpectRoundTrip(in);
  XorEncoder enc;
  for (const auto& s : in) enc.Append(s.t, std::bit_cast<double>(s.bits));
  // Constant interval and value: 2 bits per sample after the first two.
  EXPECT_LT(enc.bytes().size(), 50u);
}

TEST(XorChunkTest, MillisecondJitterCostsNineBits) {
  // 120 scrapes 30 s apart, each a few ms late or early, of a constant:
  // '10' + 7 bits per timestamp, one bit per value.
  std::vector<RawSample> in;
  for (int i = 0; i < 120; ++i) {
    const int64_t jitter = (i * 7) % 9 - 4;  // -4..4 ms
    in.push_back({1'700'000'000'000 + i * 30'000 + jitter, Bits(1)});
  }
  XorEncoder enc;
  for (const RawSample& s : in) enc.Append(s.t, std::bit_cast<double>(s.bits));
  EXPECT_LE(enc.bytes().size(), 20u + 118u * 10u / 8u + 1u);
  ExpectRoundTrip(in);
}

TEST(XorChunkTest, SpecialFloatsAreBitExact) {
  const std::vector<uint64_t> values = {
      kStaleNaNBits,
      Bits(std::numeric_limits<double>::quiet_NaN()),
      0x7ff8000000000001ULL,  // a NaN with payload
      Bits(std::numeric_limits<double>::infinity()),
      Bits(-std::numeric_limits<double>::infinity()),
      Bits(-0.0),
      Bits(0.0),
      Bits(std::numeric_limits<double>::denorm_min()),
      Bits(std::numeric_limits<double>::max()),
      Bits(std::numeric_limits<double>::lowest()),
      Bits(1e-300),
      kStaleNaNBits,
      kStaleNaNBits,
      Bits(42),
  };
  std::vector<RawSample> in;
  for (size_t i = 0; i < values.size(); ++i) {
    in.push_back({static_cast<int64_t>(i) * 15'000, values[i]});
  }
  ExpectRoundTrip(in);
  const auto out = RoundTrip(in);
  EXPECT_TRUE(IsStaleNaN(std::bit_cast<double>(out[0].bits)));
  EXPECT_TRUE(std::signbit(std::bit_cast<double>(out[5].bits)));
}

TEST(XorChunkTest, HugeAndIrregularTimestampDeltas) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  ExpectRoundTrip({{kMin, Bits(1)},
                   {kMin + 1, Bits(2)},
                   {0, Bits(3)},
                   {kMax - 1, Bits(4)},
                   {kMax, Bits(5)}});
  // Every delta-of-delta bucket boundary, both signs.
  std::vector<RawSample> in;
  int64_t t = 0;
  int64_t delta = 1'000'000;
  in.push_back({t, Bits(0)});
  for (int bits : {7, 14, 17, 20, 32, 62}) {
    for (int64_t dod :
         {(int64_t{1} << (bits - 1)) - 1, -(int64_t{1} << (bits - 1)),
          int64_t{1} << (bits - 1), -(int64_t{1} << (bits - 1)) - 1}) {
      if (delta + dod <= 0) continue;
      delta += dod;
      t += delta;
      in.push_back({t, Bits(static_cast<double>(t))});
    }
  }
  ExpectRoundTrip(in);
}

TEST(XorChunkTest, RandomSeriesRoundTrip) {
  std::mt19937_64 rng(20240601);
  for (int round = 0; round < 200; ++round) {
    std::vector<RawSample> in;
    int64_t t =
        static_cast<int64_t>(rng() % 2'000'000'000'000) - 1'000'000'000'000;
    const int n = 1 + static_cast<int>(rng() % 200);
    double v = 0;
    for (int i = 0; i < n; ++i) {
      switch (rng() % 4) {
        case 0:
          t += 15'000;
          break;  // regular
        case 1:
          t += 1 + static_cast<int64_t>(rng() % 100'000);  // jitter
          break;
        case 2:
          t += 1 + static_cast<int64_t>(rng() % (int64_t{1} << 40));
          break;
        default:
          t += 1;
          break;
      }
      switch (rng() % 5) {
        case 0:
          break;  // unchanged
        case 1:
          v += 1;
          break;
        case 2:
          v = static_cast<double>(rng() % 1000) / 7.0;
          break;
        case 3:
          v = std::bit_cast<double>(rng());
          break;  // any bits
        default:
          v = -v;
          break;
      }
      in.push_back({t, Bits(v)});
    }
    ExpectRoundTrip(in);
  }
}

TEST(XorChunkTest, DecodingAPrefixStopsAtTheCount) {
  XorEncoder enc;
  for (int i = 0; i < 10; ++i) enc.Append(i * 1000, i * 1.5);
  XorDecoder dec(enc.bytes().data(), enc.bytes().size(), 4);
  int n = 0;
  while (dec.Next()) {
    EXPECT_EQ(dec.t(), n * 1000);
    EXPECT_EQ(dec.v(), n * 1.5);
    ++n;
  }
  EXPECT_EQ(n, 4);
  EXPECT_FALSE(dec.corrupt());
}

TEST(XorChunkTest, TruncatedStreamIsReportedNotOverread) {
  XorEncoder enc;
  for (int i = 0; i < 50; ++i) enc.Append(i * 1000 + (i % 3), i * 0.1);
  const auto& b = enc.bytes();
  for (size_t cut = 0; cut < b.size(); ++cut) {
    std::vector<uint8_t> part(b.begin(), b.begin() + static_cast<long>(cut));
    XorDecoder dec(part.data(), part.size(), enc.num_samples());
    int n = 0;
    while (dec.Next()) ++n;
    EXPECT_LT(n, enc.num_samples());
    EXPECT_TRUE(dec.corrupt()) << "cut at " << cut;
  }
}

// A series with every kind of step: regular, jittered, huge jumps, equal
// and special values, values that widen and narrow the XOR window.
std::vector<RawSample> MixedSeries(uint32_t seed, int n) {
  std::mt19937_64 rng(seed);
  std::vector<RawSample> out;
  int64_t t = -5000;
  double v = 1;
  for (int i = 0; i < n; ++i) {
    switch (rng() % 6) {
      case 0:
        t += 15000;
        break;
      case 1:
        t += 15000 + static_cast<int64_t>(rng() % 200) - 100;
        break;
      case 2:
        t += static_cast<int64_t>(rng() % (int64_t{1} << 40)) + 1;
        break;
      default:
        t += 1;
        break;
    }
    switch (rng() % 5) {
      case 0:
        break;  // the same value
      case 1:
        v = std::bit_cast<double>(rng());
        break;
      case 2:
        v += 1;
        break;
      case 3:
        v = std::bit_cast<double>(uint64_t{0x7ff0000000000002});
        break;
      default:
        v = static_cast<double>(rng() % 1000) / 7;
        break;
    }
    out.push_back({t, Bits(v)});
  }
  return out;
}

TEST(XorChunkTest, AResumedEncoderWritesWhatOneEncoderWould) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    const std::vector<RawSample> in = MixedSeries(seed, 150);
    XorEncoder whole;
    for (const RawSample& s : in) {
      whole.Append(s.t, std::bit_cast<double>(s.bits));
    }
    for (int n = 1; n <= static_cast<int>(in.size()); ++n) {
      // Resumed from the whole stream, whose bits past sample n (a commit
      // a snapshot did not see) must be dropped.
      XorEncoder resumed;
      ASSERT_TRUE(resumed.Resume(whole.bytes().data(), whole.bytes().size(), n))
          << "seed " << seed << " n " << n;
      EXPECT_EQ(resumed.num_samples(), n);
      EXPECT_EQ(resumed.last_t(), in[static_cast<size_t>(n - 1)].t);
      EXPECT_EQ(resumed.last_v_bits(), in[static_cast<size_t>(n - 1)].bits);
      for (size_t i = static_cast<size_t>(n); i < in.size(); ++i) {
        resumed.Append(in[i].t, std::bit_cast<double>(in[i].bits));
      }
      ASSERT_EQ(resumed.bytes(), whole.bytes())
          << "seed " << seed << " n " << n;
    }
  }
}

TEST(XorChunkTest, ResumeRefusesAStreamThatLacksItsSamples) {
  XorEncoder enc;
  for (int i = 0; i < 10; ++i) enc.Append(i * 1000, i * 0.5);
  XorEncoder resumed;
  // (An 11th would decode from the last byte's zero padding: the count
  // lives beside the bytes, as in every chunk.)
  EXPECT_FALSE(resumed.Resume(enc.bytes().data(), enc.bytes().size(), 100));
  EXPECT_FALSE(resumed.Resume(enc.bytes().data(), enc.bytes().size(), 0));
  EXPECT_FALSE(resumed.Resume(enc.bytes().data(), 3, 10));
  EXPECT_EQ(resumed.num_samples(), 0);  // untouched
  // Garbage: t=0 and v=0, a zero delta, then a value that reuses a window
  // no encoder wrote.
  const uint8_t garbage[] = {0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x80, 0xff};
  EXPECT_FALSE(resumed.Resume(garbage, sizeof(garbage), 2));
  EXPECT_TRUE(resumed.Resume(garbage, sizeof(garbage), 1));
}

TEST(BitStreamTest, FieldsOfEveryWidthAtEveryOffsetReadBack) {
  std::mt19937_64 rng(7);
  std::vector<std::pair<uint64_t, int>> fields;
  BitWriter w;
  for (int i = 0; i < 5000; ++i) {
    const int nbits = static_cast<int>(rng() % 65);
    const uint64_t v = nbits == 0 ? 0 : rng() & (~uint64_t{0} >> (64 - nbits));
    fields.emplace_back(v, nbits);
    w.WriteBits(v, nbits);
  }
  BitReader r(w.bytes().data(), w.bytes().size());
  for (const auto& [want, nbits] : fields) {
    uint64_t got = 1;
    ASSERT_TRUE(r.ReadBits(nbits, &got));
    ASSERT_EQ(got, want) << nbits << " bits";
  }
  // Past the end: refused, nothing read.
  const size_t at = r.position_bits();
  uint64_t ignored;
  EXPECT_FALSE(
      r.ReadBits(static_cast<int>(w.bytes().size() * 8 - at) + 1, &ignored));
  EXPECT_EQ(r.position_bits(), at);
}

// Reads near the end of the bytes (and straddling nine) take another path
// than the rest: every width at every position of a short buffer, against
// the same bits read one at a time.
TEST(BitStreamTest, EveryWidthAtEveryPositionNearTheEndReadsBack) {
  std::mt19937_64 rng(11);
  for (size_t size = 0; size <= 12; ++size) {
    std::vector<uint8_t> bytes(size);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    for (size_t pos = 0; pos <= size * 8; ++pos) {
      for (int nbits = 0; nbits <= 64; ++nbits) {
        // Both at `pos`, reading up to 64 bits at a time.
        BitReader at(bytes.data(), size);
        BitReader bits(bytes.data(), size);
        uint64_t skipped;
        for (size_t left = pos; left > 0;) {
          const int step = static_cast<int>(std::min<size_t>(left, 64));
          ASSERT_TRUE(at.ReadBits(step, &skipped));
          ASSERT_TRUE(bits.ReadBits(step, &skipped));
          left -= static_cast<size_t>(step);
        }
        uint64_t want = 0;
        const bool fits = pos + static_cast<size_t>(nbits) <= size * 8;
        for (int i = 0; fits && i < nbits; ++i) {
          bool bit;
          ASSERT_TRUE(bits.ReadBit(&bit));
          want = (want << 1) | static_cast<uint64_t>(bit);
        }
        uint64_t got = 12345;
        ASSERT_EQ(at.ReadBits(nbits, &got), fits)
            << "size " << size << " pos " << pos << " nbits " << nbits;
        if (fits) {
          ASSERT_EQ(got, want)
              << "size " << size << " pos " << pos << " nbits " << nbits;
          EXPECT_EQ(at.position_bits(), pos + static_cast<size_t>(nbits));
        } else {
          EXPECT_EQ(at.position_bits(), pos);
        }
      }
    }
  }
}

TEST(BitStreamTest, ResumingAWriterDropsTheBitsAfterTheCut) {
  BitWriter w;
  w.WriteBits(0xffff, 16);
  BitWriter resumed;
  resumed.Resume(w.bytes().data(), 11);
  resumed.WriteBits(0, 5);
  ASSERT_EQ(resumed.bytes().size(), 2u);
  EXPECT_EQ(resumed.bytes()[0], 0xff);
  EXPECT_EQ(resumed.bytes()[1], 0xe0);
}

}  // namespace
}  // namespace vigil::tsdb
