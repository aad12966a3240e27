#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Crash-to-restart latency of corrald against a minimal fork/exec/waitpid loop
# (issue 3). Goal: corrald's median at most 1.5x the reference and under 1 ms.
#
# Usage: bench/daemon_restart.sh [BUILD_DIR (default ./build)] [ITERATIONS (default 200)]
#        CORRAL_BENCH_CGROUP=1 bench/daemon_restart.sh ...   runs corrald and the
#        driver in a private v1 cpu cgroup (as under a service manager), where
#        the kernel's per-session autogroups do not apply.
#
# One service runs corral-test-stamp, which writes its CLOCK_MONOTONIC start time
# to a FIFO; bench_daemon_restart SIGKILLs it after it has been up for 250 ms and
# times until the new instance has exec'd, alternating with its own reference loop.
# Service settings: restart = "always"; start_secs = "100ms" (so each run of
# 250 ms counts as a good start, and corrald restarts at once, without backoff:
# backoff only applies after a failed start, i.e. one shorter than start_secs);
# start_limit_burst = 1000000 (the start limit would otherwise mark it fatal).
set -u
BENCH_NAME=daemon_restart
# shellcheck source=bench/daemon_common.sh disable=SC2034  # BENCH_NAME is used there
. "$(dirname "$0")/daemon_common.sh"
bench_init "${1:-./build}"
ITERATIONS=${2:-200}
HELPER=$BUILD/test-helpers/corral-test-stamp
DRIVER=$BUILD/bench/bench_daemon_restart
for f in "$HELPER" "$DRIVER"; do [ -x "$f" ] || bench_die "$f is missing: build first"; done

if [ "${CORRAL_BENCH_CGROUP:-0}" = 1 ]; then
  bench_enter_cpu_cgroup
  echo "running in cpu cgroup $BENCH_CGROUP"
else
  echo "running in cpu cgroup $(awk -F: '$2 ~ /(^|,)cpu(,|$)/ { print $3 }' /proc/self/cgroup)" \
    "(kernel.sched_autogroup_enabled=$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null))"
fi
mkfifo "$BENCH_TMP/ref.fifo" "$BENCH_TMP/daemon.fifo" || bench_die "mkfifo failed"
cat >"$BENCH_TMP/corral.toml" <<TOML
[service.stamp]
command = ["$HELPER", "$BENCH_TMP/daemon.fifo"]
restart = "always"
start_secs = "100ms"
start_limit_burst = 1000000
start_limit_interval = "1s"
TOML
bench_start_corrald "$BENCH_TMP/corral.toml"
echo "corrald pid $CORRALD_PID, socket $SOCKET, open-files limit soft/hard $(bench_corrald_nofile)"

bench_run_driver "$DRIVER" --helper "$HELPER" --ref-fifo "$BENCH_TMP/ref.fifo" --daemon-fifo "$BENCH_TMP/daemon.fifo" \
  --iterations "$ITERATIONS" --settle-ms 250 --corrald-pid "$CORRALD_PID"
rc=$?
echo "service restarts counted by corrald: $("$CORRALCTL" --socket "$SOCKET" status --json | grep -o '"restarts": [0-9]*')"
exit $rc
