#include "lib/tsdb/bit_stream.h"

namespace vigil::tsdb {

void BitWriter::WriteBits(uint64_t bits, int nbits) {
  if (nbits <= 0) return;
  if (nbits < 64) bits &= (uint64_t{1} << nbits) - 1;
  if (nbits <= free_bits_) {
    free_bits_ -= nbits;
    bytes_.back() |= static_cast<uint8_t>(bits << free_bits_);
    return;
  }
  // The rest of the last byte, then whole bytes, then a new partial one.
  if (free_bits_ > 0) {
    nbits -= free_bits_;
    bytes_.back() |= static_cast<uint8_t>(bits >> nbits);
    free_bits_ = 0;
  }
  while (nbits >= 8) {
    nbits -= 8;
    bytes_.push_back(static_cast<uint8_t>(bits >> nbits));
  }
  if (nbits > 0) {
    free_bits_ = 8 - nbits;
    bytes_.push_back(static_cast<uint8_t>(bits << free_bits_));
  }
}

void BitWriter::Resume(const uint8_t* bytes, size_t bit_length) {
  bytes_.assign(bytes, bytes + (bit_length + 7) / 8);
  free_bits_ = static_cast<int>(bytes_.size() * 8 - bit_length);
  // Writes OR bits in: whatever followed the cut must read as zeros.
  if (free_bits_ > 0) {
    bytes_.back() &= static_cast<uint8_t>(0xff << free_bits_);
  }
}

// Near the end of the data, or a read straddling nine bytes.
bool BitReader::ReadBitsSlow(int nbits, uint64_t* out) {
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
