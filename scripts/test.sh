#!/usr/bin/env bash
# The whole test suite: installs what is missing, then builds and runs ctest
# twice — a normal build and an ASan+UBSan build — with short runs of the
# fuzzers between them, and the store's tests under ThreadSanitizer. CI
# runs exactly this.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

started=$SECONDS
# CI's limit is 30 minutes for all of this; each phase reports its share.
phase() { echo "== [$((SECONDS - started)) s] $*"; }

scripts/install-deps.sh

jobs=$(nproc)

phase "normal build (build/)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs"
phase "ctest (build/)"
ctest --test-dir build --output-on-failure -j "$jobs"

phase "fuzzing the parsers and loaders of untrusted input (build-fuzz/)"
# A fixed seed and count make the verdict a property of the tree, not of
# the machine's speed or luck; scripts/fuzz.sh SECONDS explores further.
# Counts keep each target near 25 s on CI's two cores.
scripts/fuzz.sh --runs 1000000 parser
scripts/fuzz.sh --runs 200000 textparse
scripts/fuzz.sh --runs 200000 protobufparse
scripts/fuzz.sh --runs 60000 rulefile
scripts/fuzz.sh --runs 150000 config
scripts/fuzz.sh --runs 70000 ruletest
scripts/fuzz.sh --runs 100000 template
scripts/fuzz.sh --runs 300000 apiparams

phase "ASan+UBSan build (build-asan/, clang)"
# clang, as for the fuzzers: it compiles the instrumented tree about three
# times faster than g++ (g++ alone took half of CI's 30 minutes here), and a
# second compiler's warnings come for free. Benchmarks add nothing under
# sanitizers; the install test checks packaging, which the normal build
# already covers.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVIGIL_SANITIZE=ON \
  -DCMAKE_CXX_COMPILER=clang++ -DVIGIL_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j "$jobs"
phase "ctest (build-asan/)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"
phase "ThreadSanitizer: the store's and remote write's tests (build-tsan/, clang)"
# The Head's appends, queries, GC and two-thread replay run concurrently on
# hand-made parts (a futex lock per series, intrusive chunk counts, the
# symbol table), large selections on two threads (lib/model/block_pool);
# remote write's shards, resharding and log follower are threads too; a
# batched replay runs range queries ahead on a second thread while its
# rules append (BatchTest). Only these suites, to keep CI's time.
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DVIGIL_SANITIZE_THREAD=ON -DCMAKE_CXX_COMPILER=clang++ \
  -DVIGIL_BUILD_BENCH=OFF -DVIGIL_BUILD_EXPORTER=OFF >/dev/null
cmake --build build-tsan -j "$jobs" --target tsdb_test block_pool_test \
  tsdb_engine_select_test remote_write_test remote_write_histogram_test \
  replay_test
TSAN_OPTIONS=halt_on_error=1 build-tsan/tests/tsdb_test --gtest_brief=1
TSAN_OPTIONS=halt_on_error=1 build-tsan/tests/block_pool_test --gtest_brief=1
TSAN_OPTIONS=halt_on_error=1 build-tsan/tests/tsdb_engine_select_test \
  --gtest_brief=1
TSAN_OPTIONS=halt_on_error=1 build-tsan/tests/remote_write_test --gtest_brief=1
TSAN_OPTIONS=halt_on_error=1 build-tsan/tests/remote_write_histogram_test \
  --gtest_brief=1
TSAN_OPTIONS=halt_on_error=1 build-tsan/tests/replay_test --gtest_brief=1 \
  --gtest_filter='BatchTest.*'
phase "done"
