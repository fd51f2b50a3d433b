#!/bin/sh
# Runs every *.test.yml fixture here through promtool and vigil and checks
# that both give the same exit status (0 pass, 1 fail). The fixtures avoid
# what differs between promtool 2.x and Prometheus 3.x; native_histograms/
# holds 3.x-only ones (Debian's promtool 2.42 has no histogram notation in
# unit tests), which this leaves out.
# usage: compare_promtool.sh VIGIL PROMTOOL
set -u
vigil=$1
promtool=$2
dir=$(dirname "$0")
status=0
for f in "$dir"/*.test.yml; do
  "$promtool" test rules "$f" >/dev/null 2>&1
  want=$?
  "$vigil" test rules "$f" >/dev/null 2>&1
  got=$?
  if [ "$want" -ne "$got" ]; then
    echo "MISMATCH $f: promtool exit $want, vigil exit $got"
    status=1
  else
    echo "ok $f: exit $got"
  fi
done
exit $status
