#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# corrald outlives itself (issue 10): crash trials and time to re-adopt.
#
# Usage: bench/daemon_adopt.sh [BUILD_DIR (default ./build)] [MODE (crash|readopt|all, default all)]
#                              [TRIALS (default 100)] [SERVICES for readopt (default 1000)]
#        FAIR_SHARE=off bench/daemon_adopt.sh ... readopt: the same without cgroups
#        (identity from pid, start time and process group).
#
# crash:   50 mixed services (19 plain `sleep`, 10 with two children, 10 that
#          ignore SIGTERM, 10 crash-looping, 1 writing a numbered line every
#          10 ms). TRIALS times: kill -9 of corrald at a random moment (0-2 s
#          after it answered), start it again, and check that every service is
#          back to exactly one copy (children included) within 30 s. At the end
#          a clean shutdown must leave 0 processes, and the numbered log must
#          have every number once, in order. Goal: TRIALS of TRIALS, 0 orphans,
#          0 lines lost.
# readopt: SERVICES `sleep`s. Reference: a fresh corrald start until `status`
#          shows all running. Measured: kill -9, then from the new corrald's
#          exec until `status` shows all running with the same pids, TRIALS
#          times. Prints each, the median and the ratio median / reference.
#          Goal: re-adoption under 100 ms.
#          How it is timed: the exec time is taken by the shell that then execs
#          corrald (bash's $EPOCHREALTIME, no fork between); the end is when the
#          first `status` answer showing all SERVICES running arrived at
#          bench/status_probe.py (python3), which is started before corrald and
#          tries to connect every 1 ms (10 ms for the reference). corrald listens
#          before it adopts, so that connection waits in the backlog and is
#          answered the moment corrald can: no polling granularity and no
#          corralctl fork/exec in the figure. corrald's own log line ("adopted N
#          services in X ms", its adoption step alone) is printed beside it.
set -u
BENCH_NAME=daemon_adopt
# shellcheck source=bench/daemon_common.sh disable=SC2034  # BENCH_NAME is used there
. "$(dirname "$0")/daemon_common.sh"
bench_init "${1:-./build}"
MODE=${2:-all}
TRIALS=${3:-100}
NSERV=${4:-1000}
BASE=$(( ($$ % 20000) * 100 + 3000000 ))   # sleep durations unique to this run identify its processes

now_ms() { date +%s%3N; }
ctl() { "$CORRALCTL" --socket "$SOCKET" "$@"; }
# snapshot: COUNT[D] = live processes whose command line is exactly "sleep D"
# (one grep over /proc: a fork per process is far too slow on a busy machine).
declare -A COUNT
snapshot() {
  local d
  COUNT=()
  while read -r d; do
    COUNT[$d]=$(( ${COUNT[$d]:-0} + 1 ))
  done < <(grep -a -o -E '^sleep.[0-9]+.$' /proc/[0-9]*/cmdline 2>/dev/null | tr '\0' ' ' | awk '{ print $2 }')
}
count_cmd() { echo "${COUNT[$1]:-0}"; }
kill9_corrald() {
  kill -KILL "$CORRALD_PID" 2>/dev/null
  wait "$CORRALD_PID" 2>/dev/null
  CORRALD_PID=
}
# Waits until every service but the crash-loopers runs; prints the status JSON.
wait_all_running() {
  local deadline=$(( $(now_ms) + ${2:-30000} )) js
  while [ "$(now_ms)" -lt "$deadline" ]; do
    js=$(ctl status --json 2>/dev/null) || { sleep 0.005; continue; }
    if [ "$(printf '%s' "$js" | grep -o '"state":"[a-z]*"' | grep -c -v -e '"running"')" -le "${1:-0}" ]; then
      printf '%s' "$js"
      return 0
    fi
  done
  return 1
}

crash_trials() {
  local conf=$BENCH_TMP/crash.toml i d ok=0 bad=0 t delay
  {
    echo "[daemon]"
    echo "cgroup_name = \"corral-bench-adopt-$$\""
    for i in $(seq 0 18); do
      echo "[service.plain$i]"; echo "command = [\"sleep\", \"$((BASE + i))\"]"; echo 'stop_timeout = "1s"'
    done
    for i in $(seq 0 9); do
      d=$((BASE + 20 + i))
      echo "[service.multi$i]"; echo "command = [\"sh\", \"-c\", \"sleep $d & sleep $d & wait\", \"$BENCH_TOKEN\"]"
      echo 'stop_timeout = "1s"'
      d=$((BASE + 40 + i))
      echo "[service.stubborn$i]"; echo "command = [\"sh\", \"-c\", \"trap '' TERM; sleep $d & wait; wait\", \"$BENCH_TOKEN\"]"
      echo 'stop_timeout = "1s"'
      echo "[service.crashy$i]"; echo "command = [\"sh\", \"-c\", \"sleep 0.\$((RANDOM % 5)); exit 1\", \"$BENCH_TOKEN\"]"
      echo 'start_secs = "0"'; echo 'backoff_initial = "20ms"'; echo 'backoff_max = "200ms"'; echo 'start_limit_burst = 1000000'
    done
    echo "[service.counter]"
    echo "command = [\"sh\", \"-c\", \"i=0; while :; do echo \$i; i=\$((i+1)); sleep 0.01; done\", \"$BENCH_TOKEN\"]"
  } >"$conf"
  bench_start_corrald "$conf"
  wait_all_running 10 >/dev/null || bench_die "services did not come up"
  for t in $(seq 1 "$TRIALS"); do
    delay=$(( RANDOM % 2000 ))
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    kill9_corrald
    bench_start_corrald "$conf"
    if ! wait_all_running 10 >/dev/null; then
      echo "trial $t: not all services running again within 30 s"; bad=$((bad + 1)); continue
    fi
    local wrong=""
    snapshot
    for i in $(seq 0 18); do [ "$(count_cmd $((BASE + i)))" = 1 ] || wrong+=" plain$i"; done
    for i in $(seq 0 9); do
      [ "$(count_cmd $((BASE + 20 + i)))" = 2 ] || wrong+=" multi$i"
      [ "$(count_cmd $((BASE + 40 + i)))" = 1 ] || wrong+=" stubborn$i"
    done
    if [ -z "$wrong" ]; then ok=$((ok + 1)); else bad=$((bad + 1)); echo "trial $t (kill at ${delay} ms): wrong copies:$wrong"; fi
  done
  ctl stop counter >/dev/null
  bench_stop_corrald "$CORRALD_PID"; CORRALD_PID=
  local orphans=0
  snapshot
  for i in $(seq 0 49); do orphans=$((orphans + $(count_cmd $((BASE + i))))); done
  local lost expected
  lost=$(awk 'BEGIN { n = 0; bad = 0 } { if ($1 != n) bad++; n = $1 + 1 } END { print bad }' "$BENCH_TMP/log/counter.log")
  expected=$(wc -l <"$BENCH_TMP/log/counter.log")
  echo "crash trials: $ok of $TRIALS good, $bad bad; orphans after the final shutdown: $orphans;" \
       "numbered log: $expected lines, $lost gaps or repeats"
}

# timed_start CONF INTERVAL_MS: starts the probe, then corrald; sets TIMED_MS to
# the ms from corrald's exec to the first `status` answer showing all NSERV running.
timed_start() {
  local conf=$1 interval=$2 probe at answers exec_at
  SOCKET=$BENCH_TMP/corral.sock
  mkdir -p "$BENCH_TMP/log" "$BENCH_TMP/state"
  rm -f "$BENCH_TMP/probe.ready" "$BENCH_TMP/probe.out" "$BENCH_TMP/exec_at"
  python3 "$(dirname "$0")/status_probe.py" "$SOCKET" "$NSERV" "$BENCH_TMP/probe.ready" "$interval" 120 \
    >"$BENCH_TMP/probe.out" &
  probe=$!
  while [ ! -e "$BENCH_TMP/probe.ready" ]; do
    kill -0 "$probe" 2>/dev/null || bench_die "bench/status_probe.py did not start (python3 missing?)"
    sleep 0.01
  done
  # The exec time, taken by the shell that becomes corrald.
  ( printf '%s\n' "${EPOCHREALTIME/,/.}" >"$BENCH_TMP/exec_at"
    exec "$CORRALD" --config "$conf" --socket "$SOCKET" --log-dir "$BENCH_TMP/log" --state-dir "$BENCH_TMP/state" ) \
    2>>"$BENCH_TMP/corrald.err" &
  CORRALD_PID=$!
  wait "$probe" || { tail -5 "$BENCH_TMP/corrald.err" >&2; bench_die "$NSERV services were not all running within 120 s"; }
  read -r at answers <"$BENCH_TMP/probe.out"
  exec_at=$(<"$BENCH_TMP/exec_at")
  TIMED_ANSWERS=$answers
  TIMED_MS=$(awk -v a="$at" -v e="$exec_at" 'BEGIN { printf "%.1f", (a - e) * 1000 }')
}

readopt() {
  local conf=$BENCH_TMP/readopt.toml i t ref before after own
  local -a meas=()
  {
    echo "[daemon]"
    echo "cgroup_name = \"corral-bench-readopt-$$\""
    [ -n "${FAIR_SHARE:-}" ] && echo "fair_share = \"$FAIR_SHARE\""
    for i in $(seq 0 $((NSERV - 1))); do
      echo "[service.s$i]"; echo "command = [\"sleep\", \"$((BASE + 100 + i))\"]"
    done
  } >"$conf"
  timed_start "$conf" 10
  ref=$TIMED_MS
  before=$(ctl status --json | grep -o '"pid":[0-9]*' | sort | md5sum)
  for t in $(seq 1 "$TRIALS"); do
    sleep 0.5  # the state file is written 20 ms after the last change
    kill9_corrald
    timed_start "$conf" 1
    meas+=("$TIMED_MS")
    after=$(ctl status --json | grep -o '"pid":[0-9]*' | sort | md5sum)
    [ "$before" = "$after" ] || echo "readopt trial $t: the pids CHANGED (services were restarted, not adopted)"
    own=$(grep -o 'adopted [0-9]* services in .*' "$BENCH_TMP/corrald.err" | tail -1)
    echo "readopt trial $t: ${TIMED_MS} ms from exec to all running ($TIMED_ANSWERS status answers);" \
         "corrald: ${own:-no adoption logged}"
  done
  local sorted median
  sorted=$(printf '%s\n' "${meas[@]}" | sort -n)
  median=$(printf '%s\n' "$sorted" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
  echo "readopt of $NSERV services (fair_share ${FAIR_SHARE:-cgroup}), $TRIALS trials: fresh start ${ref} ms" \
       "(reference), re-adoption median ${median} ms (min $(printf '%s\n' "$sorted" | head -1), max" \
       "$(printf '%s\n' "$sorted" | tail -1)), ratio $(awk -v a="$median" -v b="$ref" 'BEGIN { printf "%.3f", a / b }')" \
       "(exec to the first status answer with all running; goal: under 100 ms)"
  bench_stop_corrald "$CORRALD_PID"; CORRALD_PID=
}

case "$MODE" in
  crash) crash_trials ;;
  readopt) readopt ;;
  all) crash_trials; readopt ;;
  *) bench_die "MODE must be crash, readopt or all" ;;
esac
