#!/usr/bin/env bash
# Installs every Debian package that vigil's build, tests and benchmarks need.
# Idempotent: when everything is present it only asks dpkg and exits in seconds.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git clang clang-format curl
  libclang-rt-14-dev
  prometheus-cpp-dev libcivetweb-dev libabsl-dev libre2-dev
  libcurl4-openssl-dev libssl-dev libcrypt-dev libyaml-cpp-dev
  nlohmann-json3-dev zlib1g-dev libzstd-dev
  # The vigil binary's malloc (VIGIL_JEMALLOC; docs/query_performance.md).
  libjemalloc-dev
  # Remote write: protobuf WriteRequests (protoc at build time), snappy bodies.
  libprotobuf-dev protobuf-compiler libsnappy-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # Real peers the integration tests start.
  prometheus prometheus-alertmanager
  # The shell tests' helpers: free ports, JSON checks, a fake Kubernetes API,
  # bcrypt hashes (python3's crypt) and certificates (openssl).
  python3 openssl
  # The web UI's browser test (tests/web_ui_browser_test.py): headless
  # Chromium driven through chromedriver by Selenium's Python bindings.
  chromium chromium-driver python3-selenium
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
# --no-install-recommends keeps the peers from pulling in desktop bits; the
# prometheus package must not start a system service that squats port 9090.
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
