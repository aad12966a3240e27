#!/usr/bin/env bash
# Builds the Debian package of corral: an optimised build (-O2 -g, stripped by
# cpack, as Debian builds packages) installed under /usr, in
# build-deb/ (kept between runs, so a second run rebuilds only what changed),
# then `cpack -G DEB`. Prints the path of the .deb as its last line.
#   BUILD_DIR   build directory (default: build-deb)
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
build=${BUILD_DIR:-build-deb}
# Tests and benchmarks are not part of the package: leave them out of this build.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
  -DCORRAL_BUILD_TESTS=OFF -DCORRAL_BUILD_BENCH=OFF -DCORRAL_SANITIZE=OFF >/dev/null
cmake --build "$build" -j2
rm -f "$build"/corral_*.deb
(cd "$build" && cpack -G DEB >cpack.log 2>&1) || { cat "$build/cpack.log" >&2; exit 1; }
deb=$(ls "$build"/corral_*.deb)
realpath "$deb"
