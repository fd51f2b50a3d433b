#!/usr/bin/env bash
# `vigil version`, /api/v1/status/buildinfo and the vigil_build_info metric
# tell the same build; in a git checkout its revision is the checkout's HEAD.
# Usage: build_info_test.sh VIGIL_BINARY SOURCE_DIR
set -eu  # no pipefail: `curl | grep -q` may SIGPIPE curl
vigil=$1
source_dir=$2
work=$(mktemp -d)
# shellcheck source=support/shell_helpers.sh
. "$(cd "$(dirname "$0")" && pwd)/support/shell_helpers.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$vigil" version >"$work/version.txt"
cat "$work/version.txt"

port=$(free_port)
: >"$work/vigil.yml"
"$vigil" run --config.file="$work/vigil.yml" \
  --web.listen-address="127.0.0.1:$port" >"$work/vigil.log" 2>&1 &
pids+=($!)
base="http://127.0.0.1:$port"
wait_http "$base/-/ready"
curl -fsS "$base/api/v1/status/buildinfo" >"$work/buildinfo.json"
cat "$work/buildinfo.json"; echo
curl -fsS "$base/metrics" >"$work/metrics.txt"

# In a checkout the revision must be a commit of it: HEAD in a fresh build
# (CI), or one of HEAD's ancestors when a developer committed since the
# last build. A tarball has none, and then only agreement is checked.
in_checkout=""
if top=$(git -C "$source_dir" rev-parse --show-toplevel 2>/dev/null) &&
  [ "$(cd "$top" && pwd -P)" = "$(cd "$source_dir" && pwd -P)" ]; then
  in_checkout=1
fi

python3 - "$work/version.txt" "$work/buildinfo.json" "$work/metrics.txt" \
  <<'PY' || fail "version, buildinfo and metric disagree"
import json, re, sys
text = open(sys.argv[1]).read()
info = json.load(open(sys.argv[2]))
metrics = open(sys.argv[3]).read()
assert info["status"] == "success", info
d = info["data"]
m = re.match(r"vigil, version (\S+) \(branch: (.*), revision: (.*)\)\n", text)
assert m, text
fields = dict(re.findall(r"^  ([a-z ]+):\s+(.*)$", text, re.M))
cli = {"version": m.group(1), "branch": m.group(2), "revision": m.group(3),
       "buildUser": fields["build user"], "buildDate": fields["build date"],
       "goVersion": fields["compiler"]}
assert cli == d, (cli, d)
for key in ("version", "revision", "branch", "buildDate", "goVersion"):
    assert d[key], f"empty {key}: {d}"
assert re.fullmatch(r"\d{8}-\d\d:\d\d:\d\d", d["buildDate"]), d["buildDate"]
open(sys.argv[1] + ".revision", "w").write(d["revision"])
line = 'vigil_build_info{version="%s"} 1' % d["version"]
assert line in metrics.splitlines(), f"no {line!r} in /metrics"
PY
if [ -n "$in_checkout" ]; then
  revision=$(cat "$work/version.txt.revision")
  git -C "$source_dir" merge-base --is-ancestor "$revision" HEAD ||
    fail "revision $revision is not HEAD ($(git -C "$source_dir" rev-parse HEAD)) or one of its ancestors"
fi
echo "build info: all checks passed"
