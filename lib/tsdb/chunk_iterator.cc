#include "lib/tsdb/chunk_iterator.h"

namespace vigil::tsdb {

ChunkIterator::ChunkIterator(
    std::shared_ptr<const std::vector<ChunkView>> chunks, int64_t mint,
    int64_t maxt)
    : chunks_(std::move(chunks)), mint_(mint), maxt_(maxt) {}

void ChunkIterator::OpenNextChunk() {
  const ChunkView& v = (*chunks_)[next_chunk_++];
  decoder_.emplace(v.chunk->data(), v.chunk->size(), v.num_samples);
}

bool ChunkIterator::Next() {
  if (done_) return false;
  while (true) {
    if (!decoder_) {
      if (next_chunk_ >= chunks_->size() ||
          (*chunks_)[next_chunk_].min_t > maxt_) {
        done_ = true;
        return false;
      }
      OpenNextChunk();
    }
    if (!decoder_->Next()) {
      decoder_.reset();
      continue;
    }
    const int64_t t = decoder_->t();
    if (t < mint_) continue;
    if (t > maxt_) {
      done_ = true;
      return false;
    }
    current_ = {t, decoder_->v()};
    has_current_ = true;
    return true;
  }
}

bool ChunkIterator::Seek(int64_t t) {
  if (done_) return false;
  if (has_current_ && current_.t >= t) return true;
  if (t < mint_) t = mint_;
  // Chunks ending before t need no decoding at all.
  if (decoder_ && (*chunks_)[next_chunk_ - 1].max_t < t) decoder_.reset();
  if (!decoder_) {
    while (next_chunk_ < chunks_->size() && (*chunks_)[next_chunk_].max_t < t) {
      ++next_chunk_;
    }
  }
  while (Next()) {
    if (current_.t >= t) return true;
  }
  return false;
}

}  // namespace vigil::tsdb
