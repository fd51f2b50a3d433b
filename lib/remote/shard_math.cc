// The resharding arithmetic; see shard_math.h.
#include "lib/remote/shard_math.h"

#include <algorithm>
#include <cmath>

namespace vigil::remote {
namespace {

// Prometheus: shards change only when the wish leaves current ± 30%.
constexpr double kShardToleranceFraction = 0.3;
// Prometheus: each interval, aim to clear a twentieth of the backlog.
constexpr double kBacklogCatchupFraction = 0.05;

}  // namespace

void EwmaRate::Tick() {
  const double instant = pending_ / interval_seconds_;
  pending_ = 0;
  if (init_) {
    rate_ += alpha_ * (instant - rate_);
  } else if (instant > 0) {
    init_ = true;
    rate_ = instant;
  }
}

int64_t DesiredShards(const ShardInputs& in, int64_t current, int64_t min,
                      int64_t max, double* desired) {
  if (desired != nullptr) *desired = static_cast<double>(current);
  if (in.samples_out_per_second <= 0) return current;
  const double kept_ratio =
      in.samples_out_per_second /
      (in.samples_dropped_per_second + in.samples_out_per_second);
  const double delay =
      std::max(0.0, in.highest_received_seconds - in.highest_sent_seconds);
  const double pending = delay * in.samples_in_per_second * kept_ratio;
  const double catchup = kBacklogCatchupFraction * pending;
  const double time_per_sample =
      in.send_seconds_per_second / in.samples_out_per_second;
  const double want =
      time_per_sample * (in.samples_in_per_second * kept_ratio + catchup);
  if (desired != nullptr) *desired = want;
  const double lower =
      static_cast<double>(current) * (1.0 - kShardToleranceFraction);
  const double upper =
      static_cast<double>(current) * (1.0 + kShardToleranceFraction);
  const double rounded = std::ceil(want);
  if (lower <= rounded && rounded <= upper) return current;
  return std::clamp(static_cast<int64_t>(rounded), min, max);
}

}  // namespace vigil::remote
