#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The sanitized stages that are not in .ci/run yet: the unit tests, and the
# daemon and demo integration suites, under ASan+UBSan (corrald, corralctl and
# the demos sanitized too). Each stage prints the time it took.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
stage_start=$start
times=()
stage_done() {
  local now
  now=$(date +%s)
  times+=("$1: $((now - stage_start))s")
  echo "== $1 took $((now - stage_start))s"
  stage_start=$now
}

echo "== build under AddressSanitizer + UndefinedBehaviorSanitizer"
# The benchmarks are left out: they were built and exercised above.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cmake -S . -B build-asan -G Ninja -DCORRAL_SANITIZE=ON -DCORRAL_WERROR=ON -DCORRAL_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan
stage_done "sanitized build"

echo "== unit tests under ASan+UBSan"
ctest --test-dir build-asan -L unit --output-on-failure --timeout 300
stage_done "sanitized unit tests"

echo "== daemon and demo integration suites under ASan+UBSan (corrald, corralctl and the demos sanitized too)"
ctest --test-dir build-asan -L integration --output-on-failure --timeout 600 \
  -R '^(DaemonFixture|HostileClient|DaemonDeadlockTest|FairShareDaemon|IpcDemos)\.'
stage_done "sanitized daemon + demo integration tests"


for t in "${times[@]}"; do echo "   $t"; done
echo "== ci-extra took $(( $(date +%s) - start ))s"
