// Bit-granular writer and reader for the XOR chunk encoding. Internal.
//
// Bits are written most significant first into a growing byte vector, as in
// Prometheus's tsdb/chunkenc/bstream.go. The reader never reads past the
// bytes it was given: a truncated stream makes reads fail instead.
#ifndef VIGIL_LIB_TSDB_BIT_STREAM_H_
#define VIGIL_LIB_TSDB_BIT_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vigil::tsdb {

class BitWriter {
 public:
  void WriteBit(bool bit);
  // The low `nbits` (0..64) of `bits`, most significant first.
  void WriteBits(uint64_t bits, int nbits);

  const std::vector<uint8_t>& bytes() const { return bytes_; }
  size_t size_bytes() const { return bytes_.size(); }

 private:
  std::vector<uint8_t> bytes_;
  int free_bits_ = 0;  // unwritten low bits of bytes_.back()
};

class BitReader {
 public:
  BitReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  // False when the stream is exhausted.
  bool ReadBit(bool* bit);
  bool ReadBits(int nbits, uint64_t* out);

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_bits_ = 0;
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_BIT_STREAM_H_
