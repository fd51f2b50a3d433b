#!/usr/bin/env bash
# Fuzzes vigil's parsers of untrusted input with libFuzzer, ASan and UBSan
# (build-fuzz/, clang):
#   parser     the PromQL parser and printer round trip (fuzz/parser_fuzz.cc),
#              seeded with every eval expression of ../shared/promqltest;
#   textparse  the exposition parsers (fuzz/textparse_fuzz.cc), seeded with
#              ../shared/testdata/textparse and the kube-state-metrics
#              fixture;
#   protobufparse  the protobuf exposition parser
#              (fuzz/protobufparse_fuzz.cc), seeded with fuzz/seeds/protobufparse
#              (payloads of tests/support/proto_payload.h);
#   rulefile   the rule-file loader, rule files and PrometheusRule resources
#              (fuzz/rulefile_fuzz.cc), seeded with the YAML files of
#              ../shared/testdata/promtool and deploy/rules and with
#              fuzz/seeds/rulefile;
#   config     the configuration file loader, exporter/config.cc compiled in
#              (fuzz/config_fuzz.cc), seeded with the configs of
#              ../shared/testdata/promtool and fuzz/seeds/config;
#   ruletest   promtool-format rule unit-test files (fuzz/ruletest_fuzz.cc),
#              seeded with the test files of ../shared/testdata/promtool,
#              tests/ruletest and deploy/rules;
#   template   alert templates, parsed and executed with `query` answered
#              over a small store (fuzz/template_fuzz.cc), seeded with the
#              templates of deploy/rules and ../shared/testdata/promtool
#              and fuzz/seeds/template;
#   apiparams  the HTTP API's parameter parsing: forms, times, durations,
#              limits, match[] (fuzz/apiparams_fuzz.cc), seeded with
#              fuzz/seeds/apiparams.
# Every input that once failed is kept in fuzz/regressions/<target>/ and
# replayed first. Fails on any crash, sanitizer report or broken invariant;
# the failing input is left in build-fuzz/artifacts/ — add it to
# fuzz/regressions/<target>/ with the fix.
#
#   scripts/fuzz.sh                   # explore each target for one minute
#   scripts/fuzz.sh 3600 [TARGET]     # an hour; build-fuzz/corpus/<target>
#                                     # grows from run to run
#   scripts/fuzz.sh --runs N [TARGET] # what CI runs: a fixed seed, a fresh
#                                     # corpus and N inputs per target, so
#                                     # the same tree gives the same verdict
#                                     # on every machine
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=60
runs=
if [[ ${1:-} == --runs ]]; then
  runs=${2:?--runs needs a count}
  shift 2
elif [[ ${1:-} =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] ||
  targets=(parser textparse protobufparse rulefile config ruletest template
    apiparams)

build=build-fuzz
shared=${VIGIL_SHARED_DIR:-$(pwd)/../shared}

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DVIGIL_BUILD_FUZZ=ON \
  -DVIGIL_BUILD_TESTS=OFF -DVIGIL_BUILD_BENCH=OFF -DVIGIL_BUILD_EXPORTER=OFF \
  >/dev/null
cmake --build "$build" -j "$(nproc)" \
  --target "${targets[@]/%/_fuzz}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Seeds for each target in $work/<target>/seeds.
seed_parser() {
  local dir=$1 n=0 expr
  while IFS= read -r expr; do
    n=$((n + 1))
    printf '%s' "$expr" >"$dir/eval-$n"
  done < <(sed -nE \
    -e 's/^[[:space:]]*eval(_[a-z]+)?[[:space:]]+instant[[:space:]]+at[[:space:]]+[^[:space:]]+[[:space:]]+(.*[^[:space:]])[[:space:]]*$/\2/p' \
    -e 's/^[[:space:]]*eval(_[a-z]+)?[[:space:]]+range[[:space:]]+from[[:space:]]+[^[:space:]]+[[:space:]]+to[[:space:]]+[^[:space:]]+[[:space:]]+step[[:space:]]+[^[:space:]]+[[:space:]]+(.*[^[:space:]])[[:space:]]*$/\2/p' \
    "$shared"/promqltest/*.test)
}
seed_textparse() {
  # The first byte picks the format: '0' (even) text, '1' (odd) OpenMetrics.
  local dir=$1 f n=0
  for f in "$shared"/testdata/textparse/* "$shared"/testdata/ksm/*.prom; do
    n=$((n + 1))
    # Long files are cut: libFuzzer mutates short inputs far faster.
    { printf '0'; head -c 3000 "$f"; } >"$dir/text-$n"
    { printf '1'; head -c 3000 "$f"; } >"$dir/om-$n"
  done
}
seed_protobufparse() {
  cp fuzz/seeds/protobufparse/* "$1/"
}
seed_rulefile() {
  local dir=$1 f n=0
  for f in "$shared"/testdata/promtool/*.y*ml deploy/rules/*.y*ml \
    fuzz/seeds/rulefile/*; do
    n=$((n + 1))
    head -c 8192 "$f" >"$dir/file-$n"
  done
}
seed_config() {
  local dir=$1 f n=0
  for f in $(grep -lE '^(global|scrape_configs|rule_files|alerting):' \
    "$shared"/testdata/promtool/*.yml) fuzz/seeds/config/*; do
    n=$((n + 1))
    head -c 8192 "$f" >"$dir/file-$n"
  done
}
seed_ruletest() {
  local dir=$1 f n=0
  for f in $(grep -lE '^tests:' "$shared"/testdata/promtool/*.yml \
    tests/ruletest/*.yml deploy/rules/*.test.yaml); do
    n=$((n + 1))
    head -c 8192 "$f" >"$dir/file-$n"
  done
}
seed_template() {
  # Every line of the shipped and promtool rule files that holds a template,
  # as the label or annotation value it is, and fuzz/seeds/template.
  local dir=$1 f n=0 line
  while IFS= read -r line; do
    n=$((n + 1))
    printf '%s' "$line" >"$dir/line-$n"
  done < <(grep -h '{{' deploy/rules/*.y*ml "$shared"/testdata/promtool/*.yml |
    sed -E 's/^[[:space:]]*[A-Za-z_]+:[[:space:]]*//; s/^"(.*)"$/\1/' |
    sort -u)
  for f in fuzz/seeds/template/*; do
    n=$((n + 1))
    cp "$f" "$dir/file-$n"
  done
}
seed_apiparams() {
  cp fuzz/seeds/apiparams/* "$1/"
}
# Longest input per target: any realistic expression; a few exposition
# entries past the fuzz target's 512-byte entry limit; a rule, config or
# unit-test file of a few groups, jobs or tests, enough for anchors and
# aliases to multiply; a template or a request's parameters well past any
# real one.
declare -A max_len=([parser]=4096 [textparse]=8192 [protobufparse]=8192
  [rulefile]=8192
  [config]=8192 [ruletest]=8192 [template]=4096 [apiparams]=4096)

for target in "${targets[@]}"; do
  seeds="$work/$target/seeds"
  mkdir -p "$seeds"
  "seed_$target" "$seeds"
  if [[ -d fuzz/regressions/$target ]]; then
    cp fuzz/regressions/"$target"/* "$seeds/"
  fi
  mkdir -p "$build/artifacts"
  launch=()
  if [[ -n $runs ]]; then
    echo "${target}_fuzz: $(ls "$seeds" | wc -l) seeds, $runs runs, seed 1"
    corpus="$work/$target/corpus"
    limits=(-runs="$runs" -seed=1)
    # Comparisons the fuzzer traces include heap addresses: without address
    # randomisation a fixed seed replays the same inputs.
    if setarch "$(uname -m)" -R true 2>/dev/null; then
      launch=(setarch "$(uname -m)" -R)
    fi
  else
    echo "${target}_fuzz: $(ls "$seeds" | wc -l) seeds, ${seconds}s"
    corpus="$build/corpus/$target"
    limits=(-max_total_time="$seconds")
  fi
  mkdir -p "$corpus"
  log="$build/$target.log"
  # libFuzzer logs a line per new input; only the verdict is shown.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "${launch[@]}" "$build/fuzz/${target}_fuzz" -max_len="${max_len[$target]}" \
    "${limits[@]}" -timeout=10 -rss_limit_mb=2048 -reduce_inputs=0 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/" \
    "$corpus" "$seeds" 2>"$log" || { tail -n 60 "$log"; exit 1; }
  grep -E '^(Done|stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb))' "$log"
done
