#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's main-job command: install dependencies, build, and run the corral
# supervisor (corrald) in the foreground on examples/demo.toml.
#
# Everything the daemon writes goes under ./run (override with CORRAL_RUN_DIR):
# the control socket run/corral.sock, the service logs run/log/NAME.log and the
# state dir run/state. So it works the same as root and as a normal user, and it
# never touches a system-wide corrald at /run/corral/corral.sock.
# Stop it with Ctrl-C (or `corralctl --socket run/corral.sock shutdown`): every
# service is stopped before corrald exits.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
./scripts/install-deps.sh
cmake -S . -B build -G Ninja >/dev/null
cmake --build build

run=${CORRAL_RUN_DIR:-$root/run}
mkdir -p "$run"
sock="$run/corral.sock"
ctl="./build/tools/corralctl --socket $sock"

cat <<EOT

corrald is starting in the foreground on examples/demo.toml (Ctrl-C stops it
and every service). From another terminal, in $root:

  $ctl status               # the services: state, pid, restarts, uptime, last exit
  $ctl status --json
  $ctl logs ticker -f       # follow a service's output (Ctrl-C to stop following)
  $ctl logs flaky -n 5      # restart = "always": it exits every 4 s and comes back
  $ctl status broken        # a missing binary: backoff, then fatal with the exec error
  $ctl start oneshot; $ctl logs oneshot
  $ctl stop worker          # both instances, worker@0 and worker@1
  $ctl restart worker@1
  $ctl signal ticker HUP
  $ctl run --name nap -- sleep 60
  $ctl group list           # fair share: weights 100/200/400 -> measured CPU share 1:2:4
  $ctl top                  # the same, refreshing, with each group's services
  $ctl suspend burn-g@0; $ctl status burn-g; $ctl resume burn-g@0
  $ctl reload               # after editing examples/demo.toml: applies only the difference
  $ctl shutdown

Logs: $run/log/NAME.log (rotated at 64K, 3 kept)

EOT
exec ./build/daemon/corrald --config examples/demo.toml --socket "$sock" \
  --log-dir "$run/log" --state-dir "$run/state" --foreground
