#!/usr/bin/env bash
# A real, headless Wayland desktop for one command: sway (headless backend, pixman
# renderer) with XWayland, PipeWire, xdg-desktop-portal and its wlr (Screenshot) and gtk
# (Access, by fallback) backends, in a D-Bus session of its own.
#
#   bash tests/wayland/session.sh [--size WxH] [--background '#rrggbb'] [--user NAME]
#                                 [--sway-config LINE]... [--expose DIR]... [--out DIR]
#                                 [--keep] [--debug] -- COMMAND [ARG]...
#
# Installs the Debian packages it needs when missing, then runs COMMAND inside the
# session and exits with COMMAND's status (125 if the desktop itself did not come up).
# Each --sway-config LINE is appended to sway's config, e.g. a `for_window` rule that
# floats a window so that it no longer covers the whole output.
#
# sway 1.7 refuses to run as root, so when started as root the whole session - and
# COMMAND - runs as an unprivileged user (default xima-wayland, created once, no home,
# no login shell). Started by anyone else, it runs as that user.
#
# COMMAND sees: WAYLAND_DISPLAY, DISPLAY (XWayland, started on the first X client),
# SWAYSOCK, DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR (fresh, 0700), XDG_CURRENT_DESKTOP=sway,
# XDG_SESSION_TYPE=wayland, a throwaway HOME and XDG_* homes, TMPDIR, PATH=/usr/local/bin:
# /usr/bin:/bin (root's own PATH, venv and pyenv are out of the user's reach), and
# XIMA_WAYLAND_OUT, a folder whose files are copied to --out DIR when the session ends.
# It starts in the caller's working directory, which must be readable by the user.
#
# Everything lives in one mktemp folder, removed at the end (--keep leaves it, with the
# logs of sway and the portals). As root the session gets a private /tmp inside that
# folder (its own mount namespace): xdg-desktop-portal-wlr 0.7 always writes captures to
# the fixed /tmp/out.png, and XWayland its /tmp/.X11-unix socket and lock; that way
# neither touches the real /tmp and two sessions never share a capture file. The working
# directory, the repository and every --expose DIR stay visible at their own paths
# even when they live under the real /tmp; nothing else of it does.
#
# Only local traffic: the session bus, PipeWire and Wayland use Unix sockets.
set -euo pipefail

SESSION_USER=xima-wayland
SIZE=800x600
BACKGROUND='#000000'
OUT_DIR=
KEEP=0
DEBUG=0
EXPOSE=()
SWAY_CONFIG=()
STAGE=main
# The packages of the desktop.
WAYLAND_PACKAGES=(sway grim xwayland pipewire xdg-desktop-portal xdg-desktop-portal-wlr
  xdg-desktop-portal-gtk dbus-daemon dbus-bin)
PORTAL_LIBEXEC=/usr/libexec

usage() { sed -n '2,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --size) SIZE="$2"; shift 2 ;;
    --background) BACKGROUND="$2"; shift 2 ;;
    --user) SESSION_USER="$2"; shift 2 ;;
    --expose) EXPOSE+=("$2"); shift 2 ;;
    --sway-config) SWAY_CONFIG+=("$2"); shift 2 ;;
    --out) OUT_DIR="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --debug) DEBUG=1; shift ;;
    --stage) STAGE="$2"; shift 2 ;;  # internal
    --) shift; break ;;
    -h|--help) usage ;;
    *) echo "session.sh: unknown option $1" >&2; usage ;;
  esac
done

log() { printf '\033[1m==> [wayland] %s\033[0m\n' "$*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Waits up to $1 tenths of a second for the command after it to succeed.
wait_for() {
  local tries="$1"; shift
  for _ in $(seq "$tries"); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# A child that has exited stays a zombie (state Z) until waited for.
exited() { [ ! -e "/proc/$1" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

has_bus_name() {
  dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q true
}

# --- stage "startup": run by sway's config `exec`, so it has WAYLAND_DISPLAY etc. ------
# Starts PipeWire, the wlr backend and the portal, in that order and each ready before
# the next, then hands the display variables to the "desktop" stage in session.env.
if [ "$STAGE" = startup ]; then
  base="$XIMA_WAYLAND_BASE"
  exec >>"$base/log/startup.log" 2>&1
  fail() { echo "$*"; : >"$base/session/startup-failed"; exit 1; }
  # D-Bus-activated services (xdg-desktop-portal-gtk, the document portal) need the display.
  dbus-update-activation-environment WAYLAND_DISPLAY DISPLAY SWAYSOCK XDG_CURRENT_DESKTOP \
    XDG_SESSION_TYPE XDG_RUNTIME_DIR || fail "dbus-update-activation-environment failed"
  echo "display: WAYLAND_DISPLAY=$WAYLAND_DISPLAY DISPLAY=${DISPLAY:-}"
  pipewire >"$base/log/pipewire.log" 2>&1 &
  echo $! >>"$base/session/pids"
  wait_for 100 test -S "$XDG_RUNTIME_DIR/pipewire-0" || fail "pipewire did not start"
  echo "pipewire up"
  # xdg-desktop-portal-wlr connects to PipeWire at start and picks its backend for sway.
  wlr_level=INFO
  [ "${XIMA_WAYLAND_DEBUG:-0}" = 0 ] || wlr_level=DEBUG
  "$PORTAL_LIBEXEC/xdg-desktop-portal-wlr" --loglevel="$wlr_level" >"$base/log/portal-wlr.log" 2>&1 &
  echo $! >>"$base/session/pids"
  wait_for 100 has_bus_name org.freedesktop.impl.portal.desktop.wlr ||
    fail "xdg-desktop-portal-wlr did not start"
  echo "xdg-desktop-portal-wlr up"
  "$PORTAL_LIBEXEC/xdg-desktop-portal" -r -v >"$base/log/portal.log" 2>&1 &
  echo $! >>"$base/session/pids"
  wait_for 100 has_bus_name org.freedesktop.portal.Desktop || fail "xdg-desktop-portal did not start"
  echo "xdg-desktop-portal up"
  {
    printf 'export WAYLAND_DISPLAY=%q SWAYSOCK=%q I3SOCK=%q\n' \
      "$WAYLAND_DISPLAY" "$SWAYSOCK" "${I3SOCK:-$SWAYSOCK}"
    if [ -n "${DISPLAY:-}" ]; then printf 'export DISPLAY=%q\n' "$DISPLAY"; fi
  } >"$base/session/session.env.new"
  mv "$base/session/session.env.new" "$base/session/session.env"
  exit 0
fi

# --- stage "bus": as the session user, in the clean environment ----------------------------
# The session bus and the services it activates write to a log; the command's own
# output goes through fds 3 and 4 to the caller's stdout and stderr.
if [ "$STAGE" = bus ]; then
  exec 3>&1 4>&2 >>"$XIMA_WAYLAND_BASE/log/session-bus.log" 2>&1
  exec dbus-run-session -- bash "$XIMA_WAYLAND_BASE/session/session.sh" --stage desktop -- "$@"
fi

# --- stage "desktop": as the session user, inside dbus-run-session -----------------------
if [ "$STAGE" = desktop ]; then
  exec 1>&3 2>&4 3>&- 4>&-
  base="$XIMA_WAYLAND_BASE"
  started="$(now)"
  sway_args=(-c "$base/session/sway.conf")
  [ "${XIMA_WAYLAND_DEBUG:-0}" = 0 ] || sway_args+=(--debug)
  # In a subshell, so that sway's status (1.7 sometimes segfaults while shutting down,
  # after the command is done) lands in its log rather than on the caller's stderr.
  (
    sway "${sway_args[@]}" </dev/null &
    echo $! >"$base/session/sway.pid"
    status=0
    wait $! || status=$?
    echo "session.sh: sway exited with status $status"
  ) >"$base/log/sway.log" 2>&1 &
  sway_watch=$!
  ready=0
  for _ in $(seq 600); do
    if [ -e "$base/session/session.env" ]; then ready=1; break; fi
    if [ -e "$base/session/startup-failed" ] || exited "$sway_watch"; then break; fi
    sleep 0.1
  done
  if [ "$ready" = 1 ]; then
    # shellcheck disable=SC1091
    source "$base/session/session.env"
    # The portal exports Screenshot only once it found a backend for it and for Access.
    wait_for 100 dbus-send --session --print-reply --dest=org.freedesktop.portal.Desktop \
      /org/freedesktop/portal/desktop org.freedesktop.DBus.Properties.Get \
      string:org.freedesktop.portal.Screenshot string:version || ready=0
  fi
  if [ "$ready" != 1 ]; then
    echo "session.sh: the Wayland desktop did not come up; see the logs below" >&2
    kill "$(cat "$base/session/sway.pid")" 2>/dev/null || true
    wait "$sway_watch" 2>/dev/null || true
    while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$base/session/pids"
    exit 125
  fi
  echo "$(since "$started")" >"$base/session/startup-seconds"
  status=0
  "$@" || status=$?
  stopping="$(now)"
  swaymsg exit >/dev/null 2>&1 || kill "$(cat "$base/session/sway.pid")" 2>/dev/null || true
  wait_for 100 exited "$sway_watch" || kill -9 "$(cat "$base/session/sway.pid")" 2>/dev/null || true
  wait "$sway_watch" 2>/dev/null || true
  # What sway's exec started outlives sway; the D-Bus-activated services go with the bus.
  while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$base/session/pids"
  echo "$(since "$stopping")" >"$base/session/stop-seconds"
  exit "$status"
fi

# --- stage "namespace": as root, in a mount namespace of its own --------------------------
# The real /tmp is replaced by the session folder's tmp; the directories that must stay
# reachable (working directory, repository, --expose) are bound back at their paths.
if [ "$STAGE" = namespace ]; then
  private_tmp="$XIMA_WAYLAND_HOST_WORK/tmp"
  for dir in "${EXPOSE[@]}"; do
    [ -n "$dir" ] || continue
    mkdir -p "$private_tmp/${dir#/tmp/}"
    mount --bind "$dir" "$private_tmp/${dir#/tmp/}"
  done
  mount --rbind "$private_tmp" /tmp
  cd "$XIMA_WAYLAND_CWD" 2>/dev/null || cd /
  exec runuser -u "$SESSION_USER" -- "$@"
fi

# --- stage "main": the caller --------------------------------------------------------------
[ $# -gt 0 ] || { echo "session.sh: no command given after --" >&2; usage; }
[[ "$SIZE" =~ ^[1-9][0-9]*x[1-9][0-9]*$ ]] || { echo "session.sh: --size must be WxH, not $SIZE" >&2; exit 2; }
[[ "$BACKGROUND" =~ ^#[0-9a-fA-F]{6}$ ]] ||
  { echo "session.sh: --background must be #rrggbb, not $BACKGROUND" >&2; exit 2; }

# ensure_packages and as_root, the project's way of installing what is missing.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
ensure_packages "${WAYLAND_PACKAGES[@]}"

SCRIPT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
CWD="$(pwd)"
started="$(now)"

if [ "$(id -u)" = 0 ]; then
  if ! id -u "$SESSION_USER" >/dev/null 2>&1; then
    log "creating the unprivileged user $SESSION_USER (sway refuses to run as root)"
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin --comment "Xima Chat Wayland tests" "$SESSION_USER" ||
      id -u "$SESSION_USER" >/dev/null  # created meanwhile by a parallel run
  fi
  PRIVATE_TMP=1
  base=/tmp  # as the session sees it
else
  SESSION_USER="$(id -un)"
  PRIVATE_TMP=0
fi
owner="$SESSION_USER:$(id -gn "$SESSION_USER")"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/xima-wayland.XXXXXX")"
[ "$PRIVATE_TMP" = 1 ] || base="$WORK/tmp"
SESSION_ID="$(basename "$WORK")"

# The processes of this session still running, found by the variable every one of them
# inherits (never by name).
session_pids() {
  local pid
  for pid in $(ps -o pid= -u "$SESSION_USER" 2>/dev/null); do
    [ "$pid" != $$ ] || continue
    if { tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null |
      grep -qxF "XIMA_WAYLAND_SESSION=$SESSION_ID"; then
      echo "$pid"
    fi
  done
}

# Ends whatever the session left running (the bus's services need a moment to notice the
# bus is gone), copies the outputs and removes the folder.
cleanup() {
  local pids=()
  wait_for 20 test -z "$(session_pids)" || true
  mapfile -t pids < <(session_pids)
  if [ ${#pids[@]} -gt 0 ]; then
    log "stopping what the session left running: $(ps -o comm= -p "${pids[*]}" | tr '\n' ' ')"
    kill "${pids[@]}" 2>/dev/null || true
    wait_for 20 test -z "$(session_pids)" || kill -9 $(session_pids) 2>/dev/null || true
  fi
  if [ -n "$OUT_DIR" ] && [ -d "$WORK/tmp/out" ]; then
    mkdir -p "$OUT_DIR"
    cp -r "$WORK/tmp/out/." "$OUT_DIR/"
  fi
  if [ "$PRIVATE_TMP" = 0 ] && [ -f "$WORK/out.png.ours" ]; then rm -f /tmp/out.png; fi
  if [ "$KEEP" = 1 ]; then log "session folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The session folder; as root its tmp/ becomes the session's /tmp.
mkdir -p "$WORK/tmp"
chmod 1777 "$WORK/tmp"
mkdir -m 1777 "$WORK/tmp/.X11-unix"
mkdir -p "$WORK/tmp/session" "$WORK/tmp/home" "$WORK/tmp/run" "$WORK/tmp/log" "$WORK/tmp/out"
chmod 0700 "$WORK/tmp/home" "$WORK/tmp/run"
# The stages run from a copy, readable by the user wherever the repository lives.
cp "$SCRIPT" "$WORK/tmp/session/session.sh"
: >"$WORK/tmp/session/pids"
cat >"$WORK/tmp/session/sway.conf" <<EOF
# Generated by tests/wayland/session.sh
output * resolution $SIZE position 0 0 bg $BACKGROUND solid_color
xwayland enable
default_border none
exec bash $base/session/session.sh --stage startup
EOF
if [ ${#SWAY_CONFIG[@]} -gt 0 ]; then printf '%s\n' "${SWAY_CONFIG[@]}" >>"$WORK/tmp/session/sway.conf"; fi
# xdg-desktop-portal 1.16 picks backends by UseIn= and XDG_CURRENT_DESKTOP; 1.17 and
# later read this file instead.
mkdir -p "$WORK/tmp/home/.config/xdg-desktop-portal"
cat >"$WORK/tmp/home/.config/xdg-desktop-portal/sway-portals.conf" <<'EOF'
[preferred]
default=wlr;gtk
org.freedesktop.impl.portal.Screenshot=wlr
org.freedesktop.impl.portal.ScreenCast=wlr
EOF
chown -R "$owner" "$WORK/tmp/home" "$WORK/tmp/run" "$WORK/tmp/log" "$WORK/tmp/out" \
  "$WORK/tmp/session"
if [ "$PRIVATE_TMP" = 0 ] && [ ! -e /tmp/out.png ]; then
  : >"$WORK/out.png.ours"  # the wlr backend will write /tmp/out.png: remove it after
fi

session_env=(
  PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 TERM="${TERM:-dumb}"
  USER="$SESSION_USER" LOGNAME="$SESSION_USER"
  HOME="$base/home" XDG_CONFIG_HOME="$base/home/.config" XDG_DATA_HOME="$base/home/.local/share"
  XDG_STATE_HOME="$base/home/.local/state" XDG_CACHE_HOME="$base/home/.cache"
  XDG_RUNTIME_DIR="$base/run" TMPDIR="$base"
  WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 WLR_HEADLESS_OUTPUTS=1
  XDG_CURRENT_DESKTOP=sway XDG_SESSION_DESKTOP=sway XDG_SESSION_TYPE=wayland
  XIMA_WAYLAND_SESSION="$SESSION_ID" XIMA_WAYLAND_BASE="$base" XIMA_WAYLAND_OUT="$base/out"
  XIMA_WAYLAND_DEBUG="$DEBUG"
)
inner=(env -i "${session_env[@]}" bash "$base/session/session.sh" --stage bus -- "$@")

status=0
if [ "$PRIVATE_TMP" = 1 ]; then
  # Keep the working directory and the repository reachable if they live under /tmp.
  exposed=()
  for dir in "$CWD" "$ROOT" "${EXPOSE[@]}"; do
    dir="$(realpath -m "$dir")"
    case "$dir" in
      "$WORK"|"$WORK"/*) ;;
      /tmp/*) exposed+=(--expose "/tmp/$(cut -d/ -f3 <<<"$dir")") ;;
    esac
  done
  if ! runuser -u "$SESSION_USER" -- test -r "$CWD" -a -x "$CWD"; then
    log "warning: $SESSION_USER cannot read the working directory $CWD"
  fi
  XIMA_WAYLAND_HOST_WORK="$WORK" XIMA_WAYLAND_CWD="$CWD" \
    unshare --mount --propagation private -- \
    bash "$SCRIPT" --stage namespace --user "$SESSION_USER" "${exposed[@]}" -- "${inner[@]}" <&0 &
else
  "${inner[@]}" <&0 &
fi
# In the background (keeping stdin) and waited for, so that a TERM from a time limit
# ends the session at once through the traps instead of after the command.
wait $! || status=$?

if [ "$status" = 125 ] || [ ! -e "$WORK/tmp/session/startup-seconds" ]; then
  for file in "$WORK"/tmp/log/*.log; do
    [ -s "$file" ] || continue
    echo "--- $(basename "$file") (last lines)" >&2
    tail -n 25 "$file" >&2
  done
else
  log "desktop ready in $(cat "$WORK/tmp/session/startup-seconds")s, stopped in" \
    "$(cat "$WORK/tmp/session/stop-seconds" 2>/dev/null || echo '?')s," \
    "whole session $(since "$started")s; command exited with $status"
fi
exit "$status"
