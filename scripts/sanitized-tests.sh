#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The tests again under AddressSanitizer + UndefinedBehaviorSanitizer, with
# corrald, corralctl, the demos and the test helpers sanitized too: every unit
# test, and the integration suites that drive a real corrald or the IPC demos.
# The sanitized build is build-asan/ (the programs and the unit tests only), at
# -O1 with line tables (-g1): ASan's own advice, and what a report needs to name
# the line. The integration tests drive programs, so they are not compiled a
# second time: the README build's test binary (BUILD_DIR, default build/, built
# here if missing) runs them against build-asan's programs
# (CORRAL_TEST_PROGRAM_DIR). What is sanitized there is what runs the suites:
# corrald, corralctl and the demos.
#   scripts/sanitized-tests.sh [EXTRA CTEST ARGS]
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
stage() { echo "== [sanitized +$(( $(date +%s) - start ))s] $*"; }

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
stage "build (build-asan)"
# clang 14: it compiles the sanitized build in little more than half the time
# GCC 12 takes (333 s against 542-612 s here; the
# README build is GCC's, so both compilers check the code with -Werror).
cmake -S . -B build-asan -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCORRAL_SANITIZE=ON -DCORRAL_WERROR=ON \
  -DCORRAL_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" >/dev/null
programs=(corrald corralctl)
for f in examples/corral-demo-*.cpp; do programs+=("$(basename "$f" .cpp)"); done
for f in tests/helpers/helper_*.cpp; do f=$(basename "$f" .cpp); programs+=("corral-test-${f#helper_}"); done
cmake --build build-asan --target corral_unit_tests "${programs[@]}"

stage "unit tests"
ctest --test-dir build-asan -L unit -j "$(nproc)" --output-on-failure --timeout 300 "$@"

# The suites that run corrald (its control socket, hostile clients, fair share,
# the deadlock view) and the IPC demos. The launcher, cgroup and /proc suites
# exercise libcorral code the unit tests already run sanitized. One at a time,
# as in the README's test command: they start real daemons and measure them.
tests_build=${BUILD_DIR:-build}
stage "daemon and demo integration suites ($tests_build's tests, build-asan's programs)"
if [ ! -f "$tests_build/build.ninja" ]; then
  cmake -S . -B "$tests_build" -G Ninja -DCORRAL_WERROR=ON >/dev/null
fi
cmake --build "$tests_build" --target corral_integration_tests
CORRAL_TEST_PROGRAM_DIR=$PWD/build-asan \
  ctest --test-dir "$tests_build" -L integration --output-on-failure --timeout 600 \
  -R '^(DaemonFixture|HostileClient|DaemonDeadlockTest|FairShareDaemon|IpcDemos)\.' "$@"

stage "done"
