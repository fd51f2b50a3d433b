#include "lib/tsdb/chunk_iterator.h"

namespace vigil::tsdb {

ChunkIterator::ChunkIterator(std::shared_ptr<const ChunkViews> chunks,
                             int64_t mint, int64_t maxt)
    : chunks_(std::move(chunks)), mint_(mint), maxt_(maxt) {}

void ChunkIterator::OpenNextChunk() {
  const ChunkView& v = (*chunks_)[next_chunk_++];
  if (v.from_index > 0) {
    decoder_.emplace(v.data(), v.size(), v.num_samples, v.from_index, v.from);
  } else if (v.chunk->encoding() == ChunkEncoding::kFloatHistogram) {
    histogram_decoder_.emplace(v.chunk->data(), v.chunk->size(), v.num_samples);
  } else {
    decoder_.emplace(v.chunk->data(), v.chunk->size(), v.num_samples);
  }
}

bool ChunkIterator::DecodeNext() {
  if (decoder_) {
    if (decoder_->Next()) return true;
    decoder_.reset();
    return false;
  }
  if (histogram_decoder_->Next()) return true;
  histogram_decoder_.reset();
  return false;
}

HistogramPtr ChunkIterator::AtHistogram() const {
  if (!at_histogram_ || !histogram_decoder_) return nullptr;
  if (histogram_ == nullptr) {
    histogram_ =
        std::make_shared<const FloatHistogram>(histogram_decoder_->At());
  }
  return histogram_;
}

bool ChunkIterator::Next() {
  if (done_) return false;
  while (true) {
    if (!decoder_ && !histogram_decoder_) {
      if (next_chunk_ >= chunks_->size() ||
          (*chunks_)[next_chunk_].min_t > maxt_) {
        done_ = true;
        at_histogram_ = false;
        return false;
      }
      OpenNextChunk();
    }
    if (!DecodeNext()) continue;
    const int64_t t = decoder_ ? decoder_->t() : histogram_decoder_->t();
    if (t < mint_) continue;
    if (t > maxt_) {
      done_ = true;
      at_histogram_ = false;
      return false;
    }
    histogram_ = nullptr;
    if (decoder_) {
      current_ = {t, decoder_->v()};
      at_histogram_ = false;
    } else {
      current_ = {t, 0};
      at_histogram_ = true;
    }
    has_current_ = true;
    return true;
  }
}

bool ChunkIterator::Seek(int64_t t) {
  if (done_) return false;
  if (has_current_ && current_.t >= t) return true;
  if (t < mint_) t = mint_;
  // Chunks ending before t need no decoding at all.
  if ((decoder_ || histogram_decoder_) &&
      (*chunks_)[next_chunk_ - 1].max_t < t) {
    decoder_.reset();
    histogram_decoder_.reset();
  }
  if (!decoder_ && !histogram_decoder_) {
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
