#!/usr/bin/env bash
# Runs every test: formatting, native engine + cross-crate tests (golden traces, swarm,
# determinism), wasm tests in headless Chromium, the release build, and the Playwright
# end-to-end test. Installs what is missing first (idempotent), so it works on a fresh machine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
start=$(date +%s)
bash "$here/setup.sh"
export PATH="$here/node_modules/.bin:$HOME/.cargo/bin:$PATH"
cd "$root"
step() { printf '\n\033[1;34m== %s ==\033[0m\n' "$*"; }
# Every test runner's output is also collected here, to print one total at the end.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
run() { "$@" 2>&1 | tee -a "$log"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "native tests (engine, CLI, golden traces, swarm, determinism, web crate logic)"
run cargo test --locked -p kplay-engine -p kplay-tests -p kplay-web

step "wasm tests in headless Chromium (wasm-bindgen-test)"
run cargo test --locked --target wasm32-unknown-unknown -p kplay-web

step "release build (trunk) + Playwright end-to-end"
run bash tests/e2e/run.sh

step "sizes"
for f in dist/*.wasm; do
  printf '%-48s %8d bytes raw  %8d bytes gzip\n' "$(basename "$f")" "$(stat -c %s "$f")" "$(gzip -9c "$f" | wc -c)"
done
passed=$(grep -oE '(test result: ok\. |E2E: )[0-9]+ passed' "$log" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
failed=$(grep -oE '[0-9]+ failed' "$log" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
echo "all tests passed in $(( $(date +%s) - start ))s"
echo "TOTAL: ${passed:-0} passed, ${failed:-0} failed"
