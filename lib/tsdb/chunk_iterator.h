// Iterating the samples of a series' chunk views within [mint, maxt].
// Internal.
#ifndef VIGIL_LIB_TSDB_CHUNK_ITERATOR_H_
#define VIGIL_LIB_TSDB_CHUNK_ITERATOR_H_

#include <memory>
#include <optional>
#include <vector>

#include "lib/tsdb/histogram_chunk.h"
#include "lib/tsdb/mem_series.h"
#include "lib/tsdb/xor_chunk.h"
#include "vigil/storage.h"

namespace vigil::tsdb {

class ChunkIterator : public SampleIterator {
 public:
  // `chunks` are oldest first and do not overlap in time.
  ChunkIterator(std::shared_ptr<const ChunkViews> chunks, int64_t mint,
                int64_t maxt);

  // Skips whole chunks whose newest sample is before `t` without decoding
  // them; never moves backwards.
  bool Seek(int64_t t) override;
  bool Next() override;
  Sample At() const override { return current_; }
  HistogramPtr AtHistogram() const override;

 private:
  void OpenNextChunk();

  std::shared_ptr<const ChunkViews> chunks_;
  const int64_t mint_;
  const int64_t maxt_;
  size_t next_chunk_ = 0;  // decoder_, when engaged, reads next_chunk_ - 1
  // Advances whichever decoder is open; false at its chunk's end.
  bool DecodeNext();

  // At most one is engaged: the open chunk's.
  std::optional<XorDecoder> decoder_;
  std::optional<HistogramDecoder> histogram_decoder_;
  Sample current_;
  // Whether the current sample is a histogram, and it once asked for: a
  // Seek() passes many without building them.
  bool at_histogram_ = false;
  mutable HistogramPtr histogram_;
  bool has_current_ = false;
  bool done_ = false;
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_CHUNK_ITERATOR_H_
