# The test run inside a private D-Bus session: keychain, display, then the suites.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$ROOT"

start_keyring
start_xvfb 1920x1080
trap 'kill "$XVFB_PID" 2>/dev/null || true' EXIT

status=0
say "Rust tests (moto + simulator)"
"$PYTHON" tests/harness/services.py -- cargo test --locked --workspace || status=1

say "end-to-end tests of the app window (tauri-driver + WebKitWebDriver)"
# A home of their own: the app's window state, default logs, Downloads and login
# entries land there, not in the home of whoever runs the tests.
E2E_HOME="$(mktemp -d)"
HOME="$E2E_HOME" XDG_CONFIG_HOME="$E2E_HOME/.config" XDG_STATE_HOME="$E2E_HOME/.local/state" \
  "$PYTHON" -m pytest tests/e2e -v -p no:cacheprovider || status=1

if [ "$status" -ne 0 ]; then say "some tests failed; logs and screenshots are in tests/artifacts"; fi
exit "$status"
