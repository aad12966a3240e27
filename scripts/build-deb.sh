#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds corral's Debian packages the Debian way: `dpkg-buildpackage -us -uc -b`
# with the debian/ folder (debhelper, CMake), on a copy of the tree so the
# checkout stays clean. Prints the path of each .deb, corral_*.deb last.
#   BUILD_DIR    where the copy and the packages go (default: build-deb); the
#                copy is BUILD_DIR/corral, the packages land in BUILD_DIR/
#   DEB_VERSION  build this version instead of debian/changelog's top entry (a
#                changelog entry is added in the copy; the systemd test builds
#                an upgrade this way)
#   SOURCE=1     also build the source package (.dsc, .tar.xz) for lintian
#   FRESH=1      a clean build. Otherwise the copy's CMake build folder
#                (obj-ARCH) is kept between runs and the build is incremental
#                (`dpkg-buildpackage -nc`): the copy is made afresh from the
#                checkout with the files' own times, so only what changed is
#                compiled again. ccache, when installed, is used as well.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
out=$(realpath -m "${BUILD_DIR:-build-deb}")
copy=$out/corral
objdir=obj-$(dpkg-architecture -qDEB_HOST_GNU_TYPE)
mkdir -p "$out"
rm -rf "$out/$objdir.kept"
if [ "${FRESH:-0}" != 1 ] && [ -d "$copy/$objdir" ]; then mv "$copy/$objdir" "$out/$objdir.kept"; fi
rm -rf "$copy"
mkdir "$copy"
# The files of the checkout: tracked and new ones, not what .gitignore names
# (build folders). Without git, everything but build*/ folders.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
    | tar --null -T - -cf - | tar -xf - -C "$copy"
else
  tar --exclude='./build*' --exclude=./.cache -cf - . | tar -xf - -C "$copy"
fi

if [ -n "${DEB_VERSION:-}" ]; then
  {
    echo "corral ($DEB_VERSION) unstable; urgency=medium"
    echo
    echo "  * Rebuilt as version $DEB_VERSION (scripts/build-deb.sh DEB_VERSION)."
    echo
    echo " -- corral maintainers <corral@example.org>  $(date -R)"
    echo
    cat "$copy/debian/changelog"
  } >"$copy/debian/changelog.new"
  mv "$copy/debian/changelog.new" "$copy/debian/changelog"
fi

version=$(cd "$copy" && dpkg-parsechangelog -S Version)
rm -f "$out"/corral*_"$version"_*.deb "$out"/corral*_"$version"_*.ddeb "$out"/corral*_"$version"_*.buildinfo \
      "$out"/corral*_"$version"_*.changes "$out"/corral_"$version".dsc "$out"/corral_"$version".tar.xz
log=$out/dpkg-buildpackage.log
if [ "${SOURCE:-0}" = 1 ]; then
  # The source package, from the fresh copy (before anything is built in it).
  (cd "$out" && dpkg-source -b corral) >"$log" 2>&1 || { tail -n 30 "$log" >&2; exit 1; }
fi
clean_flag=""
if [ -d "$out/$objdir.kept" ]; then
  mv "$out/$objdir.kept" "$copy/$objdir"
  clean_flag=-nc
fi
[ -d /usr/lib/ccache ] && export PATH=/usr/lib/ccache:$PATH
export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-parallel=$(nproc)}"
(cd "$copy" && dpkg-buildpackage -us -uc -b $clean_flag) >>"$log" 2>&1 || { tail -n 60 "$log" >&2; exit 1; }
[ "${SOURCE:-0}" = 1 ] && echo "$out/corral_$version.dsc"
ls "$out"/corral-demos_"$version"_*.deb
ls "$out"/corral_"$version"_*.deb
