#include "lib/tsdb/chunk.h"

#include <cstring>
#include <new>

namespace vigil::tsdb {

static_assert(sizeof(Chunk) == 32, "a chunk header per 120 samples");

ChunkPtr Chunk::Make(int64_t min_t, int64_t max_t, int num_samples,
                     std::span<const uint8_t> bytes, ChunkEncoding encoding) {
  void* mem = ::operator new(sizeof(Chunk) + bytes.size());
  Chunk* c = new (mem) Chunk(min_t, max_t, num_samples,
                             static_cast<uint32_t>(bytes.size()), encoding);
  if (!bytes.empty()) {
    std::memcpy(reinterpret_cast<uint8_t*>(c + 1), bytes.data(), bytes.size());
  }
  return ChunkPtr(c);
}

void ChunkPtr::Acquire() const {
  if (c_ != nullptr) c_->refs_.fetch_add(1, std::memory_order_relaxed);
}

void ChunkPtr::Release() {
  if (c_ == nullptr) return;
  // acq_rel: the last owner must see every other owner's reads finished
  // before it frees the bytes.
  if (c_->refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    c_->~Chunk();
    ::operator delete(c_);
  }
  c_ = nullptr;
}

}  // namespace vigil::tsdb
