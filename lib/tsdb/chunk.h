// Chunk: an immutable run of XOR-encoded samples shared between a series and
// its readers. Internal.
//
// A sealed chunk lives as long as its series keeps it or a reader still
// iterates it, hence reference counting. Header and bytes share one
// allocation and the count is intrusive: a std::shared_ptr to a struct with
// a std::vector cost two allocations and 16-byte pointers, some 60 bytes per
// chunk that a series of 120 samples (about 165 bytes encoded) should not
// pay.
//
// Thread safety: a Chunk is immutable; ChunkPtr copies may be made and
// dropped from any thread (the count is atomic), a single ChunkPtr object is
// not synchronised.
#ifndef VIGIL_LIB_TSDB_CHUNK_H_
#define VIGIL_LIB_TSDB_CHUNK_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

namespace vigil::tsdb {

class ChunkPtr;

// How a chunk's bytes are encoded: XOR floats (xor_chunk.h) or float
// histograms (histogram_chunk.h). A series switching between floats and
// histograms starts a new chunk.
enum class ChunkEncoding : uint8_t {
  kXor = 0,
  kFloatHistogram = 1,
};

class Chunk {
 public:
  // A chunk of `num_samples` samples spanning [min_t, max_t], encoded as
  // `bytes`.
  static ChunkPtr Make(int64_t min_t, int64_t max_t, int num_samples,
                       std::span<const uint8_t> bytes,
                       ChunkEncoding encoding = ChunkEncoding::kXor);

  int64_t min_t() const { return min_t_; }
  int64_t max_t() const { return max_t_; }
  int num_samples() const { return num_samples_; }
  ChunkEncoding encoding() const { return encoding_; }
  const uint8_t* data() const {
    return reinterpret_cast<const uint8_t*>(this + 1);
  }
  size_t size() const { return size_; }

 private:
  friend class ChunkPtr;
  Chunk(int64_t min_t, int64_t max_t, int num_samples, uint32_t size,
        ChunkEncoding encoding)
      : min_t_(min_t),
        max_t_(max_t),
        num_samples_(num_samples),
        size_(size),
        encoding_(encoding) {}

  const int64_t min_t_;
  const int64_t max_t_;
  const int num_samples_;
  const uint32_t size_;
  mutable std::atomic<uint32_t> refs_{1};
  // In what was padding: the header stays 32 bytes.
  const ChunkEncoding encoding_;
};

// Owns one reference to a Chunk; null when default-constructed.
class ChunkPtr {
 public:
  ChunkPtr() = default;
  ChunkPtr(std::nullptr_t) {}  // NOLINT: null, like std::shared_ptr
  ChunkPtr(const ChunkPtr& other) : c_(other.c_) { Acquire(); }
  ChunkPtr(ChunkPtr&& other) noexcept : c_(other.c_) { other.c_ = nullptr; }
  ChunkPtr& operator=(const ChunkPtr& other) {
    if (this != &other) {
      other.Acquire();
      Release();
      c_ = other.c_;
    }
    return *this;
  }
  ChunkPtr& operator=(ChunkPtr&& other) noexcept {
    if (this != &other) {
      Release();
      c_ = other.c_;
      other.c_ = nullptr;
    }
    return *this;
  }
  ~ChunkPtr() { Release(); }

  const Chunk* get() const { return c_; }
  const Chunk& operator*() const { return *c_; }
  const Chunk* operator->() const { return c_; }
  void reset() {
    Release();
    c_ = nullptr;
  }
  friend bool operator==(const ChunkPtr& p, std::nullptr_t) {
    return p.c_ == nullptr;
  }

 private:
  friend class Chunk;
  explicit ChunkPtr(Chunk* c) : c_(c) {}
  void Acquire() const;
  void Release();

  Chunk* c_ = nullptr;
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_CHUNK_H_
