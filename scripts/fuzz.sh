#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# scripts/fuzz.sh TARGET SECONDS: builds the libFuzzer targets (clang 14,
# ASan+UBSan, asserts on; in build-fuzz/) and runs TARGET for SECONDS.
# TARGET is one of: config request response log_chunk proc (or "all": each in turn).
# The corpus grows in build-fuzz/corpus/TARGET from the seeds in tests/fuzz/corpus;
# a crash is saved in build-fuzz/findings/TARGET/ and the script fails: fix the
# bug, then copy the input to tests/fuzz/regressions/TARGET/ (the unit test
# FuzzRegressions replays every file there).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET SECONDS (TARGET: config request response log_chunk proc all)}
seconds=${2:-60}
build=${CORRAL_FUZZ_BUILD:-build-fuzz}
targets=(config request response log_chunk proc)

# -O1 with line tables, as libFuzzer's documentation builds its targets: a
# fifth less compile time than -O2 -g (156 s against 198 s here), and a report
# still names the line.
cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCORRAL_FUZZ=ON -DCORRAL_WERROR=OFF \
  -DCORRAL_BUILD_TESTS=OFF -DCORRAL_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" >/dev/null

run_one() {
  local t=$1
  [ "${built:-0}" = 1 ] || cmake --build "$build" --target "fuzz_$t"
  local corpus="$build/corpus/$t" findings="$build/findings/$t"
  mkdir -p "$corpus" "$findings" "tests/fuzz/regressions/$t"
  local extra=()
  [ "$t" = config ] && extra+=(-dict=tests/fuzz/config.dict)
  echo "== fuzz_$t for ${seconds}s"
  # Seeds and regressions are read; new inputs go to the first folder only.
  local rc=0
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$findings/" "${extra[@]}" "$corpus" "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t" \
    $( [ "$t" = config ] && echo tests/fixtures/config ) >"$build/fuzz_$t.log" 2>&1 || rc=$?
  grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' \
    "$build/fuzz_$t.log" || true
  if [ "$rc" -ne 0 ]; then
    echo "fuzz_$t FAILED (exit $rc): see $build/fuzz_$t.log and $findings/" >&2
    tail -40 "$build/fuzz_$t.log" >&2
    return 1
  fi
}

if [ "$target" = all ]; then
  # Build every target once, then run them side by side, one per CPU (a
  # libFuzzer process uses one core): CI's five minutes of fuzzing take
  # three on two cores. Each target's summary is printed when it ends.
  cmake --build "$build" --target "${targets[@]/#/fuzz_}"
  built=1
  jobs=${FUZZ_JOBS:-$(nproc)}
  failed=0
  running=0
  for t in "${targets[@]}"; do
    if [ "$running" -ge "$jobs" ]; then
      wait -n || failed=1
      running=$((running - 1))
    fi
    { rc=0; run_one "$t" >"$build/fuzz_$t.summary" 2>&1 || rc=$?; cat "$build/fuzz_$t.summary"; exit $rc; } &
    running=$((running + 1))
  done
  while [ "$running" -gt 0 ]; do
    wait -n || failed=1
    running=$((running - 1))
  done
  exit "$failed"
else
  run_one "$target"
fi
