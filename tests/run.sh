#!/usr/bin/env bash
# Runs every test: the layout and lint gates (cargo fmt, cargo clippy), the Rust unit
# and integration tests against moto's SQS server and the cloud simulator, then the
# end-to-end tests of the real app window and of its installed .deb. Installs what is
# missing first. Each run starts its own moto, simulator, Xvfb and GNOME Keyring.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"

ensure_rust
ensure_rust_gates
ensure_packages "${BUILD_PACKAGES[@]}" "${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
ensure_python
ensure_tauri_driver
ensure_tauri_cli
ensure_axe

cd "$ROOT"
say "checking the layout (cargo fmt)"
cargo fmt --all --check

say "building"
# Only what runs. First the window the accessibility audit runs in
# (tests/e2e/test_accessibility.py): the shipped one but for the two settings axe-core
# cannot load without (tests/e2e/axe-build.json). Built first so that the builds below,
# which compile the app's crate again with the shipped settings, are the last: nothing
# after them rebuilds.
TAURI_CONFIG="$(cat tests/e2e/axe-build.json)" cargo build --locked --bin xima-chat
mkdir -p target/audit && cp target/debug/xima-chat target/audit/xima-chat
cargo test --locked --workspace --no-run
# The app as shipped and its .deb (every build already has the release feature set, so
# this compiles nothing new); tests/e2e/test_debian_package.py installs it.
"$TOOLS/bin/tauri" build --debug --bundles deb --ci >/dev/null

say "linting (cargo clippy)"
cargo clippy --locked --workspace --all-targets -- -D warnings
rm -rf tests/artifacts && mkdir -p tests/artifacts

private_bus bash "$ROOT/tests/lib/test-session.sh"
