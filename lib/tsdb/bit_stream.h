// Bit-granular writer and reader for the XOR chunk encoding. Internal.
//
// Bits are written most significant first into a growing byte vector, as in
// Prometheus's tsdb/chunkenc/bstream.go. The reader never reads past the
// bytes it was given: a truncated stream makes reads fail instead.
#ifndef VIGIL_LIB_TSDB_BIT_STREAM_H_
#define VIGIL_LIB_TSDB_BIT_STREAM_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace vigil::tsdb {

class BitWriter {
 public:
  void WriteBit(bool bit) {
    if (free_bits_ == 0) {
      bytes_.push_back(0);
      free_bits_ = 8;
    }
    --free_bits_;
    bytes_.back() |=
        static_cast<uint8_t>(static_cast<unsigned>(bit) << free_bits_);
  }
  // The low `nbits` (0..64) of `bits`, most significant first.
  void WriteBits(uint64_t bits, int nbits);

  const std::vector<uint8_t>& bytes() const { return bytes_; }
  size_t size_bytes() const { return bytes_.size(); }
  size_t bit_length() const {
    return bytes_.size() * 8 - static_cast<size_t>(free_bits_);
  }
  void PrefetchTail() const {
    if (!bytes_.empty()) __builtin_prefetch(&bytes_.back(), 1);
  }

  // Continues a stream whose first `bit_length` bits are `bytes`' (later
  // bits, if any, are dropped). Requires bit_length <= bytes.size() * 8.
  void Resume(const uint8_t* bytes, size_t bit_length);

 private:
  std::vector<uint8_t> bytes_;
  int free_bits_ = 0;  // unwritten low bits of bytes_.back()
};

class BitReader {
 public:
  BitReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  // False when the stream is exhausted. Inline: decoding a chunk calls
  // these a few times per sample, and every query decodes chunks.
  bool ReadBit(bool* bit) {
    if (pos_bits_ >= size_ * 8) return false;
    *bit = (data_[pos_bits_ >> 3] >> (7 - (pos_bits_ & 7))) & 1;
    ++pos_bits_;
    return true;
  }
  // `nbits` in 0..64.
  bool ReadBits(int nbits, uint64_t* out) {
    const size_t byte = pos_bits_ >> 3;
    const int offset = static_cast<int>(pos_bits_ & 7);
    // Fast path: one unaligned 8-byte load holds all the bits.
    if (nbits > 0 && offset + nbits <= 64 && byte + 8 <= size_) {
      uint64_t word;
      std::memcpy(&word, data_ + byte, sizeof(word));
      if constexpr (std::endian::native == std::endian::little) {
        word = __builtin_bswap64(word);
      }
      *out = (word << offset) >> (64 - nbits);
      pos_bits_ += static_cast<size_t>(nbits);
      return true;
    }
    return ReadBitsSlow(nbits, out);
  }
  // Bits read so far.
  size_t position_bits() const { return pos_bits_; }

 private:
  bool ReadBitsSlow(int nbits, uint64_t* out);

  const uint8_t* data_;
  size_t size_;
  size_t pos_bits_ = 0;
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_BIT_STREAM_H_
