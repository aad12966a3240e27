#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# bench/daemon_adopt.sh's clock for "time to re-adopt": asks corrald's control
# socket for `status` until every one of N services is running, and prints the
# wall-clock time (seconds since the epoch, microseconds) at which the first
# such answer had arrived, then how many answers it took.
#
# Started before corrald, it tries to connect every millisecond. corrald listens
# before it adopts and answers once its event loop runs, so the connection made
# right after the listen waits in the backlog and its answer comes the moment
# corrald can give one: the figure has no polling granularity once corrald
# listens, and no fork/exec of a client in it (corralctl costs milliseconds).
#
# Usage: status_probe.py SOCKET N READY_FILE [INTERVAL_MS (default 1)] [TIMEOUT_S (default 120)]
# READY_FILE is created when the probe starts trying (start corrald after it).
import json
import socket
import sys
import time

REQUEST = b'{"v":1,"cmd":"status"}\n'


def ask(path):
    """One status answer (parsed), and the time its last byte arrived; None if corrald is not there yet."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
    except OSError:  # not yet listening (ENOENT, or ECONNREFUSED from the killed one's socket file)
        s.close()
        return None
    try:
        s.sendall(REQUEST)
        buf = bytearray()
        while not buf.endswith(b"\n"):
            chunk = s.recv(1 << 20)
            if not chunk:
                return None  # went away (the old corrald, killed)
            buf += chunk
        at = time.time()
    except OSError:
        return None
    finally:
        s.close()
    return json.loads(buf), at


def main():
    path, want, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    interval = (float(sys.argv[4]) if len(sys.argv) > 4 else 1.0) / 1000
    deadline = time.monotonic() + (float(sys.argv[5]) if len(sys.argv) > 5 else 120.0)
    open(ready, "w").close()
    answers = 0
    while time.monotonic() < deadline:
        got = ask(path)
        if got is not None:
            reply, at = got
            answers += 1
            services = reply.get("data") or []
            running = sum(1 for s in services if s.get("state") == "running")
            if reply.get("ok") and running == want and len(services) == want:
                print(f"{at:.6f} {answers}")
                return 0
        time.sleep(interval)
    print(f"status_probe: not all {want} services running within the timeout", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
