// How many shards a queue wants, as Prometheus's QueueManager computes it
// (storage/remote/queue_manager.go, calculateDesiredShards): the time one
// sample takes to send, times the rate samples come in plus a twentieth of
// the backlog each interval, with a ±30% band in which nothing changes.
// Internal to vigil_remote; pure, so tests drive it with figures.
#ifndef VIGIL_LIB_REMOTE_SHARD_MATH_H_
#define VIGIL_LIB_REMOTE_SHARD_MATH_H_

#include <cstdint>

namespace vigil::remote {

// An exponentially weighted rate, ticked once per resharding interval
// (Prometheus's ewmaRate, alpha 0.2).
class EwmaRate {
 public:
  explicit EwmaRate(double interval_seconds, double alpha = 0.2)
      : interval_seconds_(interval_seconds), alpha_(alpha) {}
  void Add(double v) { pending_ += v; }
  // Folds what was added since the last tick into the rate.
  void Tick();
  double rate() const { return rate_; }

 private:
  double interval_seconds_;
  double alpha_;
  double pending_ = 0;
  double rate_ = 0;
  bool init_ = false;
};

struct ShardInputs {
  double samples_in_per_second = 0;   // appended and kept by relabeling
  double samples_out_per_second = 0;  // sent
  double samples_dropped_per_second = 0;
  double send_seconds_per_second = 0;  // time spent sending, per second
  double highest_received_seconds = 0;
  double highest_sent_seconds = 0;
};

// The shard count to run next, given `current`, clamped to [min, max];
// `desired` (optional) gets the unrounded figure for the shards_desired
// gauge.
int64_t DesiredShards(const ShardInputs& in, int64_t current, int64_t min,
                      int64_t max, double* desired = nullptr);

}  // namespace vigil::remote

#endif  // VIGIL_LIB_REMOTE_SHARD_MATH_H_
