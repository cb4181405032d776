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

cd "$ROOT"
say "building"
cargo build --locked --workspace --all-targets
# The .deb, from the build above (every build already has the release feature set, so
# this only bundles); tests/e2e/test_debian_package.py installs it.
PATH="$TOOLS/bin:$PATH" cargo tauri build --debug --bundles deb --ci >/dev/null
rm -rf tests/artifacts && mkdir -p tests/artifacts

private_bus bash "$ROOT/tests/lib/test-session.sh"
