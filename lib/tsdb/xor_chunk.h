// The XOR chunk: Gorilla compression of (timestamp, float) samples, after
// Prometheus's tsdb/chunkenc/xor.go. Internal.
//
// Timestamps: the first raw (zig-zag varint), the second as a delta, every
// later one as a delta-of-delta in a prefix-coded bucket (1, 16, 20, 24 or 68
// bits), so a regular scrape interval costs one bit per sample. Values: XOR
// with the previous value, storing only the meaningful bits and reusing the
// previous leading/trailing-zero window when the new bits fit in it. Values
// round-trip bit-exactly, so the staleness NaN stays a staleness NaN.
//
// The sample count is kept beside the bytes rather than in them, so that a
// reader can decode a prefix of a chunk that is still being written.
//
// The encoder of the open chunk records a checkpoint every
// kXorCheckpointEvery samples and keeps the newest kXorCheckpointsKept: its
// state between two samples, from which a decoder can start instead of at
// the first sample. An instant query reads the last few minutes of the
// open chunk (a 5m window: 10 or 20 samples), and decoding it from its
// start was some 15 % of such a query. Two kept, 48 bytes a series, cover
// any window of up to kXorCheckpointEvery samples; a longer one starts
// from an older checkpoint or the first sample.
#ifndef VIGIL_LIB_TSDB_XOR_CHUNK_H_
#define VIGIL_LIB_TSDB_XOR_CHUNK_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "lib/tsdb/bit_stream.h"
#include "lib/tsdb/gorilla.h"

namespace vigil::tsdb {

// The state between sample i - 1 and sample i of a chunk. 24 bytes: the
// open chunk of every series may hold a few. A state that does not fit
// (a delta beyond int32 milliseconds, a chunk past 64 Kib) is not recorded.
struct XorCheckpoint {
  int64_t t = 0;  // sample i - 1's time and value bits
  uint64_t v_bits = 0;
  int32_t t_delta = 0;   // its time minus sample i - 2's
  uint16_t bit_pos = 0;  // where sample i's bits start
  gorilla::XorWindow window;
};
// A sample index that is a multiple of this (and > 0) has a checkpoint.
inline constexpr int kXorCheckpointEvery = 16;
inline constexpr int kXorCheckpointsKept = 2;

class XorEncoder {
 public:
  // Samples must come in strictly increasing time order.
  void Append(int64_t t, double v);

  int num_samples() const { return num_samples_; }
  const std::vector<uint8_t>& bytes() const { return writer_.bytes(); }
  // The newest sample; meaningless while num_samples() is 0.
  int64_t last_t() const { return t_; }
  uint64_t last_v_bits() const { return v_bits_; }

  void PrefetchTail() const { writer_.PrefetchTail(); }

  // Checkpoint i is the state before sample (i + 1) * kXorCheckpointEvery.
  // Recorded so far: 0 .. num_checkpoints() - 1 (one that did not fit
  // ends the list); kept: the newest kXorCheckpointsKept of them.
  int num_checkpoints() const { return num_checkpoints_; }
  // Null when checkpoint i is not kept.
  const XorCheckpoint* checkpoint(int i) const {
    if (i < 0 || i >= num_checkpoints_ ||
        i < num_checkpoints_ - kXorCheckpointsKept) {
      return nullptr;
    }
    return &checkpoints_[i % kXorCheckpointsKept];
  }

  // Continues the chunk whose first `num_samples` (> 0) samples are encoded
  // in `data`, as if they had been appended here: decoding them restores
  // the encoder's state without encoding anything again. False (and this
  // encoder untouched) when `data` does not hold that many samples.
  bool Resume(const uint8_t* data, size_t size, int num_samples);

 private:
  void WriteValue(uint64_t bits);
  // Records the state before sample num_samples_, when it is due and fits.
  void MaybeCheckpoint();

  // Ordered to pack (112 bytes): every series has an encoder.
  BitWriter writer_;
  int64_t t_ = 0;
  int64_t t_delta_ = 0;
  uint64_t v_bits_ = 0;
  int num_samples_ = 0;
  gorilla::XorWindow window_;
  uint16_t num_checkpoints_ = 0;
  // Checkpoint i in slot i % kXorCheckpointsKept.
  XorCheckpoint checkpoints_[kXorCheckpointsKept];
};

class XorDecoder {
 public:
  // Decodes the first `num_samples` samples of `data`.
  XorDecoder(const uint8_t* data, size_t size, int num_samples)
      : reader_(data, size), remaining_(num_samples) {}
  // Decodes samples `index` (>= 2) to `num_samples` - 1 of a chunk from its
  // checkpoint `from`, the state before sample `index`; `data` starts at
  // the byte holding bit from.bit_pos of the chunk.
  XorDecoder(const uint8_t* data, size_t size, int num_samples, int index,
             const XorCheckpoint& from);

  // Advances; false at the end (or on a corrupt stream, see corrupt()).
  bool Next();
  int64_t t() const { return t_; }
  double v() const;
  uint64_t v_bits() const { return v_bits_; }
  bool corrupt() const { return corrupt_; }
  // Bits consumed so far, and the value window the last sample left (an
  // encoder resuming after it needs both).
  size_t position_bits() const { return reader_.position_bits(); }
  int64_t t_delta() const { return t_delta_; }
  gorilla::XorWindow window() const { return window_; }
  // The state after the last sample read, as a checkpoint for the next;
  // false when it does not fit one.
  bool Checkpoint(XorCheckpoint* out) const;

 private:
  bool ReadValue();

  BitReader reader_;
  int remaining_;
  int read_ = 0;
  bool corrupt_ = false;
  int64_t t_ = 0;
  int64_t t_delta_ = 0;
  uint64_t v_bits_ = 0;
  gorilla::XorWindow window_;
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_XOR_CHUNK_H_
