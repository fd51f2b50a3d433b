#include "lib/tsdb/bit_stream.h"

namespace vigil::tsdb {

void BitWriter::WriteBit(bool bit) {
  if (free_bits_ == 0) {
    bytes_.push_back(0);
    free_bits_ = 8;
  }
  --free_bits_;
  if (bit) bytes_.back() |= static_cast<uint8_t>(1u << free_bits_);
}

void BitWriter::WriteBits(uint64_t bits, int nbits) {
  while (nbits > 0) {
    if (free_bits_ == 0) {
      bytes_.push_back(0);
      free_bits_ = 8;
    }
    const int take = nbits < free_bits_ ? nbits : free_bits_;
    const uint64_t chunk = (bits >> (nbits - take)) & ((1ULL << take) - 1);
    free_bits_ -= take;
    bytes_.back() |= static_cast<uint8_t>(chunk << free_bits_);
    nbits -= take;
  }
}

bool BitReader::ReadBit(bool* bit) {
  if (pos_bits_ >= size_ * 8) return false;
  const uint8_t byte = data_[pos_bits_ >> 3];
  *bit = (byte >> (7 - (pos_bits_ & 7))) & 1;
  ++pos_bits_;
  return true;
}

bool BitReader::ReadBits(int nbits, uint64_t* out) {
  if (pos_bits_ + static_cast<size_t>(nbits) > size_ * 8) return false;
  uint64_t v = 0;
  while (nbits > 0) {
    const int offset = static_cast<int>(pos_bits_ & 7);
    const int avail = 8 - offset;
    const int take = nbits < avail ? nbits : avail;
    const uint8_t byte = data_[pos_bits_ >> 3];
    const uint64_t chunk = (byte >> (avail - take)) & ((1u << take) - 1);
    v = (v << take) | chunk;
    pos_bits_ += take;
    nbits -= take;
  }
  *out = v;
  return true;
}

}  // namespace vigil::tsdb
