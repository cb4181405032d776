#!/usr/bin/env bash
# The fault soak (tests/soak/soak.rs) for as long as asked, against its own moto and
# simulator: bash tests/soak/run.sh [--minutes N] [--seed S] (a fresh seed unless given;
# the run prints it).
set -euo pipefail
source "$(dirname "$0")/../lib/setup.sh"

minutes=3
seed=""
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    *) echo "usage: tests/soak/run.sh [--minutes N] [--seed S]" >&2; exit 2 ;;
  esac
done

ensure_rust
ensure_python
cd "$ROOT"
# A fresh seed unless given (tests/lib/test-session.sh runs a fixed list).
[ -n "$seed" ] || seed="$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')"
settings=(XIMA_SOAK_SECONDS="$((minutes * 60))" XIMA_SOAK_SEED="$seed")
env "${settings[@]}" "$PYTHON" tests/harness/services.py -- \
  cargo test --locked -p xima-chat-core --test soak -- --ignored --nocapture
