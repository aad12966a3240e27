#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Metrics and events (issue 15), three figures, each beside a reference taken in
# the same run (bench/bench_daemon_metrics.cpp says what each one measures):
#   1. scrape: corrald's CPU per GET /metrics with SERVICES services (goal
#      < 10 ms) and the body size (goal < 1 MiB), against a `status` request;
#   2. idle: corrald's wake-ups over WINDOW seconds with metrics on and no
#      scraper (goal 0), beside a sleep(1);
#   3. events: SIGKILL of a service to its exit event at an `events` follower,
#      median (goal < 1 ms), against our own child's pidfd.
#
# Usage: bench/metrics.sh [BUILD_DIR (default ./build)] [SERVICES (default 1000)] [WINDOW (default 30)] [RUNS (default 50)]
set -u
BENCH_NAME=metrics
# shellcheck source=bench/daemon_common.sh disable=SC2034  # BENCH_NAME is used there
. "$(dirname "$0")/daemon_common.sh"
bench_init "${1:-./build}"
SERVICES=${2:-1000}
WINDOW=${3:-30}
RUNS=${4:-50}
DRIVER=$BUILD/bench/bench_daemon_metrics
[ -x "$DRIVER" ] || bench_die "$DRIVER is missing: build first"
ln -s "$(command -v sleep)" "$BENCH_TMP/sleep" || bench_die "no sleep(1)"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null) ||
  PORT=19464

cat >"$BENCH_TMP/corral.toml" <<TOML
[daemon]
metrics_listen = "127.0.0.1:$PORT"
fair_share = "off"
[service.sleeper]
command = ["$BENCH_TMP/sleep", "1000000"]
instances = $SERVICES
[service.victim]
command = ["$BENCH_TMP/sleep", "1000000"]
restart = "always"
start_secs = "0s"
backoff_initial = "1ms"
start_limit_burst = 1000000
TOML
bench_start_corrald "$BENCH_TMP/corral.toml"
bench_wait_running "$((SERVICES + 1))"
echo "corrald pid $CORRALD_PID, $SERVICES services + victim running, metrics on 127.0.0.1:$PORT"
rc=0
echo "== 1. scrape with $SERVICES services"
bench_run_driver "$DRIVER" --mode scrape --daemon-pid "$CORRALD_PID" --port "$PORT" --socket "$SOCKET" --runs "$RUNS" || rc=$?
echo "== 2. idle, no scraper, ${WINDOW} s"
bench_run_driver "$DRIVER" --mode idle --daemon-pid "$CORRALD_PID" --window "$WINDOW" || { r=$?; [ $r -gt $rc ] && rc=$r; }
echo "== 3. event delivery latency"
bench_run_driver "$DRIVER" --mode events --socket "$SOCKET" --runs "$RUNS" --service victim || { r=$?; [ $r -gt $rc ] && rc=$r; }
exit $rc
