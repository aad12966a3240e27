#!/usr/bin/env bash
# The README's main-job command: install dependencies, build, and show the PCB view.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build -G Ninja >/dev/null
cmake --build build
exec ./build/tools/corralctl ps
