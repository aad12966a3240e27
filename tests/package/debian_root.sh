#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Makes sure a Debian 12 root filesystem with systemd is cached as a tarball and
# prints its path. The first run builds it with debootstrap (minbase, plus
# systemd, systemd-sysv and dbus to boot it, and adduser, which corral's
# postinst needs); later runs on the same machine reuse the tarball. The other
# dependencies of the packages are fetched by apt inside the container, as on a
# user's machine.
#   CORRAL_TEST_CACHE  where the tarball lives (default /var/cache/corral-test),
#                      outside any checkout
#   DEBIAN_MIRROR      default http://deb.debian.org/debian
set -euo pipefail

cache=${CORRAL_TEST_CACHE:-/var/cache/corral-test}
tarball=$cache/debian-bookworm-systemd.tar.gz
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$cache"
# One builder at a time; the others wait for its tarball.
exec 9>"$cache/.lock"
flock 9
if [ ! -s "$tarball" ]; then
  tmp=$(mktemp -d "$cache/build.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  echo "debian_root: building $tarball with debootstrap (once per machine)" >&2
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,adduser \
    bookworm "$tmp/root" "$mirror" >"$tmp/debootstrap.log" 2>&1 \
    || { tail -n 30 "$tmp/debootstrap.log" >&2; exit 1; }
  # Keep the tarball small: the test runs apt-get update itself.
  rm -rf "$tmp/root/var/cache/apt/archives/"*.deb "$tmp/root/var/lib/apt/lists/"*_Packages
  tar --numeric-owner --xattrs -C "$tmp/root" -czf "$tmp/root.tar.gz" .
  mv "$tmp/root.tar.gz" "$tarball"
fi
echo "$tarball"
