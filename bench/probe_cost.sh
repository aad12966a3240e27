#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Probe cost (issue 11): corrald's CPU with N services (default 1000) that each
# have a TCP health probe every 1 s, against the same N services without probes
# measured in the same run (the reference). Goal: corrald under 2% of one core.
# CPU is corrald's utime+stime from /proc/PID/stat over WINDOW seconds.
# Also the kernel's floor (bench_probe_floor): a process doing the same 1,000
# connects a second against the same listener and nothing else. On loopback the
# connecting process pays for both ends of the handshake, so corrald cannot go
# below it; the ratio to it is corrald's own share.
#
# Usage: bench/probe_cost.sh [BUILD_DIR (default ./build)] [N (default 1000)] [WINDOW_S (default 30)]
set -u
BENCH_NAME=probe_cost
# shellcheck source=bench/daemon_common.sh disable=SC2034  # BENCH_NAME is used there
. "$(dirname "$0")/daemon_common.sh"
bench_init "${1:-./build}"
N=${2:-1000}
WINDOW=${3:-30}
LISTEN=$BUILD/test-helpers/corral-test-listen
FLOOR=$BUILD/bench/bench_probe_floor
[ -x "$LISTEN" ] || bench_die "$LISTEN is missing: build first"
[ -x "$FLOOR" ] || bench_die "$FLOOR is missing: build first"
PORT=$((30000 + $$ % 20000))
TICKS=$(getconf CLK_TCK)

# One listener all probes connect to; it carries the temp dir so cleanup finds it.
"$LISTEN" "$PORT" --token "$BENCH_TMP" >/dev/null &
LISTENER=$!
trap 'kill -KILL $LISTENER 2>/dev/null; bench_cleanup' EXIT

write_config() {  # write_config FILE WITH_PROBES
  local i
  : >"$1"
  for ((i = 0; i < N; i++)); do
    printf '[service.s%d]\ncommand = ["sh", "-c", "sleep 100000; : %s"]\nstart_secs = "0"\n' "$i" "$BENCH_TMP" >>"$1"
    [ "$2" = 1 ] && printf 'health_probe = { tcp = "127.0.0.1:%d", interval = "1s", timeout = "1s" }\n' "$PORT" >>"$1"
  done
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

measure() {  # measure LABEL WITH_PROBES -> prints and sets PCT
  write_config "$BENCH_TMP/corral-$2.toml" "$2"
  bench_start_corrald "$BENCH_TMP/corral-$2.toml"
  bench_wait_running "$N"
  sleep 3  # probes settle into their 1 s rhythm
  local t0 c0 t1 c1
  t0=$(date +%s.%N); c0=$(cpu_ticks "$CORRALD_PID")
  sleep "$WINDOW"
  t1=$(date +%s.%N); c1=$(cpu_ticks "$CORRALD_PID")
  PCT=$(awk -v c="$((c1 - c0))" -v hz="$TICKS" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", 100 * c / hz / (b - a) }')
  printf '%-40s corrald CPU %7s %% of one core over %ss\n' "$1" "$PCT" "$WINDOW"
  bench_stop_corrald "$CORRALD_PID"
  CORRALD_PID=
}

cat /proc/loadavg
measure "$N services, no probes (reference)" 0
REF=$PCT
measure "$N services, tcp health probe every 1s" 1
"$FLOOR" "$PORT" "$N" "$WINDOW" | tee "$BENCH_TMP/floor.txt"
FLOOR_PCT=$(awk '/one socket reused/ { print $5 }' "$BENCH_TMP/floor.txt")
cat /proc/loadavg
awk -v p="$PCT" -v r="$REF" -v f="$FLOOR_PCT" 'BEGIN {
  printf "probes add %.3f %% of one core (%.2fx the kernel floor of %.3f %%); goal: corrald under 2%%: %s\n",
         p - r, (f > 0 ? (p - r) / f : 0), f, (p < 2 ? "PASS" : "MISS");
  exit (p < 2 ? 0 : 1) }'
