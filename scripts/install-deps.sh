#!/usr/bin/env bash
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
  man-db                  # `man -l` for the page checks
  dpkg-dev fakeroot       # scripts/build-deb.sh: cpack -G DEB (dpkg-shlibdeps), dpkg-deb
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
