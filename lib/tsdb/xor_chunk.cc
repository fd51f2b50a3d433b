#include "lib/tsdb/xor_chunk.h"

#include <bit>

#include "lib/tsdb/gorilla.h"

namespace vigil::tsdb {
using gorilla::ReadDod;
using gorilla::ReadUvarint;
using gorilla::UnZigZag;
using gorilla::WriteDod;
using gorilla::WriteUvarint;
using gorilla::ZigZag;

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
  while (d.Next()) ++decoded;
  if (decoded != num_samples) return false;
  writer_.Resume(data, d.position_bits());
  t_ = d.t();
  t_delta_ = d.t_delta();
  v_bits_ = d.v_bits();
  num_samples_ = num_samples;
  window_ = d.window();
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
