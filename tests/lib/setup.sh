# Installs what the demo and the tests need on a Debian 12 machine, only when missing.
# Sourced by tests/demo.sh and tests/run.sh; sets ROOT, PYTHON and TOOLS.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PYTHON="$ROOT/.venv/bin/python"
TOOLS="$ROOT/target/tools"

# Tauri's WebKitGTK stack, the tray's AppIndicator (loaded at run time, and looked for
# by the .deb bundler), and the libraries the screenshots/keyring crates link.
BUILD_PACKAGES=(build-essential pkg-config libwebkit2gtk-4.1-dev libssl-dev libxdo-dev
  libdbus-1-dev libxcb1-dev libxcb-randr0-dev libxcb-shm0-dev libayatana-appindicator3-dev)
# A display, a keychain and a private D-Bus for the demo and the tests.
RUN_PACKAGES=(xvfb gnome-keyring dbus dbus-x11 python3-venv)
# End-to-end UI tests drive the real app through WebKitWebDriver; libproxy reads the
# desktop proxy test's GNOME settings and runs its PAC file.
TEST_PACKAGES=(webkit2gtk-driver x11-utils libproxy1-plugin-gsettings libproxy1-plugin-webkit gsettings-desktop-schemas)

say() { printf '\033[1m==> %s %s\033[0m\n' "$(date +%T)" "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo is not installed: install Rust (1.94.1 or newer: the locked AWS crates need it) first, e.g. with rustup" >&2
    exit 1
  fi
}

# rustfmt and clippy, which gate the tests (tests/run.sh): part of rustup's default
# profile, added if a minimal one left them out.
ensure_rust_gates() {
  if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    if command -v rustup >/dev/null 2>&1; then
      say "adding rustfmt and clippy"
      rustup component add rustfmt clippy
    else
      echo "cargo fmt and cargo clippy are needed: install Rust's rustfmt and clippy" >&2
      exit 1
    fi
  fi
}

# moto's SQS server and the simulator's Flask come from PyPI, into a venv of ours.
ensure_python() {
  if [ ! -x "$PYTHON" ]; then
    say "creating the Python environment in .venv"
    python3 -m venv "$ROOT/.venv"
  fi
  local stamp="$ROOT/.venv/.requirements"
  if ! cmp -s "$ROOT/tests/requirements.txt" "$stamp"; then
    say "installing Python test tools (moto[server], selenium, pytest)"
    "$PYTHON" -m pip install -q --disable-pip-version-check -r "$ROOT/tests/requirements.txt"
    cp "$ROOT/tests/requirements.txt" "$stamp"
  fi
}

# tauri-driver from crates.io, built once into target/tools.
ensure_tauri_driver() {
  if [ ! -x "$TOOLS/bin/tauri-driver" ]; then
    say "installing tauri-driver"
    cargo install --quiet --locked --root "$TOOLS" tauri-driver --version '^2'
  fi
}

# The path of the workspace's test binary NAME (`[[test]]` name), built as tests/run.sh
# builds it (--workspace: the same features, so nothing is rebuilt).
test_binary() {
  cargo test --locked --workspace --test "$1" --no-run --message-format=json \
    | "$PYTHON" -c 'import json, sys; print([m["executable"] for m in map(json.loads, sys.stdin) if m.get("executable")][-1])'
}

# A package from the npm registry, pinned and checked against the digest the registry
# gives: fetch_npm NAME VERSION INTEGRITY FOLDER unpacks its files into FOLDER.
fetch_npm() {
  "$PYTHON" - "$@" <<'EOF'
import base64, hashlib, io, pathlib, sys, tarfile, urllib.request

name, version, integrity, folder = sys.argv[1:]
url = f"https://registry.npmjs.org/{name}/-/{name.split('/')[-1]}-{version}.tgz"
with urllib.request.urlopen(url, timeout=120) as response:
    package = response.read()
if "sha512-" + base64.b64encode(hashlib.sha512(package).digest()).decode() != integrity:
    sys.exit(f"{name} {version} from {url} does not match the registry's digest")
target = pathlib.Path(folder)
with tarfile.open(fileobj=io.BytesIO(package)) as archive:
    for member in archive.getmembers():
        inside = pathlib.PurePosixPath(member.name).relative_to("package")
        if member.isfile() and ".." not in inside.parts:
            path = target / inside
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(archive.extractfile(member).read())
EOF
}

# Tauri's CLI, for `tauri build` (the .deb). On x86-64 Linux: the build the Tauri
# project publishes to npm (its Rust CLI as a Node module, the same code as the crate),
# in the locked tauri crate's version; it takes seconds where compiling tauri-cli takes
# minutes. Elsewhere tauri-cli from crates.io. Either way `$TOOLS/bin/tauri` runs it.
TAURI_CLI_VERSION=2.12.5
TAURI_CLI_INTEGRITY=sha512-Dm8s/4aiE52HsBh+Gz3uSrh+fEykRICA1VoAnQA80IqHoTRncPg+q4rGvuhmyNsHUPg3QrPjUrTUSfWmXLVVEw==
TAURI_CLI_LINUX_X64_INTEGRITY=sha512-OIun574QsULxaZ5SmPDX4D8bO95RBmYJshu8yGFy0RSyCMKEs/y+o3BThot4fbCv4ttC1Tq6Hzt0QRHXCIgp7w==
ensure_tauri_cli() {
  [ -x "$TOOLS/bin/tauri" ] && return 0
  mkdir -p "$TOOLS/bin"
  if [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ]; then
    command -v node >/dev/null 2>&1 || ensure_packages nodejs
    say "fetching Tauri's CLI $TAURI_CLI_VERSION from the npm registry"
    local modules="$TOOLS/tauri-cli-$TAURI_CLI_VERSION/node_modules/@tauri-apps"
    fetch_npm @tauri-apps/cli "$TAURI_CLI_VERSION" "$TAURI_CLI_INTEGRITY" "$modules/cli"
    fetch_npm @tauri-apps/cli-linux-x64-gnu "$TAURI_CLI_VERSION" "$TAURI_CLI_LINUX_X64_INTEGRITY" "$modules/cli-linux-x64-gnu"
    printf '#!/bin/sh\nexec node "%s/cli/tauri.js" "$@"\n' "$modules" >"$TOOLS/bin/tauri"
  else
    say "installing tauri-cli"
    # A debug build of the tool: it only bundles, and compiles in half the time.
    cargo install --quiet --locked --debug --root "$TOOLS" tauri-cli --version "=$TAURI_CLI_VERSION"
    printf '#!/bin/sh\nexec "%s/bin/cargo-tauri" tauri "$@"\n' "$TOOLS" >"$TOOLS/bin/tauri"
  fi
  chmod 755 "$TOOLS/bin/tauri"
}

# axe-core, the engine of the accessibility audit (tests/e2e/test_accessibility.py), from
# the npm registry: one pinned version.
AXE_VERSION=4.14.1
AXE_INTEGRITY=sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==
AXE="$TOOLS/axe-core-$AXE_VERSION/axe.min.js"
ensure_axe() {
  [ -s "$AXE" ] && return 0
  say "fetching axe-core $AXE_VERSION from the npm registry"
  fetch_npm axe-core "$AXE_VERSION" "$AXE_INTEGRITY" "$TOOLS/axe-core-$AXE_VERSION"
}

# Runs COMMAND in a private D-Bus session (it replaces the shell): the standard session
# bus, except that the keychain it starts is the unlocked one of start_keyring, and that
# nothing can start a password prompt. A locked or missing keychain makes GNOME Keyring
# prompt, and a prompt on a display nobody looks at waits forever: here it fails at once.
private_bus() {
  local bus prompter
  bus="$(mktemp -d)"
  mkdir "$bus/services"
  cat >"$bus/session.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <!-- Listed before the standard directories, so its services win. -->
  <servicedir>$bus/services</servicedir>
  <include>/usr/share/dbus-1/session.conf</include>
</busconfig>
EOF
  for prompter in org.gnome.keyring.SystemPrompter org.gnome.keyring.PrivatePrompter; do
    printf '[D-BUS Service]\nName=%s\nExec=/bin/false\n' "$prompter" >"$bus/services/$prompter.service"
  done
  printf '[D-BUS Service]\nName=org.freedesktop.secrets\nExec=%s\n' "$bus/keyring" \
    >"$bus/services/org.freedesktop.secrets.service"
  XIMA_BUS_DIR="$bus" exec dbus-run-session --config-file="$bus/session.conf" -- "$@"
}

# In the session of private_bus: an unlocked GNOME Keyring with its files under a
# throwaway XDG_DATA_HOME. D-Bus starts it, now and again should it ever die (a daemon
# that died made the next request start a stock one, locked, which prompted: a CI run
# hung there), and each start unlocks the same files with the same password.
start_keyring() {
  export XDG_DATA_HOME="${XDG_DATA_HOME:-$(mktemp -d)}"
  mkdir -p "$XDG_DATA_HOME"
  [ -d "${XIMA_BUS_DIR:-}" ] || { echo "start_keyring: not in a session of private_bus" >&2; return 1; }
  cat >"$XIMA_BUS_DIR/keyring" <<EOF
#!/bin/sh
printf 'xima-test-keyring' | XDG_DATA_HOME='$XDG_DATA_HOME' exec gnome-keyring-daemon --unlock --foreground --components=secrets
EOF
  chmod 755 "$XIMA_BUS_DIR/keyring"
  # Answered once the keyring owns its name, so nothing asks it before it is there.
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.StartServiceByName string:org.freedesktop.secrets uint32:0 >/dev/null \
    || { echo "GNOME Keyring did not start" >&2; return 1; }
}

# Starts Xvfb on a free display unless one is given; sets DISPLAY.
start_xvfb() {
  local size="${1:-1280x800}"
  local display=99
  while [ -e "/tmp/.X11-unix/X$display" ] || [ -e "/tmp/.X$display-lock" ]; do display=$((display + 1)); done
  Xvfb ":$display" -screen 0 "${size}x24" -nolisten tcp -noreset >/dev/null 2>&1 &
  XVFB_PID=$!
  export DISPLAY=":$display"
  # Services D-Bus starts for the app (the desktop portal) need the display too.
  dbus-update-activation-environment DISPLAY XDG_DATA_HOME >/dev/null 2>&1 || true
  for _ in $(seq 50); do
    xdpyinfo >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "Xvfb did not start on $DISPLAY" >&2
  return 1
}
