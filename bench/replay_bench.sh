#!/usr/bin/env bash
# Replay speed and memory: the shipped rule pack over a recorded cluster
# (bench/replay_data.py), each group at its own interval, as `vigil replay`
# runs it from local files. Prints wall time, peak RSS and how many times
# faster than real time the replay ran.
#
# usage: bench/replay_bench.sh VIGIL PODS HOURS [STEP_SECONDS] [WORKDIR]
# Extra `vigil replay` flags come from REPLAY_FLAGS, e.g.
# REPLAY_FLAGS="--window 0s" for one instant query per evaluation.
# DATA=dir replays the same cluster from a vigil storage directory
# (bench/replay_storage_data, built beside VIGIL: a snapshot plus
# LOG_HOURS, default 1, of write-ahead log after it) instead of
# OpenMetrics files. The data is generated once per WORKDIR: pass one and
# generate outside the measured run (a first run without the lock).
set -euo pipefail
vigil=$1 pods=$2 hours=$3 step=${4:-30} work=${5:-$(mktemp -d)}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rules=$here/../deploy/rules/kubernetes-security.rules.yaml

args=()
if [ "${DATA:-files}" = dir ]; then
  log_hours=${LOG_HOURS:-1}
  data_dir=$work/storage-$pods-$hours-$step-$log_hours
  if [ ! -f "$data_dir.done" ]; then
    rm -rf "$data_dir"
    "$(dirname "$vigil")/../bench/replay_storage_data" \
      "$pods" "$hours" "$step" "$data_dir" "$log_hours"
    touch "$data_dir.done"
  fi
  args+=(--data "$data_dir")
else
  data_dir=$work/data-$pods-$hours-$step
  if [ ! -f "$data_dir/done" ]; then
    rm -rf "$data_dir"
    "$here/replay_data.py" "$pods" "$hours" "$step" "$data_dir" > "$data_dir.list"
    touch "$data_dir/done"
  fi
  for f in $(cat "$data_dir.list"); do args+=(--data "$f"); done
fi

/usr/bin/time -f '%e %U %S %M' -o "$work/time" \
  "$vigil" replay --rules "$rules" "${args[@]}" --no-timeline \
  ${REPLAY_FLAGS:-} > "$work/report.txt"
read -r wall user sys rss_kb < "$work/time"
sed -n '1p' "$work/report.txt"
# On a shared machine wall time includes waiting for a core: CPU time (user
# + sys, one thread) is the figure that does not.
awk -v w="$wall" -v u="$user" -v s="$sys" -v kb="$rss_kb" -v h="$hours" \
    -v p="$pods" 'BEGIN {
  printf "pods=%d range=%gh wall=%.2fs cpu=%.2fs peak_rss=%.0fMiB " \
         "speedup_wall=%.0fx speedup_cpu=%.0fx\n",
         p, h, w, u + s, kb / 1024, h * 3600 / w, h * 3600 / (u + s) }'
