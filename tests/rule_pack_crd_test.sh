#!/usr/bin/env bash
# The PrometheusRule form of the security rule pack must be the plain rule
# file's groups, byte for byte, and pass the same unit tests: a copy of the
# test file whose rule_files names the PrometheusRule resource.
# Usage: rule_pack_crd_test.sh VIGIL RULES_DIR
set -euo pipefail
vigil=$1
dir=$(realpath "$2")
rules=$dir/kubernetes-security.rules.yaml
crd=$dir/kubernetes-security.prometheusrule.yaml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sed -n '/^groups:/,$p' "$rules" >"$work/plain.groups"
sed -n '/^  groups:/,$p' "$crd" | sed 's/^  //' >"$work/crd.groups"
if ! diff -u "$work/plain.groups" "$work/crd.groups"; then
  echo "FAIL: spec.groups of $crd differs from the groups of $rules" \
    "(regenerate it as its header says)" >&2
  exit 1
fi

sed "s|^  - kubernetes-security.rules.yaml\$|  - $crd|" \
  "$dir/kubernetes-security.test.yaml" >"$work/crd.test.yaml"
grep -qF -- "- $crd" "$work/crd.test.yaml" ||
  { echo "FAIL: rule_files of the test file not rewritten" >&2; exit 1; }
"$vigil" test rules "$work/crd.test.yaml"
