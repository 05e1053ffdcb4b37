#!/usr/bin/env bash
# One command: install everything (idempotent) and serve the playground on http://127.0.0.1:8080.
#   bash scripts/dev.sh            # optimised build (what learners get)
#   bash scripts/dev.sh --debug    # faster rebuilds; the engine also checks its invariants every tick
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
bash "$here/setup.sh"
export PATH="$here/node_modules/.bin:$HOME/.cargo/bin:$PATH"
cd "$root"
mode=(--release)
[ "${1:-}" = "--debug" ] && mode=()
echo "[dev] serving on http://127.0.0.1:8080 (Ctrl-C to stop)"
exec trunk serve "${mode[@]}" --address 127.0.0.1 --port 8080 --no-autoreload
