// Checkpoints of the open XOR chunk: decoding from any of them must give
// exactly what decoding from the first sample gives, and a read of the
// open chunk from a checkpoint (MemSeries::Snapshot) the same samples as a
// read of all of it.
#include <bit>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "lib/tsdb/chunk_iterator.h"
#include "lib/tsdb/head_counters.h"
#include "lib/tsdb/mem_series.h"
#include "lib/tsdb/symbol_table.h"
#include "lib/tsdb/xor_chunk.h"
#include "vigil/labels.h"

namespace vigil::tsdb {
namespace {

struct RawSample {
  int64_t t;
  uint64_t bits;
  bool operator==(const RawSample&) const = default;
};

// Scrape-like times (jitter, gaps, a run of 1 ms steps) and values that
// repeat, count up, jump to random bits and NaNs, widening and narrowing
// the XOR window. `huge_at` >= 0 puts a delta beyond int32 milliseconds
// before that sample.
std::vector<RawSample> Series(uint32_t seed, int n, int huge_at = -1) {
  std::mt19937_64 rng(seed);
  std::vector<RawSample> out;
  int64_t t = 1'700'000'000'000;
  double v = 0;
  for (int i = 0; i < n; ++i) {
    switch (rng() % 5) {
      case 0:
        t += 1;
        break;
      case 1:
        t += 30'000 + static_cast<int64_t>(rng() % 50) - 25;
        break;
      case 2:
        t += 3'600'000;
        break;
      default:
        t += 30'000;
        break;
    }
    if (i == huge_at) t += int64_t{1} << 40;
    switch (rng() % 5) {
      case 0:
        break;
      case 1:
        v = std::bit_cast<double>(rng());
        break;
      case 2:
        v = std::bit_cast<double>(uint64_t{0x7ff0000000000002});
        break;
      default:
        v = static_cast<double>(rng() % 1000) / 7;
        break;
    }
    out.push_back({t, std::bit_cast<uint64_t>(v)});
  }
  return out;
}

std::vector<RawSample> Decode(XorDecoder d) {
  std::vector<RawSample> out;
  while (d.Next()) out.push_back({d.t(), d.v_bits()});
  EXPECT_FALSE(d.corrupt());
  return out;
}

void ExpectSameCheckpoints(const XorEncoder& a, const XorEncoder& b) {
  ASSERT_EQ(a.num_checkpoints(), b.num_checkpoints());
  for (int i = 0; i < a.num_checkpoints(); ++i) {
    const XorCheckpoint* x = a.checkpoint(i);
    const XorCheckpoint* y = b.checkpoint(i);
    ASSERT_EQ(x == nullptr, y == nullptr) << i;
    if (x == nullptr) continue;
    EXPECT_EQ(x->t, y->t) << i;
    EXPECT_EQ(x->v_bits, y->v_bits) << i;
    EXPECT_EQ(x->t_delta, y->t_delta) << i;
    EXPECT_EQ(x->bit_pos, y->bit_pos) << i;
    EXPECT_EQ(x->window.leading, y->window.leading) << i;
    EXPECT_EQ(x->window.trailing, y->window.trailing) << i;
  }
}

TEST(XorCheckpointTest, EveryCheckpointDecodesLikeThePlainDecoder) {
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    const std::vector<RawSample> in = Series(seed, 130);
    XorEncoder enc;
    for (int n = 1; n <= static_cast<int>(in.size()); ++n) {
      const RawSample& s = in[static_cast<size_t>(n - 1)];
      enc.Append(s.t, std::bit_cast<double>(s.bits));
      // Every one due is recorded (sample n - 1 is the newest), the newest
      // two kept: as n grows, each is tried at every n it is kept for.
      ASSERT_EQ(enc.num_checkpoints(), (n - 1) / kXorCheckpointEvery);
      const std::vector<uint8_t>& bytes = enc.bytes();
      const std::vector<RawSample> plain =
          Decode(XorDecoder(bytes.data(), bytes.size(), n));
      ASSERT_EQ(plain, std::vector<RawSample>(in.begin(), in.begin() + n));
      for (int i = 0; i < enc.num_checkpoints(); ++i) {
        ASSERT_EQ(enc.checkpoint(i) == nullptr,
                  i < enc.num_checkpoints() - kXorCheckpointsKept);
        if (enc.checkpoint(i) == nullptr) continue;
        const XorCheckpoint& cp = *enc.checkpoint(i);
        const int index = (i + 1) * kXorCheckpointEvery;
        EXPECT_EQ(cp.t, in[static_cast<size_t>(index - 1)].t);
        // The bytes from the checkpoint's on, as a snapshot copies them.
        const std::vector<uint8_t> tail(bytes.begin() + cp.bit_pos / 8,
                                        bytes.end());
        EXPECT_EQ(Decode(XorDecoder(tail.data(), tail.size(), n, index, cp)),
                  std::vector<RawSample>(plain.begin() + index, plain.end()))
            << "seed " << seed << " n " << n << " checkpoint " << i;
      }
    }
  }
}

TEST(XorCheckpointTest, OneThatDoesNotFitEndsTheList) {
  const int huge_at = 3 * kXorCheckpointEvery - 1;  // sets the 3rd's delta
  const std::vector<RawSample> in = Series(5, 120, huge_at);
  XorEncoder enc;
  for (const RawSample& s : in) enc.Append(s.t, std::bit_cast<double>(s.bits));
  ASSERT_EQ(enc.num_checkpoints(), 2);
  const std::vector<uint8_t>& bytes = enc.bytes();
  ASSERT_NE(enc.checkpoint(1), nullptr);
  const XorCheckpoint& cp = *enc.checkpoint(1);
  const std::vector<uint8_t> tail(bytes.begin() + cp.bit_pos / 8, bytes.end());
  EXPECT_EQ(
      Decode(XorDecoder(tail.data(), tail.size(), 120, 2 * kXorCheckpointEvery,
                        cp)),
      std::vector<RawSample>(in.begin() + 2 * kXorCheckpointEvery, in.end()));
  // A resumed encoder stops at the same one.
  XorEncoder resumed;
  ASSERT_TRUE(resumed.Resume(bytes.data(), bytes.size(), 120));
  ExpectSameCheckpoints(resumed, enc);
}

TEST(XorCheckpointTest, AResumedEncoderHasTheSameCheckpointsAndKeepsThem) {
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    const std::vector<RawSample> in = Series(seed, 100);
    XorEncoder whole;
    for (const RawSample& s : in) {
      whole.Append(s.t, std::bit_cast<double>(s.bits));
    }
    for (int n = 1; n <= static_cast<int>(in.size()); ++n) {
      XorEncoder prefix;
      for (int i = 0; i < n; ++i) {
        const RawSample& s = in[static_cast<size_t>(i)];
        prefix.Append(s.t, std::bit_cast<double>(s.bits));
      }
      XorEncoder resumed;
      ASSERT_TRUE(
          resumed.Resume(whole.bytes().data(), whole.bytes().size(), n));
      ExpectSameCheckpoints(resumed, prefix);
      for (size_t i = static_cast<size_t>(n); i < in.size(); ++i) {
        resumed.Append(in[i].t, std::bit_cast<double>(in[i].bits));
      }
      ExpectSameCheckpoints(resumed, whole);
    }
  }
}

TEST(XorCheckpointTest, ADecoderFromACheckpointPastTheBytesIsCorrupt) {
  XorCheckpoint cp;
  cp.bit_pos = 5;
  const uint8_t none[1] = {0};
  XorDecoder d(none, 0, 40, 16, cp);
  EXPECT_FALSE(d.Next());
  EXPECT_TRUE(d.corrupt());
  XorDecoder early(none, 1, 40, 1, cp);  // index 1 has no checkpoint
  EXPECT_FALSE(early.Next());
  EXPECT_TRUE(early.corrupt());
}

// Counts the reads that started from a checkpoint: [0] with the bytes
// from it in a chunk of their own, [1] kept in the view.
std::vector<RawSample> Read(MemSeries& s, uint64_t seq, int64_t mint,
                            int64_t maxt, int from_checkpoint[2]) {
  auto views = std::make_shared<ChunkViews>();
  {
    std::lock_guard<SeriesMutex> lock(s.mu());
    *views = s.Snapshot(seq, mint, maxt);
  }
  for (const ChunkView& v : *views) {
    if (v.from_index > 0) ++from_checkpoint[v.chunk == nullptr ? 1 : 0];
  }
  ChunkIterator it(views, mint, maxt);
  std::vector<RawSample> out;
  while (it.Next()) {
    out.push_back({it.At().t, std::bit_cast<uint64_t>(it.At().v)});
  }
  return out;
}

std::vector<RawSample> Within(const std::vector<RawSample>& in, size_t n,
                              int64_t mint, int64_t maxt) {
  std::vector<RawSample> out;
  for (size_t i = 0; i < n; ++i) {
    if (in[i].t >= mint && in[i].t <= maxt) out.push_back(in[i]);
  }
  return out;
}

TEST(XorCheckpointTest, ASnapshotFromAnyTimeReadsWhatAFullOneReads) {
  SymbolTable symbols;
  CommitTally counters;
  // Long chunks: the open one holds many checkpoints.
  ChunkOptions opts;
  opts.samples_per_chunk = 100;
  opts.chunk_range_ms = int64_t{1} << 50;
  const std::vector<RawSample> in = Series(9, 230);
  MemSeries s(1, Labels::FromVector({{"__name__", "m"}}), symbols);
  int from_checkpoint[2] = {0, 0};
  for (size_t n = 0; n < in.size(); ++n) {
    {
      std::lock_guard<SeriesMutex> lock(s.mu());
      ASSERT_EQ(s.Commit(in[n].t, std::bit_cast<double>(in[n].bits), n + 1, 0,
                         opts, counters),
                Verdict::kAppend);
    }
    // Reads starting at, just before and after every sample's time, seen at
    // this commit and at an older one (which must not see the newest).
    for (size_t from = 0; from <= n; ++from) {
      for (int64_t d : {-1, 0, 1}) {
        const int64_t mint = in[from].t + d;
        const int64_t maxt = std::numeric_limits<int64_t>::max();
        ASSERT_EQ(Read(s, n + 1, mint, maxt, from_checkpoint),
                  Within(in, n + 1, mint, maxt))
            << "n " << n << " from " << from << " d " << d;
        if (n > 0) {
          ASSERT_EQ(Read(s, n, mint, maxt, from_checkpoint),
                    Within(in, n, mint, maxt))
              << "older reader, n " << n << " from " << from;
        }
      }
    }
  }
  EXPECT_GT(from_checkpoint[0], 1000);
  EXPECT_GT(from_checkpoint[1], 100);
}

}  // namespace
}  // namespace vigil::tsdb
