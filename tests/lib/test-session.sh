# The test run inside a private D-Bus session: keychain, display, then the suites.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$ROOT"

start_keyring
start_xvfb 1920x1080
trap 'kill "$XVFB_PID" 2>/dev/null || true' EXIT

status=0
say "Rust tests (moto + simulator), the fault soak beside them"
# The soak (ignored by a plain `cargo test`: it takes minutes) runs in a process of its
# own beside the other suites, against the same moto and simulator, and prints its
# table after them. Its own process: it measures its open files and memory.
soak_log="$ROOT/tests/artifacts/soak.log"
"$PYTHON" tests/harness/services.py -- bash -c '
  "$1" --ignored --nocapture >"$2" 2>&1 & soak=$!
  cargo test --locked --workspace; tests=$?
  wait "$soak"; soaked=$?
  cat "$2"
  [ "$tests" -eq 0 ] && [ "$soaked" -eq 0 ]' _ "$(test_binary soak)" "$soak_log" || status=1

say "screen capture on a Wayland desktop (headless sway, xdg-desktop-portal-wlr)"
# The core's portal capture, run by the session's unprivileged user (sway refuses root)
# from a copy of the test binary that user can read wherever this clone lives.
capture_test="$(test_binary integration)"
wayland_bin="$(mktemp -d)"
chmod 755 "$wayland_bin"
install -m 755 "$capture_test" "$wayland_bin/integration"
(cd "$wayland_bin" && bash "$ROOT/tests/wayland/session.sh" --size 800x600 --background '#00ff00' -- \
  env XIMA_WAYLAND_EXPECT='800x600 #00ff00' ./integration wayland_capture:: --ignored --test-threads=1) || status=1
rm -rf "$wayland_bin"

say "end-to-end tests of the app window (tauri-driver + WebKitWebDriver)"
# A home of their own: the app's window state, default logs, Downloads and login
# entries land there, not in the home of whoever runs the tests.
E2E_HOME="$(mktemp -d)"
HOME="$E2E_HOME" XDG_CONFIG_HOME="$E2E_HOME/.config" XDG_STATE_HOME="$E2E_HOME/.local/state" \
  "$PYTHON" -m pytest tests/e2e -v -p no:cacheprovider || status=1

if [ "$status" -ne 0 ]; then say "some tests failed; logs and screenshots are in tests/artifacts"; fi
exit "$status"
