# The benchmark run inside a private D-Bus session: keychain, display, then bench.py.
set -euo pipefail
source "$(dirname "$0")/../lib/setup.sh"
cd "$ROOT"

# A home of their own, as for the end-to-end tests: the keyring, the app's window state,
# caches and every temporary file land there, not in the home of whoever runs this, and
# all of it goes when the run ends.
BENCH_HOME="$(mktemp -d)"
mkdir -p "$BENCH_HOME/tmp"
export XDG_DATA_HOME="$BENCH_HOME/.local/share"
start_keyring
start_xvfb 1280x800
trap 'kill "$XVFB_PID" 2>/dev/null || true; rm -rf "$BENCH_HOME"' EXIT

say "benchmarks (figures as the table below)"
HOME="$BENCH_HOME" XDG_CONFIG_HOME="$BENCH_HOME/.config" XDG_STATE_HOME="$BENCH_HOME/.local/state" \
  XDG_CACHE_HOME="$BENCH_HOME/.cache" TMPDIR="$BENCH_HOME/tmp" \
  "$PYTHON" tests/bench/bench.py --pipeline "$PIPELINE" "$@"
