#!/usr/bin/env bash
# The Windows build, made and run here: the whole workspace built for
# x86_64-pc-windows-gnu (xima-chat.exe and every test binary), failing on any error or
# warning in the Windows code paths, then the core's tests run on Windows' API under
# Wine, against moto and the simulator on loopback as on Linux.
#
#   bash tests/windows/run.sh [--build-only]
#
# Then the installer (src-tauri/packaging/windows/xima-chat.nsi) of that build: built,
# installed silently under Wine, the installed app run (with the computer's settings in
# %ProgramData% and the logon script's API key), uninstalled.
#
# rustup's toolchain has no Windows standard library and none can be fetched, so this
# uses Debian's own Rust with its standard library's source (rustc-web, cargo-web,
# rust-web-src from bookworm-security) and builds std for the target (-Zbuild-std, which
# needs RUSTC_BOOTSTRAP=1); MinGW links, its windres compiles the resources. What cannot
# run under Wine (WebView2, and so the window) is in docs/testing.md.
set -euo pipefail
source "$(dirname "$0")/../lib/setup.sh"

build_only=false
[ "${1:-}" = --build-only ] && build_only=true

ensure_packages rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64 wine64 nsis
ensure_python
cd "$ROOT"

export TARGET=x86_64-pc-windows-gnu ROOT
export RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 RUSTFLAGS="-D warnings"
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc-posix
# cargo test runs each test .exe through Wine, in a Wine prefix of this run's own.
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=/usr/lib/wine/wine64
WINEPREFIX="$(mktemp -d)"
export WINEPREFIX WINEDEBUG=-all
trap '/usr/lib/wine/wineserver -k 2>/dev/null || true; rm -rf "$WINEPREFIX"' EXIT
windows_cargo() {
  local command="$1"
  shift
  /usr/bin/cargo "$command" --locked -Zbuild-std=std,panic_abort --target "$TARGET" --target-dir "$ROOT/target/windows" "$@"
}

say "building the workspace for $TARGET (Debian's $($RUSTC --version))"
windows_cargo build --workspace --all-targets
$build_only && exit 0

say "the core's tests on Windows' API (Wine $(/usr/lib/wine/wine64 --version 2>/dev/null))"
/usr/lib/wine/wine64 wineboot --init >/dev/null 2>&1 || true
# Wine 8.0 lacks the DLL Rust's standard library takes its random numbers from (see the
# source); the prefix gets one, built here.
x86_64-w64-mingw32-gcc-posix -shared -O2 -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
  tests/windows/bcryptprimitives.c -lbcrypt
# The core's unit tests, its suites that need no desktop of Linux's (the others read
# screens from Xvfb and trust from SSL_CERT_FILE, which Windows' verifier does not read:
# docs/testing.md, "Windows"), and the API key in Credential Manager through the app's
# own command line.
"$PYTHON" tests/harness/services.py -- bash -c "$(declare -f windows_cargo)
  windows_cargo test -p xima-chat-core --lib &&
  windows_cargo test -p xima-chat-core --test integration -- chat_lifecycle:: chat_faults:: network_drop:: &&
  windows_cargo test -p xima-chat-desktop --test keychain"

say "the installer (makensis $(makensis -VERSION)), installed and removed under Wine"
app_dir="$ROOT/target/windows/$TARGET/debug"
setup="$app_dir/xima-chat-setup.exe"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
# zlib: the debug build is large and lzma slow on it; a release is packed with lzma.
makensis -V2 -X"SetCompressor /FINAL zlib" -DAPP_DIR="$app_dir" -DVERSION="$version" -DOUT="$setup" \
  src-tauri/packaging/windows/xima-chat.nsi
wine=/usr/lib/wine/wine64
installed="$WINEPREFIX/drive_c/Program Files/Xima Chat"
query() { "$wine" reg query "$@" 2>/dev/null | tr -d '\r'; }
"$wine" "$setup" /S
[ -f "$installed/xima-chat.exe" ] && [ -f "$installed/WebView2Loader.dll" ] || { echo "not installed" >&2; exit 1; }
query 'HKLM\Software\Classes\xima-chat\shell\open\command' | grep -qF '"C:\Program Files\Xima Chat\xima-chat.exe" "%1"' \
  || { echo "xima-chat:// links are not registered" >&2; exit 1; }
query 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\XimaChat' | grep -q "DisplayVersion.*$version" \
  || { echo "not in Apps & features" >&2; exit 1; }
[ "$("$wine" "$installed/xima-chat.exe" --version | tr -d '\r')" = "xima-chat $version" ] \
  || { echo "the installed app does not run" >&2; exit 1; }
# What IT does for many PCs (docs/admin.md, "Many computers"): the computer's settings
# file in %ProgramData%, locking the installation and the cloud, then the logon script's
# line storing the API key from a file. doctor names the file and its locks, and finds
# the key where the computer's settings say, not where the user's flag would.
mkdir -p "$WINEPREFIX/drive_c/ProgramData/xima-chat"
printf '%s\r\n' 'installation-id = "lobby-pcs"' 'base-url = "http://127.0.0.1:9"' 'skills = ["Support"]' \
  'locked = ["installation-id", "base-url"]' >"$WINEPREFIX/drive_c/ProgramData/xima-chat/config.toml"
printf 'k-logon\r\n' >"$WINEPREFIX/drive_c/users/Public/xima-api-key.txt"
printf '%s\r\n' '@echo off' '"%ProgramFiles%\Xima Chat\xima-chat.exe" api-key set < "C:\users\Public\xima-api-key.txt"' \
  >"$WINEPREFIX/drive_c/users/Public/logon.bat"
"$wine" cmd /c 'C:\users\Public\logon.bat' >/dev/null
said="$("$wine" "$installed/xima-chat.exe" --installation-id not-this-one doctor 2>&1 | tr -d '\r' || true)"
for line in "INFO settings: C:\ProgramData\xima-chat\config.toml (the computer's, locks installation-id, base-url)" \
  "INFO locked: installation-id set elsewhere too" "PASS keychain: an API key is stored"; do
  grep -qF "$line" <<<"$said" || { printf 'doctor does not say %s:\n%s\n' "$line" "$said" >&2; exit 1; }
done
"$wine" "$installed/uninstall.exe" /S
# The uninstaller runs on from a copy of itself; it is done when the folder is gone.
for _ in $(seq 50); do [ -e "$installed" ] || break; sleep 0.2; done
[ ! -e "$installed" ] && ! query 'HKLM\Software\Classes\xima-chat' | grep -q . \
  || { echo "the uninstaller left the app behind" >&2; exit 1; }
say "installed, run and removed"
