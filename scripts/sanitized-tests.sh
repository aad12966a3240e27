#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The tests again under AddressSanitizer + UndefinedBehaviorSanitizer, with
# corrald, corralctl and the demos sanitized too: every unit test, and the
# integration suites that drive a real corrald or the IPC demos. The build is
# build-asan/ (no benchmarks), at -O1 with line tables (-g1): ASan's own
# advice, and what a report needs to name the line.
#   scripts/sanitized-tests.sh [EXTRA CTEST ARGS]
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
stage() { echo "== [sanitized +$(( $(date +%s) - start ))s] $*"; }

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
stage "build (build-asan)"
cmake -S . -B build-asan -G Ninja -DCORRAL_SANITIZE=ON -DCORRAL_WERROR=ON -DCORRAL_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" >/dev/null
cmake --build build-asan

stage "unit tests"
ctest --test-dir build-asan -L unit --output-on-failure --timeout 300 "$@"

# The suites that run corrald (its control socket, hostile clients, fair share,
# the deadlock view) and the IPC demos. The launcher, cgroup and /proc suites
# exercise libcorral code the unit tests already run sanitized.
stage "daemon and demo integration suites"
ctest --test-dir build-asan -L integration --output-on-failure --timeout 600 \
  -R '^(DaemonFixture|HostileClient|DaemonDeadlockTest|FairShareDaemon|IpcDemos)\.' "$@"

stage "done"
