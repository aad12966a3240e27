#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# corralctl ps --json against procps ps over the same processes, in the same run.
# Starts N extra sleeping processes (default 2000), runs both tools alternately
# REPS times each (stdout to /dev/null), and prints both median wall times and
# the ratio corral/ps. Goal: ratio <= 0.25 (issue 13). The sleepers are killed by PID on exit,
# whatever happens (trap).
#
#   bench/ps.sh [BUILD_DIR]        env: N=2000 REPS=15
set -euo pipefail

BUILD_DIR=${1:-$(cd "$(dirname "$0")/.." && pwd)/build}
CORRALCTL=${CORRALCTL:-$BUILD_DIR/tools/corralctl}
N=${N:-2000}
REPS=${REPS:-15}
PS_ARGS=(-eo pid,ppid,user,stat,ni,pri,psr,rss,vsz,wchan:20,args)

[[ -x $CORRALCTL ]] || { echo "ps.sh: $CORRALCTL not built" >&2; exit 1; }
command -v ps >/dev/null || { echo "ps.sh: procps ps not installed" >&2; exit 1; }

sleepers=()
cleanup() {
  [[ -n ${times_file:-} ]] && rm -f "$times_file"
  if ((${#sleepers[@]})); then
    kill "${sleepers[@]}" 2>/dev/null || true
    wait "${sleepers[@]}" 2>/dev/null || true
  fi
}
trap cleanup EXIT INT TERM

for ((i = 0; i < N; i++)); do
  sleep 3600 &
  sleepers+=($!)
done
# Wait until every sleeper has exec'd sleep (comm "sleep"), so both tools see the same set.
deadline=$((SECONDS + 60))
while :; do
  n=0
  for p in "${sleepers[@]}"; do
    [[ $(cat /proc/$p/comm 2>/dev/null) == sleep ]] && n=$((n + 1))
  done
  ((n == N)) && break
  ((SECONDS < deadline)) || { echo "ps.sh: sleepers did not start" >&2; exit 1; }
done

# Children's user+system CPU so far, in ms (bash `times`, second line), so the CPU
# cost can be compared too: on a machine loaded by other work the wall time
# also measures the wait for a CPU.
times_file=$(mktemp)
to_ms() {  # "1m2.345s" -> 62345, in pure bash (no child process to count)
  local t=$1 m sec
  m=${t%%m*}
  sec=${t#*m}
  sec=${sec%s}
  echo_ms=$((m * 60000 + 10#${sec/./}))
}
children_cpu_ms() {  # sets cpu_ms; `times` runs in this shell, not a subshell
  times >"$times_file"
  local line u s
  { read -r _ && read -r line; } <"$times_file"  # second line: children "user sys"
  u=${line% *} s=${line#* }
  to_ms "$u"; cpu_ms=$echo_ms
  to_ms "$s"; cpu_ms=$((cpu_ms + echo_ms))
}

# Wall time of one run in microseconds ($EPOCHREALTIME: no fork for the clock);
# adds the run's CPU milliseconds to the variable named by $1.
time_us() {
  local -n cpu_total=$1
  shift
  local c0 t0 t1
  children_cpu_ms
  c0=$cpu_ms
  t0=$EPOCHREALTIME
  "$@" >/dev/null
  t1=$EPOCHREALTIME
  children_cpu_ms
  cpu_total=$((cpu_total + cpu_ms - c0))
  last_us=$(( (${t1/./} - ${t0/./}) ))
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

# One warm-up each (page cache, dentries), then alternate so both see the same load.
"$CORRALCTL" ps --json >/dev/null
ps "${PS_ARGS[@]}" >/dev/null
corral_t=() ps_t=()
corral_cpu=0 ps_cpu=0 last_us=0
for ((r = 0; r < REPS; r++)); do
  time_us corral_cpu "$CORRALCTL" ps --json
  corral_t+=("$last_us")
  time_us ps_cpu ps "${PS_ARGS[@]}"
  ps_t+=("$last_us")
done

procs=$(set -- /proc/[0-9]*; echo $#)  # no ls: a process may vanish between glob and stat
c=$(printf '%s\n' "${corral_t[@]}" | median)
p=$(printf '%s\n' "${ps_t[@]}" | median)
echo "processes:            $procs (including $N sleepers)"
echo "repetitions:          $REPS each, alternating"
printf 'corralctl ps --json:  median %8.1f ms\n' "$(echo "$c / 1000" | bc -l)"
printf 'procps ps -eo ...:    median %8.1f ms\n' "$(echo "$p / 1000" | bc -l)"
printf 'ratio corral/ps:      %.2f (goal <= 0.25)\n' "$(echo "$c / $p" | bc -l)"
printf 'CPU (user+sys) total: corral %d ms, ps %d ms, ratio %.2f\n' "$corral_cpu" "$ps_cpu" \
  "$(echo "$corral_cpu / ($ps_cpu + 0.0001)" | bc -l)"
# One machine-readable line for bench/run-all.sh: figure, corral, reference, unit.
printf 'RESULT|ps|%.1f|%.1f|ms\n' "$(echo "$c / 1000" | bc -l)" "$(echo "$p / 1000" | bc -l)"
