#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# daemon-reexec (issue 10 part 5): control-socket unavailability while corrald
# re-executes itself under SERVICES services, and restarts counted before and
# after. Reference in the same run: the longest gap between two `status`
# replies with no re-exec (bench/bench_daemon_reexec.cpp says how it measures).
# Goal: under 100 ms of unavailability, 0 restarts, 0 pids changed.
#
# Usage: bench/daemon_reexec.sh [BUILD_DIR (default ./build)] [SERVICES (default 1000)] [ROUNDS (default 3)]
set -u
BENCH_NAME=daemon_reexec
# shellcheck source=bench/daemon_common.sh disable=SC2034  # BENCH_NAME is used there
. "$(dirname "$0")/daemon_common.sh"
bench_init "${1:-./build}"
SERVICES=${2:-1000}
ROUNDS=${3:-3}
DRIVER=$BUILD/bench/bench_daemon_reexec
[ -x "$DRIVER" ] || bench_die "$DRIVER is missing: build first (cmake --build $BUILD --target bench_daemon_reexec)"
ln -s "$(command -v sleep)" "$BENCH_TMP/sleep" || bench_die "no sleep(1)"

cat >"$BENCH_TMP/corral.toml" <<TOML
[daemon]
cgroup_name = "corral-bench-reexec-$$"
[service.sleeper]
command = ["$BENCH_TMP/sleep", "1000000"]
instances = $SERVICES
TOML
bench_start_corrald "$BENCH_TMP/corral.toml"
echo "corrald pid $CORRALD_PID, socket $SOCKET"
bench_wait_running "$SERVICES"

bench_run_driver "$DRIVER" --socket "$SOCKET" --expect "$SERVICES" --rounds "$ROUNDS"
rc=$?
[ "$(readlink "/proc/$CORRALD_PID/exe" 2>/dev/null)" = "$CORRALD" ] || { echo "corrald $CORRALD_PID is gone"; rc=1; }
exit $rc
