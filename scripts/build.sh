#!/usr/bin/env bash
# Configure (once) and build scanscope into build/ (or $SCANSCOPE_BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SCANSCOPE_BUILD_DIR:-build}
if [[ ! -f "$build/build.ninja" ]]; then
  meson setup "$build" "$@"
fi
ninja -C "$build"
