#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The job queue's figures (issue 14), against one corrald started here:
#   1. replay fidelity: the worked set replayed per policy with a 200 ms unit
#      (`corralctl schedule replay`): every job's measured Tr within 10% (+1 unit)
#      of the simulated Tr;
#   2. overhead: 10,000 queued jobs, `submit` (goal < 5 ms) against the bare
#      `version` request; then the listing with them queued: (a) the `jobs` request
#      timed to the last byte of its reply, against `version`, and (b) the user's
#      command `corralctl --json jobs --queue bench` run as a child, stdout to
#      /dev/null, against the same command on an empty queue (goal for (b) < 50 ms);
#   3. preemption cost: RR with a 10 ms quantum on two CPU-bound jobs against the
#      same two one after the other (goal < 5% lost).
# The decision time per event is bench_jobs_decide (Google Benchmark).
#
# Usage: bench/jobs.sh [BUILD_DIR (default ./build)] [JOBS (default 10000)] [BURN_S (default 2)] [POLICIES (default "fcfs rr spn srt hrrn fb")]
set -u
BENCH_NAME=jobs
# shellcheck source=bench/daemon_common.sh disable=SC2034  # BENCH_NAME is used there
. "$(dirname "$0")/daemon_common.sh"
bench_init "${1:-./build}"
JOBS=${2:-10000}
BURN=${3:-2}
POLICIES=${4:-fcfs rr spn srt hrrn fb}
DRIVER=$BUILD/bench/bench_jobs_queue
[ -x "$DRIVER" ] || bench_die "$DRIVER is missing: build first"

cat >"$BENCH_TMP/corral.toml" <<TOML
[daemon]
cgroup_name = "corral-bench-jobs-$$"
[queue.bench]
max_queued = $((JOBS + 10))
[queue.idle]
[queue.seq]
slots = 1
[queue.rr10]
policy = "rr"
quantum = "10ms"
[queue.lab-fcfs]
[queue.lab-rr]
policy = "rr"
quantum = "200ms"
[queue.lab-spn]
policy = "spn"
[queue.lab-srt]
policy = "srt"
[queue.lab-hrrn]
policy = "hrrn"
[queue.lab-fb]
policy = "fb"
quantum = "200ms"
TOML
bench_start_corrald "$BENCH_TMP/corral.toml"
echo "corrald pid $CORRALD_PID, socket $SOCKET"
rc=0

echo "== replay fidelity, 200 ms unit, worked set A(0,3) B(2,6) C(4,4) D(6,5) E(8,2)"
for p in $POLICIES; do
  out=$("$CORRALCTL" --socket "$SOCKET" schedule replay --policy "$p" --unit 200ms) || { echo "$out"; rc=1; continue; }
  echo "$out"
  case $out in *"every job within"*) echo "$p: PASS" ;; *) echo "$p: MISS"; rc=1 ;; esac
done

echo "== overhead with $JOBS queued jobs"
bench_run_driver "$DRIVER" --socket "$SOCKET" --corralctl "$CORRALCTL" --overhead "$JOBS" --rounds 20 || rc=1

echo "== preemption cost, RR 10 ms quantum"
bench_run_driver "$DRIVER" --socket "$SOCKET" --corralctl "$CORRALCTL" --preempt "$BURN" --rounds 5 || rc=1
exit $rc
