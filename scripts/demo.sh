#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and runs vigil on its
# built-in demo (no config file) — the real exporter on targets it serves
# itself; needs nothing outside.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target vigil
exec build/exporter/vigil run "$@"
