#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Ready-to-dependent latency (issue 11): from db's READY=1 datagram to the
# launch of web, which requires db: corrald's fork of web as the kernel stamps
# it (the proc connector; needs root), and web's main() beside a plain
# fork+exec of the same program in the same run. Median over ITERATIONS runs.
# Goal: READY=1 to the launch under 1 ms.
#
# Usage: bench/ready_latency.sh [BUILD_DIR (default ./build)] [ITERATIONS (default 200)]
set -u
BENCH_NAME=ready_latency
# shellcheck source=bench/daemon_common.sh disable=SC2034  # BENCH_NAME is used there
. "$(dirname "$0")/daemon_common.sh"
bench_init "${1:-./build}"
ITERATIONS=${2:-200}
CUE_HELPER=$BUILD/test-helpers/corral-test-ready_on_cue
STAMP=$BUILD/test-helpers/corral-test-stamp
DRIVER=$BUILD/bench/bench_ready_latency
for f in "$CUE_HELPER" "$STAMP" "$DRIVER"; do [ -x "$f" ] || bench_die "$f is missing: build first"; done
mkfifo "$BENCH_TMP/cue.fifo" "$BENCH_TMP/ready.fifo" "$BENCH_TMP/stamp.fifo" || bench_die "mkfifo failed"
cat >"$BENCH_TMP/corral.toml" <<TOML
[service.db]
command = ["$CUE_HELPER", "$BENCH_TMP/cue.fifo", "$BENCH_TMP/ready.fifo"]
notify = "systemd"
start_limit_burst = 1000000

[service.web]
command = ["$STAMP", "$BENCH_TMP/stamp.fifo"]
requires = ["db"]
start_secs = "0"
start_limit_burst = 1000000
TOML
bench_start_corrald "$BENCH_TMP/corral.toml"
echo "corrald pid $CORRALD_PID, socket $SOCKET"
bench_run_driver "$DRIVER" --ctl "$CORRALCTL" --socket "$SOCKET" --cue "$BENCH_TMP/cue.fifo" \
  --ready "$BENCH_TMP/ready.fifo" --stamp "$BENCH_TMP/stamp.fifo" --stamp-helper "$STAMP" \
  --daemon-pid "$CORRALD_PID" --iterations "$ITERATIONS"
