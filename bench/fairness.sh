#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Fairness figures: cgroup weights (goal: each group within 2 points of 1/7, 2/7, 4/7)
# and the user-space nice FSS (goal: within 5 points), each against an uncontrolled
# reference run of the same workers in the same run. Needs root (cgroups, nice < 0 is
# not used). Usage: bench/fairness.sh [BUILD_DIR] [SECONDS]
set -eu
build=${1:-build}
secs=${2:-20}
echo "== $(date -u) on $(nproc) CPUs, loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/bench/bench_fairness_cgroup" --seconds "$secs"
"$build/bench/bench_fairness_nice" --seconds "$secs"
