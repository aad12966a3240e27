# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Shared by the bench/daemon_*.sh benchmarks (sourced, not run): build-dir
# checks, a private temp dir and corrald instance per run, and a cleanup trap
# that stops corrald by pid, checks that none of its processes outlived it and
# removes the temp dir, on success and failure alike.
#
# The scripts build nothing: they take the build dir (default ./build) made by
#   cmake -S . -B build -G Ninja && cmake --build build

bench_die() { echo "$BENCH_NAME: $*" >&2; exit 2; }

# bench_init BUILD_DIR: sets BUILD, CORRALD, CORRALCTL, BENCH_TMP, BENCH_TOKEN.
bench_init() {
  BUILD=$(cd "${1:-./build}" 2>/dev/null && pwd) || bench_die "no build dir '${1:-./build}'"
  CORRALD=$BUILD/daemon/corrald
  CORRALCTL=$BUILD/tools/corralctl
  for f in "$CORRALD" "$CORRALCTL"; do
    [ -x "$f" ] || bench_die "$f is missing: build first (cmake --build $BUILD)"
  done
  BENCH_TMP=$(mktemp -d "/tmp/corral-$BENCH_NAME-$$-XXXXXX") || bench_die "mktemp failed"
  # Every process this run starts carries the temp dir (or this token) in its
  # command line, so leftovers can be found without guessing by name.
  BENCH_TOKEN="$BENCH_TMP"
  CORRALD_PID=
  DRIVER_PID=
  BENCH_CGROUP=
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM HUP
}

# Stop one corrald by pid: SIGTERM (it stops its services), SIGKILL after 60 s.
bench_stop_corrald() {
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 600; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$BENCH_NAME: corrald $pid did not stop within 60 s after SIGTERM; SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  return 0
}

# Pids of live processes whose command line contains the token. One grep over
# all of /proc (a fork per process is far too slow on a busy machine); the
# token comes on stdin so that grep's own command line does not match.
bench_leftovers() {
  local f pid
  # shellcheck disable=SC2062  # the glob names files, it is not a pattern
  for f in $(printf '%s\n' "$BENCH_TOKEN" | grep -a -l -F -f - /proc/[0-9]*/cmdline 2>/dev/null); do
    pid=${f#/proc/}
    pid=${pid%/cmdline}
    [ "$pid" = "$$" ] || echo "$pid"
  done
}

# bench_run_driver PROGRAM ARGS...: runs a driver in the background and waits
# for it, so that a signal to the script runs the cleanup at once (bash defers
# traps while a foreground child runs); returns the driver's exit status.
bench_run_driver() {
  "$@" &
  DRIVER_PID=$!
  wait "$DRIVER_PID"
  local rc=$?
  DRIVER_PID=
  return $rc
}

bench_cleanup() {
  local rc=$? left i
  trap - EXIT
  if [ -n "$DRIVER_PID" ]; then  # interrupted: the driver ends its own reference processes
    kill -TERM "$DRIVER_PID" 2>/dev/null
    wait "$DRIVER_PID" 2>/dev/null
  fi
  bench_stop_corrald "$CORRALD_PID"
  # Services get SIGTERM from the daemon's stop; give slow ones a moment.
  for ((i = 0; i < 50; i++)); do
    left=$(bench_leftovers)
    [ -z "$left" ] && break
    sleep 0.2
  done
  if [ -n "$left" ]; then
    echo "$BENCH_NAME: LEFTOVER processes after corrald stopped: ${left//$'\n'/ }" >&2
    # Ours for sure (they carry this run's temp dir): end them by pid.
    for i in $left; do kill -KILL "$i" 2>/dev/null; done
    [ "$rc" = 0 ] && rc=2
  else
    echo "cleanup: corrald stopped, no process of this run left"
  fi
  if [ -n "$BENCH_CGROUP" ]; then
    echo $$ >"$(dirname "$BENCH_CGROUP")/cgroup.procs"
    rmdir "$BENCH_CGROUP" || echo "$BENCH_NAME: could not remove cgroup $BENCH_CGROUP" >&2
  fi
  rm -rf "$BENCH_TMP"
  exit "$rc"
}

# bench_enter_cpu_cgroup: moves this script, and so corrald and the driver it
# starts later, into a private cgroup of the v1 cpu hierarchy, as a service
# manager would. The kernel's autogroups (a scheduling group per session, when
# kernel.sched_autogroup_enabled=1) only apply to tasks in the root cpu cgroup.
bench_enter_cpu_cgroup() {
  local root=/sys/fs/cgroup/cpu
  [ -w "$root/cgroup.procs" ] || bench_die "no writable v1 cpu hierarchy at $root"
  BENCH_CGROUP=$root/corral-$BENCH_NAME-$$
  mkdir "$BENCH_CGROUP" || { BENCH_CGROUP=; bench_die "cannot create a cpu cgroup under $root"; }
  echo $$ >"$BENCH_CGROUP/cgroup.procs" || bench_die "cannot join $BENCH_CGROUP"
}

# bench_start_corrald CONFIG: starts corrald on a private socket in the temp dir
# with a soft RLIMIT_NOFILE of 1024 (the usual default), to see whether corrald
# raises it by itself; the hard limit is raised to 65536 if it is lower and we
# may (CAP_SYS_RESOURCE), else left as it is.
# Sets CORRALD_PID and SOCKET, waits until the socket answers.
bench_start_corrald() {
  local config=$1 i
  SOCKET=$BENCH_TMP/corral.sock
  mkdir -p "$BENCH_TMP/log" "$BENCH_TMP/state"
  (
    [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt 65536 ] && ulimit -Hn 65536 2>/dev/null
    ulimit -Sn 1024
    exec "$CORRALD" --config "$config" --socket "$SOCKET" --log-dir "$BENCH_TMP/log" \
      --state-dir "$BENCH_TMP/state" 2>>"$BENCH_TMP/corrald.err"
  ) &
  CORRALD_PID=$!
  for ((i = 0; i < 300; i++)); do
    kill -0 "$CORRALD_PID" 2>/dev/null || { cat "$BENCH_TMP/corrald.err" >&2; bench_die "corrald exited at start"; }
    "$CORRALCTL" --socket "$SOCKET" status --json >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  bench_die "corrald did not answer on $SOCKET within 30 s"
}

# The soft/hard open-files limits corrald runs with, e.g. "20000/20000".
bench_corrald_nofile() {
  awk '/^Max open files/ { print $4 "/" $5 }' "/proc/$CORRALD_PID/limits"
}

# bench_wait_running N: waits (up to 300 s) until N services report "running".
bench_wait_running() {
  local want=$1 n=0 i
  for ((i = 0; i < 3000; i++)); do
    n=$("$CORRALCTL" --socket "$SOCKET" status --json 2>/dev/null | grep -c '"state": "running"')
    [ "$n" -ge "$want" ] && return 0
    sleep 0.1
  done
  bench_die "only $n of $want services running after 300 s"
}
