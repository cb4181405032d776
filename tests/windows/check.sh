#!/usr/bin/env bash
# Type-checks the whole workspace for Windows (x86_64-pc-windows-gnu), tests included,
# and fails on any error or warning, so the Windows code paths (WinHTTP, Credential
# Manager, WebView2, toasts, the non-Unix file modes) are seen by a compiler here.
#
#   bash tests/windows/check.sh
#
# rustup's toolchain has no Windows standard library and none can be fetched, so this
# uses Debian's own Rust with its standard library's source (rustc-web, cargo-web,
# rust-web-src from bookworm-security) and builds std for the target (-Zbuild-std, which
# needs RUSTC_BOOTSTRAP=1). It checks, it does not link or run: building the .exe and
# running the core's tests under Wine is the next step (see docs/testing.md).
set -euo pipefail
source "$(dirname "$0")/../lib/setup.sh"

ensure_packages rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64
cd "$ROOT"
say "checking the workspace for x86_64-pc-windows-gnu (Debian's $(/usr/bin/rustc --version))"
RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 RUSTFLAGS="-D warnings" /usr/bin/cargo check --locked \
  -Zbuild-std=std,panic_abort --target x86_64-pc-windows-gnu --workspace --all-targets \
  --target-dir "$ROOT/target/windows"
