#!/usr/bin/env bash
# The benchmarks (docs/benchmarks.md): release build, then moto, the simulator, Xvfb
# and a keyring of their own, and a table of figures against their targets. Not part of
# tests/run.sh: it takes a few minutes and its figures depend on the machine.
set -euo pipefail
source "$(dirname "$0")/../lib/setup.sh"

ensure_rust
ensure_packages "${BUILD_PACKAGES[@]}" "${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
ensure_python
ensure_tauri_driver

cd "$ROOT"
say "building (release)"
# cargo's progress goes to the terminal; its JSON names the core's bench binary.
PIPELINE="$(cargo build --release --locked --workspace --all-targets --message-format=json-render-diagnostics \
  | "$PYTHON" -c 'import json, sys
for line in sys.stdin:
    built = json.loads(line)
    if built.get("reason") == "compiler-artifact" and built["target"]["name"] == "pipeline" and built["executable"]:
        print(built["executable"])' | tail -n 1)"
[ -x "$PIPELINE" ] || { echo "the pipeline bench binary was not built" >&2; exit 1; }
export PIPELINE
mkdir -p tests/artifacts/bench

private_bus bash "$ROOT/tests/bench/session.sh" "$@"
