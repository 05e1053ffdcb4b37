#!/usr/bin/env bash
# Builds the release bundle (offline, with npm's binaryen wasm-opt first on PATH) unless
# SKIP_BUILD=1, then runs the Playwright end-to-end test against dist/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export PATH="$root/scripts/node_modules/.bin:$HOME/.cargo/bin:$PATH"
cd "$root"
if [[ "${SKIP_BUILD:-0}" != "1" || ! -f dist/index.html ]]; then
  trunk build --release
fi
for f in dist/*.wasm; do
  printf '%-40s %8d bytes raw %8d bytes gzip\n' "$(basename "$f")" "$(stat -c %s "$f")" "$(gzip -9c "$f" | wc -c)"
done
node "$here/e2e.mjs"
