#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every figure of issue 13 against its reference, measured in the same run, in
# one table: figure, corral, reference, ratio, goal, PASS/MISS, and the 1-minute
# load average when the row ended. Each row runs one of the benchmarks of
# bench/ (which prints a `RESULT|figure|corral|reference|unit` line); their
# whole output goes to a log directory, named at the end.
#
# Usage: bench/run-all.sh [--quick] [--only ROW[,ROW...]] [BUILD_DIR (default ./build)]
#   --quick  a smoke run: small sizes and few repetitions (the figures mean little)
#   --only   run only these rows: restart cold idle status waits graph ipc ps
#
# Needs root (corrald's cgroups), python3 (the cold-start reference), lslocks
# (util-linux) and ps (procps). Builds nothing: build the benches first, e.g.
#   cmake --build build --target corrald corralctl corral-test-stamp bench_daemon_restart \
#     bench_daemon_idle bench_daemon_status bench_waits_scan bench_waitgraph bench_ipc
# Take figures on a quiet machine only: the load average is printed to show it.
# Exit: 0 all PASS, 1 some MISS, 2 some row could not be measured.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
QUICK=0
ONLY=""
BUILD=""
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=1 ;;
    --only) ONLY=",${2:?--only needs a list},"; shift ;;
    -h | --help) sed -n '3,18p' "$0"; exit 0 ;;
    -*) echo "run-all: unknown option $1" >&2; exit 2 ;;
    *) BUILD=$1 ;;
  esac
  shift
done
BUILD=$(cd "${BUILD:-./build}" 2>/dev/null && pwd) || { echo "run-all: no build dir" >&2; exit 2; }
LOGS=$(mktemp -d /tmp/corral-run-all-XXXXXX) || exit 2

if [ "$QUICK" = 1 ]; then
  RESTART_ITER=20; COLD_N=100; COLD_RUNS=1; IDLE_N=100; IDLE_SECS=5; STATUS_N=100; STATUS_RUNS=5
  WAITS_ROUNDS=2; GRAPH_MIN_TIME=0.1; IPC_ARGS=(--items 100000 --messages 2000 --rounds 2000); PS_N=200; PS_REPS=3
else
  RESTART_ITER=200; COLD_N=1000; COLD_RUNS=3; IDLE_N=1000; IDLE_SECS=30; STATUS_N=1000; STATUS_RUNS=30
  WAITS_ROUNDS=9; GRAPH_MIN_TIME=2; IPC_ARGS=(); PS_N=2000; PS_REPS=15
fi

ROWS=()  # "figure|corral|reference|ratio|goal|verdict|load"
FAILED=0 MISSED=0

load1() { cut -d' ' -f1 /proc/loadavg; }

# add_row FIGURE UNIT CORRAL REFERENCE GOAL_KIND GOAL_VALUE
#   GOAL_KIND: le (ratio <= value), ge (ratio >= value), zero (corral == 0)
add_row() {
  local figure=$1 unit=$2 c=$3 r=$4 kind=$5 goal=$6 ratio verdict goal_text
  ratio=$(awk -v c="$c" -v r="$r" 'BEGIN { if (r > 0) printf "%.2f", c / r; else print "-" }')
  case $kind in
    le) goal_text="<= ${goal}x"; verdict=$(awk -v x="$ratio" -v g="$goal" 'BEGIN { print (x != "-" && x <= g) ? "PASS" : "MISS" }') ;;
    ge) goal_text=">= ${goal}x"; verdict=$(awk -v x="$ratio" -v g="$goal" 'BEGIN { print (x != "-" && x >= g) ? "PASS" : "MISS" }') ;;
    zero) goal_text="0 $unit"; verdict=$(awk -v c="$c" 'BEGIN { print (c == 0) ? "PASS" : "MISS" }') ;;
  esac
  [ "$verdict" = MISS ] && MISSED=1
  ROWS+=("$figure|$c $unit|$r $unit|$ratio|$goal_text|$verdict|$(load1)")
}

fail_row() {
  FAILED=1
  ROWS+=("$1|-|-|-|-|ERROR (see $2)|$(load1)")
}

# result_of KEY LOGFILE: the fields after "RESULT|KEY|" (corral|reference|unit).
result_of() { grep -m1 "^RESULT|$1|" "$2" | cut -d'|' -f3-; }

wanted() { [ -z "$ONLY" ] || [[ $ONLY == *",$1,"* ]]; }

run() {  # run NAME COMMAND...: output to $LOGS/NAME.log, and a line on the terminal
  local name=$1
  shift
  echo "== $name: $* (load $(load1))"
  "$@" >"$LOGS/$name.log" 2>&1
  echo "   exit $?, log $LOGS/$name.log"
}

# row LOG KEY FIGURE GOAL_KIND GOAL_VALUE: the row from the RESULT|KEY| line of LOG's output.
row() {
  local name=$1 key=$2 figure=$3 kind=$4 goal=$5 fields c r unit
  fields=$(result_of "$key" "$LOGS/$name.log")
  if [ -z "$fields" ]; then
    fail_row "$figure" "$LOGS/$name.log"
    return
  fi
  IFS='|' read -r c r unit <<<"$fields"
  add_row "$figure" "$unit" "$c" "$r" "$kind" "$goal"
}

echo "run-all on $(nproc) CPUs, $(uname -r), quick=$QUICK; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

if wanted restart; then
  run restart "$HERE/daemon_restart.sh" "$BUILD" "$RESTART_ITER"
  row restart restart "crash -> restart, median (vs fork/exec/wait loop)" le 1.0
fi
if wanted cold; then
  run cold "$HERE/cold_start.sh" "$BUILD" "$COLD_N" "$COLD_RUNS"
  row cold cold "cold start, $COLD_N services (vs Popen loop + start_secs)" le 1.0
fi
if wanted idle; then
  run idle "$HERE/daemon_idle.sh" "$BUILD" "$IDLE_N" "$IDLE_SECS"
  row idle idle "idle wakeups, $IDLE_N services, ${IDLE_SECS} s (vs blocking waitpid)" zero 0
fi
if wanted status; then
  run status "$HERE/daemon_status.sh" "$BUILD" "$STATUS_N" "$STATUS_RUNS"
  row status status "status --json, $STATUS_N services (vs --version)" le 1.5
fi
if wanted waits; then
  run waits "$BUILD/bench/bench_waits_scan" --rounds "$WAITS_ROUNDS"
  row waits waits "waits --json full scan (vs lslocks --json)" le 1.5
fi
if wanted graph; then
  # Google Benchmark's JSON, reduced to two RESULT lines (Tarjan, knots) by python3.
  run graph-raw "$BUILD/bench/bench_waitgraph" --benchmark_min_time="$GRAPH_MIN_TIME" \
    --benchmark_filter='BM_Tarjan|BM_Knots|BM_Reference' --benchmark_format=json
  python3 - "$LOGS/graph-raw.log" >"$LOGS/graph.log" 2>&1 <<'PY'
import json, sys
text = open(sys.argv[1]).read()
doc = json.loads(text[text.index("{"):])
# Names carry "/min_time:..." when the bench sets its own minimum time.
ms = {b["name"].split("/")[0]: b["real_time"] for b in doc["benchmarks"]}  # unit: ms (set in the bench)
boost = ms["BM_Reference_BoostStrongComponents"]
print(f"RESULT|graph-tarjan|{ms['BM_Tarjan']:.1f}|{boost:.1f}|ms")
print(f"RESULT|graph-knots|{ms['BM_Knots']:.1f}|{boost:.1f}|ms")
print(f"knot pass alone (knots - Tarjan): {ms['BM_Knots'] - ms['BM_Tarjan']:.1f} ms")
PY
  row graph graph-tarjan "Tarjan SCC, 1,000,000 nodes (vs Boost SCC)" le 0.3
  row graph graph-knots "knots (Tarjan + knot pass) (vs Boost SCC)" le 0.3
  grep '^knot pass' "$LOGS/graph.log"
fi
if wanted ipc; then
  run ipc "$BUILD/bench/bench_ipc" "${IPC_ARGS[@]}"
  row ipc ipc "bounded buffer K=64 batch 1 (vs SPSC ring)" ge 0.5
fi
if wanted ps; then
  run ps env N="$PS_N" REPS="$PS_REPS" "$HERE/ps.sh" "$BUILD"
  row ps ps "ps --json (vs procps ps)" le 0.25
fi

echo
echo "issue 13 figures, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, quick=$QUICK"
echo "load average at start: $START_LOAD; at end: $(cut -d' ' -f1-3 /proc/loadavg)"
{
  echo "figure|corral|reference|ratio|goal|result|load"
  printf '%s\n' "${ROWS[@]}"
} | column -t -s '|'
echo "logs: $LOGS"
[ "$FAILED" = 1 ] && exit 2
[ "$MISSED" = 1 ] && exit 1
exit 0
