#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Cold start (issue 13): N separate `sleep` services (start_secs = "100ms"),
# from corrald's exec until `corralctl status` reports all of them running,
# against a Python subprocess.Popen loop starting N sleeps, in the same run.
# Popen returns once its child has exec'd (it waits on an exec-error pipe), so
# the loop's time is "all N started". A service is "running" only after
# start_secs of uptime, so the goal is corrald <= the loop + start_secs: the
# reference printed is the loop's median plus start_secs.
#
# Usage: bench/cold_start.sh [BUILD_DIR (default ./build)] [SERVICES (default 1000)] [RUNS (default 3)]
#
# Runs alternate (corrald, then the loop) and the medians are compared. The
# "all running" instant is found by polling `corralctl status --json` every
# 50 ms, so corrald's figure may be up to ~50 ms (plus one status call) late.
set -u
# shellcheck disable=SC2034  # BENCH_NAME is used by daemon_common.sh
BENCH_NAME=cold_start
# shellcheck source=bench/daemon_common.sh disable=SC2034  # BENCH_NAME is used there
. "$(dirname "$0")/daemon_common.sh"
bench_init "${1:-./build}"
SERVICES=${2:-1000}
RUNS=${3:-3}
START_SECS_MS=100
command -v python3 >/dev/null || bench_die "python3 is missing (the reference loop)"
ln -s "$(command -v sleep)" "$BENCH_TMP/sleep" || bench_die "no sleep(1)"

for ((i = 0; i < SERVICES; i++)); do
  printf '[service.sleep%04d]\ncommand = ["%s", "1000000"]\nstart_secs = "%dms"\n\n' \
    "$i" "$BENCH_TMP/sleep" "$START_SECS_MS"
done >"$BENCH_TMP/corral.toml"

# The reference: Popen N sleeps, time the loop, then end them by pid.
cat >"$BENCH_TMP/popen_loop.py" <<'PY'
import subprocess, sys, time
sleep, n = sys.argv[1], int(sys.argv[2])
t0 = time.monotonic()
procs = [subprocess.Popen([sleep, "1000000"]) for _ in range(n)]
t1 = time.monotonic()
for p in procs:
    p.kill()
for p in procs:
    p.wait()
print(f"{(t1 - t0) * 1000:.1f}")
PY

# One corrald run: sets LAST_MS to the milliseconds from its start until all
# SERVICES are running (no command substitution: CORRALD_PID must reach the trap).
corral_run_ms() {
  local t0 n i
  t0=$EPOCHREALTIME
  (
    [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt 65536 ] && ulimit -Hn 65536 2>/dev/null
    ulimit -Sn 1024
    exec "$CORRALD" --config "$BENCH_TMP/corral.toml" --socket "$BENCH_TMP/corral.sock" \
      --log-dir "$BENCH_TMP/log" --state-dir "$BENCH_TMP/state" 2>>"$BENCH_TMP/corrald.err"
  ) &
  CORRALD_PID=$!
  for ((i = 0; i < 6000; i++)); do  # 300 s
    kill -0 "$CORRALD_PID" 2>/dev/null || { cat "$BENCH_TMP/corrald.err" >&2; bench_die "corrald exited at start"; }
    n=$("$CORRALCTL" --socket "$BENCH_TMP/corral.sock" status --json 2>/dev/null | grep -c '"state": "running"')
    if [ "$n" -ge "$SERVICES" ]; then
      local t1=$EPOCHREALTIME
      LAST_MS=$(((${t1/./} - ${t0/./}) / 1000))
      bench_stop_corrald "$CORRALD_PID"
      CORRALD_PID=
      return 0
    fi
    sleep 0.05
  done
  bench_die "only $n of $SERVICES services running after 300 s"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

mkdir -p "$BENCH_TMP/log" "$BENCH_TMP/state"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
corral_ms=() ref_ms=()
for ((r = 0; r < RUNS; r++)); do
  corral_run_ms
  c=$LAST_MS
  corral_ms+=("$c")
  p=$(python3 "$BENCH_TMP/popen_loop.py" "$BENCH_TMP/sleep" "$SERVICES") || bench_die "the Popen loop failed"
  ref_ms+=("$p")
  echo "run $((r + 1)): corrald all running after $c ms; Popen loop $p ms"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
c=$(printf '%s\n' "${corral_ms[@]}" | median)
p=$(printf '%s\n' "${ref_ms[@]}" | median)
ref=$(echo "$p + $START_SECS_MS" | bc -l)
echo "cold start of $SERVICES services, median of $RUNS runs: corrald $c ms; Popen loop $p ms + start_secs $START_SECS_MS ms = $ref ms"
# One machine-readable line for bench/run-all.sh: figure, corral, reference, unit.
echo "RESULT|cold|$c|$ref|ms"
