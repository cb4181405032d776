#!/usr/bin/env bash
# The demo: moto's SQS server, the cloud simulator with its scripted agent, and the app,
# all on this machine. No Xima account is needed. Installs what is missing first.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"

ensure_rust
ensure_packages "${BUILD_PACKAGES[@]}" "${RUN_PACKAGES[@]}" x11-utils
ensure_python
say "building the app"
(cd "$ROOT" && cargo build --quiet --bin xima-chat)

# Keep the demo's keychain, config, window state, logs and chats away from the user's own.
DEMO_HOME="$(mktemp -d -t xima-chat-demo.XXXXXX)"
export XDG_DATA_HOME="$DEMO_HOME/data" XDG_CONFIG_HOME="$DEMO_HOME/config" XDG_STATE_HOME="$DEMO_HOME/state"
# Saved transcripts: the save dialog opens in this Downloads folder (the XDG user-dirs
# file is where the app and GTK look for it).
mkdir -p "$DEMO_HOME/Downloads" "$XDG_CONFIG_HOME"
printf 'XDG_DOWNLOAD_DIR="%s/Downloads"\n' "$DEMO_HOME" >"$XDG_CONFIG_HOME/user-dirs.dirs"
export XIMA_INSTALLATION_ID="demo-installation" XIMA_SKILLS="Support,Billing,Sales"

private_bus bash -c '
  set -euo pipefail
  source "'"$ROOT"'/tests/lib/setup.sh"
  start_keyring
  if [ -z "${DISPLAY:-}" ]; then
    start_xvfb 1280x800
    say "no display found: the app runs on the virtual display $DISPLAY"
  fi
  say "starting moto, the simulator (scripted agent) and the app; close the window to stop"
  # The simulator and moto run on this machine: the app is pointed at both (its own
  # defaults are the real cloud and AWS), and the demo key is stored for the simulator.
  # Billing has no agent ready: choosing it shows the availability line in the form.
  export XIMA_DATA_DIR="$XDG_DATA_HOME/chats"
  exec "$PYTHON" "$ROOT/tests/harness/services.py" --agent scripted \
    --agents-ready "Support=true,Billing=false,Sales=true" -- \
    bash -c "export XIMA_BASE_URL=\"\$XIMA_SIM_URL\"
             echo demo-api-key | \"$ROOT/target/debug/xima-chat\" api-key set >/dev/null
             exec \"$ROOT/target/debug/xima-chat\""
'
