#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs corral's Debian 12 build and test dependencies, only those missing.
# Needs root (or sudo) when something is missing; does nothing otherwise.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libseccomp-dev          # syscall filters for services
  libboost-dev            # Boost.Interprocess (header-only) for the IPC demos and registry
  libcli11-dev            # command-line parsing for every program
  libtomlplusplus-dev     # the TOML config
  nlohmann-json3-dev      # the control protocol and --json output
  libgtest-dev            # unit and integration tests
  libbenchmark-dev        # bench/
  procps psmisc           # ps and pstree: the reference runs of the benchmarks
  python3                 # bench/cold_start.sh: the subprocess.Popen reference loop
  bc bsdextrautils        # bench/: bc for the scripts' arithmetic, column(1) for run-all's table
  man-db                  # `man -l` for the page checks
  systemd                 # /usr/bin/systemd-notify: the readiness tests speak sd_notify with it
  dpkg-dev debhelper      # scripts/build-deb.sh: dpkg-buildpackage with debian/ (debhelper compat 13)
  lintian                 # the package test: 0 errors, 0 warnings on the packages
  debootstrap systemd-container  # tests/package/systemd_test.sh: a Debian 12 root booted by systemd-nspawn
  clang-14 libclang-rt-14-dev  # scripts/fuzz.sh and CI: libFuzzer targets in tests/fuzz (clang's fuzzer runtime)
  libmicrohttpd-dev       # corrald's /metrics HTTP endpoint: runs from corrald's own epoll loop (MHD_USE_EPOLL)
  prometheus              # the metrics tests: a real Prometheus scrapes corrald; promtool checks metrics and rules
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
