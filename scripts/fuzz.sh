#!/usr/bin/env bash
# Fuzzes the PromQL parser and printer (fuzz/parser_fuzz.cc) for SECONDS
# (default 60). Builds build-fuzz/ with clang, libFuzzer, ASan and UBSan;
# seeds the corpus with every eval expression of ../shared/promqltest.
# Fails on any crash, sanitizer report or printer round-trip mismatch; the
# failing input is left in build-fuzz/artifacts/.
#
#   scripts/fuzz.sh            # one minute
#   scripts/fuzz.sh 3600       # an hour; the corpus in build-fuzz/corpus
#                              # grows from run to run
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=${1:-60}
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
echo "parser_fuzz: $n seed expressions, ${seconds}s"

mkdir -p "$build/corpus" "$build/artifacts"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$build/fuzz/parser_fuzz" -max_len="$max_len" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$build/artifacts/" \
  "$build/corpus" "$seeds"
