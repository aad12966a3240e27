#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's test command: install dependencies, build, run every test.
#   BUILD_DIR   build directory (default: build)
#   CORRAL_SANITIZE=1  build with ASan+UBSan
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
build=${BUILD_DIR:-build}
sanitize=OFF
[ "${CORRAL_SANITIZE:-0}" = 1 ] && sanitize=ON
# Line tables (-g1), not full debug information: a failure's backtrace still
# names file and line, and a build from scratch takes a third less time (350 s
# against 531 s here). (A build by hand keeps CMake's RelWithDebInfo, -O2 -g.)
cmake -S . -B "$build" -G Ninja -DCORRAL_WERROR=ON -DCORRAL_SANITIZE="$sanitize" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" >/dev/null
cmake --build "$build"
# Integration tests start real daemons and processes; run them one at a time so
# their figures and deadlines are not skewed by each other on a 2-core machine.
ctest --test-dir "$build" --output-on-failure --timeout 300 "$@"
