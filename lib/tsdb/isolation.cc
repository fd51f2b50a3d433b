#include "lib/tsdb/isolation.h"

#include <algorithm>

namespace vigil::tsdb {

Isolation::Read Isolation::OpenRead(int64_t mint) {
  std::lock_guard<std::mutex> lock(mu_);
  Read r{next_read_id_++, published_};
  open_.emplace(r.id, OpenInfo{r.seq, mint});
  return r;
}

void Isolation::CloseRead(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  open_.erase(id);
}

uint64_t Isolation::NextCommit() const {
  std::lock_guard<std::mutex> lock(mu_);
  return published_ + 1;
}

void Isolation::Publish(uint64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  published_ = seq;
}

uint64_t Isolation::LowWatermark() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t low = published_;
  // Ids and seqs grow together, so the oldest read has the smallest seq.
  if (!open_.empty()) low = std::min(low, open_.begin()->second.seq);
  return low;
}

int64_t Isolation::MinOpenMint(int64_t otherwise) const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t low = otherwise;
  // Few reads are open at once (about one per running query): scan them.
  for (const auto& [id, info] : open_) low = std::min(low, info.mint);
  return low;
}

}  // namespace vigil::tsdb
