#include "lib/tsdb/xor_chunk.h"

#include <algorithm>
#include <bit>
#include <limits>

#include "lib/tsdb/gorilla.h"

namespace vigil::tsdb {
using gorilla::ReadDod;
using gorilla::ReadUvarint;
using gorilla::UnZigZag;
using gorilla::WriteDod;
using gorilla::WriteUvarint;
using gorilla::ZigZag;

namespace {

bool MakeCheckpoint(int64_t t, int64_t t_delta, uint64_t v_bits, size_t bit_pos,
                    gorilla::XorWindow window, XorCheckpoint* out) {
  if (t_delta < std::numeric_limits<int32_t>::min() ||
      t_delta > std::numeric_limits<int32_t>::max() ||
      bit_pos > std::numeric_limits<uint16_t>::max()) {
    return false;
  }
  out->t = t;
  out->v_bits = v_bits;
  out->t_delta = static_cast<int32_t>(t_delta);
  out->bit_pos = static_cast<uint16_t>(bit_pos);
  out->window = window;
  return true;
}

}  // namespace

void XorEncoder::MaybeCheckpoint() {
  // Indices are implicit: one missing (it did not fit) ends the list.
  const int have = num_checkpoints_;
  if (num_samples_ / kXorCheckpointEvery != have + 1 ||
      have == std::numeric_limits<uint16_t>::max()) {
    return;
  }
  XorCheckpoint cp;
  if (!MakeCheckpoint(t_, t_delta_, v_bits_, writer_.bit_length(), window_,
                      &cp)) {
    return;
  }
  checkpoints_[have % kXorCheckpointsKept] = cp;
  num_checkpoints_ = static_cast<uint16_t>(have + 1);
}

void XorEncoder::Append(int64_t t, double v) {
  const uint64_t bits = std::bit_cast<uint64_t>(v);
  if (num_samples_ > 0 && num_samples_ % kXorCheckpointEvery == 0) {
    MaybeCheckpoint();
  }
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
    WriteDod(writer_, dod);
    t_delta_ = delta;
    WriteValue(bits);
  }
  t_ = t;
  v_bits_ = bits;
  ++num_samples_;
}

void XorEncoder::WriteValue(uint64_t bits) {
  uint64_t prev = v_bits_;
  gorilla::WriteXor(writer_, bits, &prev, &window_);
}

bool XorEncoder::Resume(const uint8_t* data, size_t size, int num_samples) {
  if (num_samples <= 0) return false;
  XorDecoder d(data, size, num_samples);
  int decoded = 0;
  XorCheckpoint checkpoints[kXorCheckpointsKept];
  int recorded = 0;
  bool checkpointing = true;
  while (d.Next()) {
    ++decoded;
    if (checkpointing && decoded % kXorCheckpointEvery == 0 &&
        decoded < num_samples &&
        recorded < std::numeric_limits<uint16_t>::max()) {
      XorCheckpoint cp;
      checkpointing = d.Checkpoint(&cp);
      if (checkpointing) checkpoints[recorded++ % kXorCheckpointsKept] = cp;
    }
  }
  if (decoded != num_samples) return false;
  std::copy_n(checkpoints, kXorCheckpointsKept, checkpoints_);
  num_checkpoints_ = static_cast<uint16_t>(recorded);
  writer_.Resume(data, d.position_bits());
  t_ = d.t();
  t_delta_ = d.t_delta();
  v_bits_ = d.v_bits();
  num_samples_ = num_samples;
  window_ = d.window();
  return true;
}

XorDecoder::XorDecoder(const uint8_t* data, size_t size, int num_samples,
                       int index, const XorCheckpoint& from)
    : reader_(data, size),
      remaining_(num_samples),
      read_(index),
      t_(from.t),
      t_delta_(from.t_delta),
      v_bits_(from.v_bits),
      window_(from.window) {
  uint64_t skipped;
  if (index < 2 || !reader_.ReadBits(from.bit_pos % 8, &skipped)) {
    corrupt_ = true;
  }
}

bool XorDecoder::Checkpoint(XorCheckpoint* out) const {
  return read_ >= 2 && MakeCheckpoint(t_, t_delta_, v_bits_,
                                      reader_.position_bits(), window_, out);
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
    int64_t dod;
    if (!ReadDod(reader_, &dod)) {
      corrupt_ = true;
      return false;
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
  return gorilla::ReadXor(reader_, &v_bits_, &window_);
}

}  // namespace vigil::tsdb
