#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Status latency (issue 3): `corralctl status --json` with 1,000 services.
# Goal: under 20 ms, the median wall time of the whole corralctl process.
# References in the same run: `corralctl --version` (process floor) and the bare
# status request over the socket.
#
# Usage: bench/daemon_status.sh [BUILD_DIR (default ./build)] [SERVICES (default 1000)] [RUNS (default 30)]
set -u
BENCH_NAME=daemon_status
# shellcheck source=bench/daemon_common.sh disable=SC2034  # BENCH_NAME is used there
. "$(dirname "$0")/daemon_common.sh"
bench_init "${1:-./build}"
SERVICES=${2:-1000}
RUNS=${3:-30}
DRIVER=$BUILD/bench/bench_daemon_status
[ -x "$DRIVER" ] || bench_die "$DRIVER is missing: build first"
ln -s "$(command -v sleep)" "$BENCH_TMP/sleep" || bench_die "no sleep(1)"

cat >"$BENCH_TMP/corral.toml" <<TOML
[service.sleeper]
command = ["$BENCH_TMP/sleep", "1000000"]
instances = $SERVICES
TOML
bench_start_corrald "$BENCH_TMP/corral.toml"
echo "corrald pid $CORRALD_PID, socket $SOCKET"
bench_wait_running "$SERVICES"

bench_run_driver "$DRIVER" --corralctl "$CORRALCTL" --socket "$SOCKET" --expect "$SERVICES" --runs "$RUNS" --corrald-pid "$CORRALD_PID"
