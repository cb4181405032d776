#!/usr/bin/env bash
# tauri-driver on a tests/wayland/session.sh desktop, for tests/e2e/test_wayland.py: the
# apps it starts are Wayland clients of the session's sway, and find their API key in
# the session user's own keychain.
#
#   bash tauri-driver.sh DIR INSTALLATION_ID BASE_URL PORT NATIVE_PORT <<<API_KEY
#
# DIR holds copies of xima-chat and tauri-driver the session user can run. The API key
# (standard input's first line) is stored for INSTALLATION_ID at BASE_URL before the
# driver starts. DIR/desktop then says where the test, outside the session, reaches
# sway: the driver's process id and sway's socket as the session sees it (the session's
# /tmp is private; /proc/PID/root shows it to root).
set -euo pipefail
dir="$1" installation="$2" base_url="$3" port="$4" native_port="$5"
IFS= read -r api_key

# The session bus has already started a locked GNOME Keyring for the portals; an
# unlocked one replaces it, keeping its files in the session's throwaway data home.
mkdir -p "$XDG_DATA_HOME"
eval "$(printf 'xima-wayland-keyring' |
  gnome-keyring-daemon --replace --unlock --components=secrets --daemonize 2>/dev/null)"
export GNOME_KEYRING_CONTROL
printf '%s\n' "$api_key" | "$dir/xima-chat" --installation-id "$installation" --base-url "$base_url" api-key set

printf '%s %s\n' "$$" "$SWAYSOCK" >"$dir/desktop.new"
mv "$dir/desktop.new" "$dir/desktop"
# GTK would pick Wayland anyway; the test is about Wayland, so no fallback to XWayland.
exec env GDK_BACKEND=wayland XIMA_LOG=debug "$dir/tauri-driver" --port "$port" --native-port "$native_port"
