#!/usr/bin/env bash
# Fuzzes the PromQL parser and printer (fuzz/parser_fuzz.cc). Builds
# build-fuzz/ with clang, libFuzzer, ASan and UBSan; seeds the corpus with
# every eval expression of ../shared/promqltest and every input that once
# failed (fuzz/regressions/parser/). Fails on any crash, sanitizer report or
# printer round-trip mismatch; the failing input is left in
# build-fuzz/artifacts/ — add it to fuzz/regressions/parser/ with the fix.
#
#   scripts/fuzz.sh            # explore for one minute
#   scripts/fuzz.sh 3600       # an hour; the corpus in build-fuzz/corpus
#                              # grows from run to run
#   scripts/fuzz.sh --runs N   # what CI runs: a fixed seed, a fresh corpus
#                              # and N inputs, so the same tree gives the
#                              # same verdict on every machine
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=60
runs=
if [[ ${1:-} == --runs ]]; then
  runs=${2:?--runs needs a count}
elif [[ -n ${1:-} ]]; then
  seconds=$1
fi
build=build-fuzz
shared=${VIGIL_SHARED_DIR:-$(pwd)/../shared}
# Long enough for any realistic expression, short enough to keep each run
# fast.
max_len=4096

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DVIGIL_BUILD_FUZZ=ON \
  -DVIGIL_BUILD_TESTS=OFF -DVIGIL_BUILD_BENCH=OFF -DVIGIL_BUILD_EXPORTER=OFF \
  >/dev/null
cmake --build "$build" -j "$(nproc)" --target parser_fuzz

seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
n=0
while IFS= read -r expr; do
  n=$((n + 1))
  printf '%s' "$expr" >"$seeds/eval-$n"
done < <(sed -nE \
  -e 's/^[[:space:]]*eval(_[a-z]+)?[[:space:]]+instant[[:space:]]+at[[:space:]]+[^[:space:]]+[[:space:]]+(.*[^[:space:]])[[:space:]]*$/\2/p' \
  -e 's/^[[:space:]]*eval(_[a-z]+)?[[:space:]]+range[[:space:]]+from[[:space:]]+[^[:space:]]+[[:space:]]+to[[:space:]]+[^[:space:]]+[[:space:]]+step[[:space:]]+[^[:space:]]+[[:space:]]+(.*[^[:space:]])[[:space:]]*$/\2/p' \
  "$shared"/promqltest/*.test)
cp fuzz/regressions/parser/* "$seeds/"

mkdir -p "$build/corpus" "$build/artifacts"
if [[ -n $runs ]]; then
  echo "parser_fuzz: $n seed expressions, $runs runs, seed 1"
  corpus="$seeds/corpus"
  mkdir "$corpus"
  limits=(-runs="$runs" -seed=1)
else
  echo "parser_fuzz: $n seed expressions, ${seconds}s"
  corpus="$build/corpus"
  limits=(-max_total_time="$seconds")
fi
# Quiet: libFuzzer logs a line per new input, which buries the verdict.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$build/fuzz/parser_fuzz" -max_len="$max_len" "${limits[@]}" \
  -timeout=10 -rss_limit_mb=2048 -reduce_inputs=0 -print_final_stats=1 \
  -artifact_prefix="$build/artifacts/" "$corpus" "$seeds" 2>"$build/fuzz.log" ||
  { tail -n 60 "$build/fuzz.log"; exit 1; }
tail -n 8 "$build/fuzz.log"
