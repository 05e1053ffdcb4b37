#!/usr/bin/env bash
# Installs everything Kafka Playground needs on a fresh Debian machine, from registries only
# (Debian, crates.io, npm, rustup targets). Idempotent: each step checks first, so a second run
# takes seconds. See ../shared/docs/TOOLCHAIN.md for why these exact versions.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
TRUNK_VERSION=0.21.14
# wasm-bindgen-cli must equal the wasm-bindgen version in Cargo.lock, or the generated glue breaks.
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[" ]/,"",$0); sub("version=","",$0); print; exit}' "$root/Cargo.lock")"

say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }
sudo_if() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Chromium + ChromeDriver for the browser tests; CJK and emoji fonts so the 中文 UI and its icons
# render in headless screenshots.
APT_PACKAGES=(chromium chromium-driver fonts-wqy-microhei fonts-noto-color-emoji)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "apt-get install ${missing[*]}"
  sudo_if apt-get update -q
  sudo_if env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding rustup target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
  say "cargo install trunk $TRUNK_VERSION (takes ~8 minutes once)"
  cargo install trunk --locked --version "$TRUNK_VERSION"
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: its lockfile pins a webpki-roots the registry here does not serve (TOOLCHAIN.md).
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if [ ! -x "$here/node_modules/.bin/wasm-opt" ] || [ ! -d "$here/node_modules/playwright-core" ] \
   || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  say "npm ci (binaryen wasm-opt 132, playwright-core)"
  (cd "$here" && npm ci --no-audit --no-fund)
fi

say "cargo fetch --locked"
(cd "$root" && cargo fetch --locked -q)
say "ready"
