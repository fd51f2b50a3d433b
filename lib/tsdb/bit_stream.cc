#include "lib/tsdb/bit_stream.h"

#include <algorithm>
#include <cstring>

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

// Near the end of the data, or a read straddling nine bytes. Not a loop
// over bytes: a snapshot of the open chunk copies only its bytes from a
// checkpoint on, a few dozen, and the last eight of every chunk come here.
bool BitReader::ReadBitsSlow(int nbits, uint64_t* out) {
  if (nbits < 0 || nbits > 64 ||
      pos_bits_ + static_cast<size_t>(nbits) > size_ * 8) {
    return false;
  }
  if (nbits == 0) {
    *out = 0;
    return true;
  }
  const size_t byte = pos_bits_ >> 3;
  const int offset = static_cast<int>(pos_bits_ & 7);
  uint8_t buf[8] = {};
  std::memcpy(buf, data_ + byte, std::min<size_t>(8, size_ - byte));
  uint64_t word;
  std::memcpy(&word, buf, sizeof(word));
  if constexpr (std::endian::native == std::endian::little) {
    word = __builtin_bswap64(word);
  }
  if (offset + nbits <= 64) {
    *out = (word << offset) >> (64 - nbits);
  } else {
    // The word's last 64 - offset bits, then the rest (< 8) from the ninth
    // byte, which the bounds check above guarantees.
    const int rest = offset + nbits - 64;
    const uint64_t high = (word << offset) >> offset;
    *out = (high << rest) | (data_[byte + 8] >> (8 - rest));
  }
  pos_bits_ += static_cast<size_t>(nbits);
  return true;
}

}  // namespace vigil::tsdb
