#!/usr/bin/env bash
# The build stage of dockerfiles/Dockerfile, also run by dockerfiles/check-image.sh in a clean
# Debian 12 root: install the build dependencies with the README's installer, build a release
# without tests, and install into DESTDIR (default /install) under /usr/local.
set -euo pipefail
cd "$(dirname "$0")/.."
destdir=${1:-/install}
scripts/install-deps.sh --build
build=build-image
if [[ ! -f "$build/build.ninja" ]]; then
  meson setup "$build" -Dtests=false --buildtype=release --prefix=/usr/local
fi
ninja -C "$build"
DESTDIR="$destdir" ninja -C "$build" install
