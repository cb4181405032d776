#!/usr/bin/env bash
# Runs every test: the Rust unit and integration tests against moto's SQS server and the
# cloud simulator, then the end-to-end tests of the real app window and of its
# installed .deb. Installs what is missing first. Each run starts its own moto,
# simulator, Xvfb and GNOME Keyring.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"

ensure_rust
ensure_packages "${BUILD_PACKAGES[@]}" "${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
ensure_python
ensure_tauri_driver
ensure_tauri_cli
ensure_axe

cd "$ROOT"
say "building"
# First the window the accessibility audit runs in (tests/e2e/test_accessibility.py): the
# shipped one but for the two settings axe-core cannot load without
# (tests/e2e/axe-build.json). Built first so that the build below, which compiles the
# app's crate again with the shipped settings, is the last: nothing after it rebuilds.
TAURI_CONFIG="$(cat tests/e2e/axe-build.json)" cargo build --locked --bin xima-chat
mkdir -p target/audit && cp target/debug/xima-chat target/audit/xima-chat
cargo build --locked --workspace --all-targets
# The .deb, from the build above (every build already has the release feature set, so
# this only bundles); tests/e2e/test_debian_package.py installs it.
PATH="$TOOLS/bin:$PATH" cargo tauri build --debug --bundles deb --ci >/dev/null
rm -rf tests/artifacts && mkdir -p tests/artifacts

private_bus bash "$ROOT/tests/lib/test-session.sh"
