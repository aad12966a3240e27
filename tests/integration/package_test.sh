#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Debian package check (ctest label `package`): builds the packages with
# scripts/build-deb.sh (dpkg-buildpackage on a copy of the tree, in
# DEB_BUILD_DIR), then checks their control data and file lists, unpacks them
# into a temporary root and runs what they unpacked, runs the postinst's group
# setup twice (idempotent), and runs lintian on the binary and source packages:
# any error or warning fails the test.
#   package_test.sh SOURCE_DIR DEB_BUILD_DIR VERSION
set -euo pipefail
src=$1 build=$2 version=$3

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

work=$(mktemp -d "/tmp/corral-package-test.$$.XXXXXX")
created_group=0
cleanup() {
  rm -rf "$work"
  # The group the postinst check made (and its mark), only if this run made it.
  if [ "$created_group" = 1 ]; then
    if getent group corral >/dev/null; then groupdel corral; fi
    rm -f /var/lib/corral/.package-made-group
    rmdir /var/lib/corral 2>/dev/null || true
  fi
}
trap cleanup EXIT

# debhelper's automatic -dbgsym packages are not what this test checks: not
# making them saves compressing 100 MB of debug symbols (about 40 s a build).
export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-parallel=$(nproc) noautodbgsym}"
echo "== building the packages (scripts/build-deb.sh, BUILD_DIR=$build)"
start=$(date +%s)
BUILD_DIR=$build SOURCE=1 "$src/scripts/build-deb.sh" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
echo "built in $(( $(date +%s) - start )) s"
deb=$(grep '/corral_[^/]*\.deb$' "$work/build.log" | tail -n 1)
demos_deb=$(grep '/corral-demos_[^/]*\.deb$' "$work/build.log" | tail -n 1)
dsc=$(grep '\.dsc$' "$work/build.log" | tail -n 1)
for f in "$deb" "$demos_deb" "$dsc"; do
  [ -f "$f" ] || { cat "$work/build.log"; echo "FAIL: no package at '$f'" >&2; exit 1; }
done
echo "packages: $deb $demos_deb $dsc"

echo "== control data (dpkg-deb --info)"
dpkg-deb --info "$deb" | tee "$work/info"
dpkg-deb --info "$demos_deb" | tee "$work/demos-info"
field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = corral ] && pass "Package: corral" || fail "Package is '$(field Package)'"
[ "$(dpkg-deb --field "$demos_deb" Package)" = corral-demos ] && pass "Package: corral-demos" \
  || fail "second package is '$(dpkg-deb --field "$demos_deb" Package)'"
for f in "$deb" "$demos_deb"; do
  v=$(dpkg-deb --field "$f" Version)
  [ "$v" = "$version" ] && pass "$(basename "$f"): Version $version" || fail "Version is '$v', project says $version"
  m=$(dpkg-deb --field "$f" Maintainer)
  [ "$m" = "corral maintainers <corral@example.org>" ] && pass "Maintainer: $m" || fail "Maintainer is '$m'"
done
[ "$(field Section)" = admin ] && pass "Section: admin" || fail "Section is '$(field Section)'"
depends=$(field Depends)
# dpkg-shlibdeps found the C and C++ runtimes and the TOML library the programs link;
# debian/control names libmicrohttpd12 (corrald loads it with dlopen).
for lib in libc6 libstdc++6 libtomlplusplus3 libmicrohttpd12 adduser; do
  [[ $depends == *"$lib"* ]] && pass "Depends names $lib" || fail "Depends '$depends' lacks $lib"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -x -C "$work" -f - ./conffiles ./postinst ./prerm ./postrm
grep -qx /etc/corral/corral.toml "$work/conffiles" && pass "/etc/corral/corral.toml is a conffile" \
  || fail "conffiles: $(cat "$work/conffiles")"
for s in postinst prerm postrm; do
  [ -x "$work/$s" ] && sh -n "$work/$s" && pass "$s executable, valid sh" || fail "$s"
done
# dh_installsystemd's snippets: the unit is handled by deb-systemd-helper/-invoke.
grep -q "deb-systemd-invoke" "$work/postinst" && grep -q "deb-systemd-helper purge" "$work/postrm" \
  && pass "maintainer scripts carry dh_installsystemd's unit handling" || fail "no dh_installsystemd snippets"

echo "== file lists (dpkg-deb -c)"
list() { dpkg-deb -c "$1" | awk '{ print ($(NF-1) == "->") ? $(NF-2) : $NF }' | sed 's|^\./|/|'; }
list "$deb" | tee "$work/files"
list "$demos_deb" | tee "$work/demos-files"
expected=(/usr/bin/corralctl /etc/corral/corral.toml /etc/corral/conf.d/
          /usr/share/bash-completion/completions/corralctl /usr/share/doc/corral/copyright
          /usr/share/doc/corral/changelog.gz /usr/sbin/corrald /lib/systemd/system/corrald.service
          /usr/share/man/man1/corralctl.1.gz /usr/share/man/man5/corral.toml.5.gz
          /usr/share/man/man8/corrald.8.gz /usr/libexec/corral/corrald-stop-leftovers)
demos_expected=(/usr/share/man/man7/corral-demos.7.gz /usr/share/doc/corral-demos/copyright)
for demo in "$src"/examples/corral-demo-*.cpp; do
  name=$(basename "$demo" .cpp)
  # Each demo has a manual page under its own name: a link to corral-demos(7).
  demos_expected+=("/usr/bin/$name" "/usr/share/man/man1/$name.1.gz")
done
for f in "${expected[@]}"; do
  grep -qxF "$f" "$work/files" && pass "corral contains $f" || fail "corral lacks $f"
done
for f in "${demos_expected[@]}"; do
  grep -qxF "$f" "$work/demos-files" && pass "corral-demos contains $f" || fail "corral-demos lacks $f"
done
# Every man page of man/ is in one of the two packages.
for page in "$src"/man/*.[1-8]; do
  name=$(basename "$page")
  cat "$work/files" "$work/demos-files" | grep -qxF "/usr/share/man/man${name##*.}/$name.gz" \
    && pass "packaged: $name" || fail "man/$name is in no package"
done
grep -q corral-demo "$work/files" && fail "corral contains demo files: $(grep corral-demo "$work/files")"
# Nothing may land under /usr/local or the build machine's own paths.
if cat "$work/files" "$work/demos-files" | grep -v -e '^/usr/' -e '^/etc/' -e '^/lib/' -e '^/$'; then
  fail "files outside /usr, /etc, /lib"
fi

echo "== unpacked into a temporary root (dpkg -x)"
root=$work/root
dpkg -x "$deb" "$root"
dpkg -x "$demos_deb" "$root"
# libseccomp: a dependency through shlibs as soon as corrald links it (issue 12).
if readelf -d "$root/usr/sbin/corrald" | grep -q 'NEEDED.*libseccomp'; then
  [[ $depends == *libseccomp2* ]] && pass "corrald links libseccomp; Depends names libseccomp2" \
    || fail "corrald links libseccomp, Depends '$depends' lacks libseccomp2"
else
  echo "(corrald does not link libseccomp yet: no libseccomp2 in Depends expected)"
fi
out=$("$root/usr/bin/corralctl" --version)
[ "$out" = "corralctl $version" ] && pass "unpacked corralctl --version: $out" || fail "corralctl --version: '$out'"
if [ -x "$root/usr/sbin/corrald" ]; then
  out=$("$root/usr/sbin/corrald" --version)
  [ "$out" = "corrald $version" ] && pass "unpacked corrald --version: $out" || fail "corrald --version: '$out'"
  unit=$root/lib/systemd/system/corrald.service
  for line in "ExecStart=/usr/sbin/corrald --config /etc/corral/corral.toml --foreground" \
              "ExecReload=/usr/bin/corralctl --socket /run/corral/corral.sock reload" \
              "Delegate=yes" "RuntimeDirectory=corral" "KillMode=process" \
              "ExecStopPost=/usr/libexec/corral/corrald-stop-leftovers"; do
    grep -qxF "$line" "$unit" && pass "unit: $line" || fail "unit lacks $line"
  done
fi
for demo in "$root"/usr/bin/corral-demo-*; do
  [ -x "$demo" ] || continue
  # Every demo answers --help (CLI11) without starting anything.
  "$demo" --help >/dev/null && pass "$(basename "$demo") --help" || fail "$(basename "$demo") --help"
done
# The packaged binaries are stripped (no .debug_info, no symbol table).
if readelf -S "$root/usr/bin/corralctl" | grep -q -e '\.debug_info' -e '\.symtab'; then
  fail "corralctl is not stripped"
else
  pass "corralctl stripped"
fi
cmp -s "$root/etc/corral/corral.toml" "$src/packaging/corral.toml" && pass "config is packaging/corral.toml" \
  || fail "packaged config differs from packaging/corral.toml"
for page in "$src"/man/*.[1-8]; do
  [ -e "$page" ] || continue
  name=$(basename "$page")
  gz=$root/usr/share/man/man${name##*.}/$name.gz
  gzip -dc "$gz" | cmp -s - "$page" && pass "$name.gz decompresses to man/$name" || fail "$name.gz"
done
top=$(gzip -dc "$root/usr/share/doc/corral/changelog.gz" | head -n 1)
[[ $top == "corral ($version) "* ]] && pass "changelog starts with $version" \
  || fail "changelog's top entry '$top' is not version $version: add one to debian/changelog"
# The completion loads and completes subcommand names.
comp=$(bash -c 'source "$1"; COMP_WORDS=(corralctl st); COMP_CWORD=1; _corralctl; echo "${COMPREPLY[*]}"' \
       _ "$root/usr/share/bash-completion/completions/corralctl")
[ "$comp" = "status start stop" ] && pass "completion: 'corralctl st' -> $comp" || fail "completion gave '$comp'"
comp=$(bash -c 'source "$1"; COMP_WORDS=(corralctl logs --f); COMP_CWORD=2; _corralctl; echo "${COMPREPLY[*]}"' \
       _ "$root/usr/share/bash-completion/completions/corralctl")
[ "$comp" = "--follow" ] && pass "completion: 'corralctl logs --f' -> $comp" || fail "completion gave '$comp'"

# debian/corral.postinst without debhelper's unit snippets (which would touch
# this machine's systemd; tests/package/systemd_test.sh runs the whole scripts
# inside a container).
echo "== postinst configure: the group corral, twice (idempotent)"
if [ "$(id -u)" -ne 0 ]; then
  echo "skipped: not root (the postinst creates a system group)"
else
  getent group corral >/dev/null || created_group=1
  "$src/debian/corral.postinst" configure && "$src/debian/corral.postinst" configure && getent group corral >/dev/null \
    && pass "postinst configure twice: group $(getent group corral)" || fail "postinst configure"
fi

# The unpacked corrald with the shipped config (socket_group = "corral"): the
# socket is root:corral 0660, a user outside the group cannot connect, a member
# may read and change state.
if [ -x "$root/usr/sbin/corrald" ] && [ "$(id -u)" -eq 0 ] && getent group corral >/dev/null; then
  echo "== the unpacked corrald with the shipped config and the group corral"
  gid=$(getent group corral | cut -d: -f3)
  chmod 755 "$work"  # mktemp made it 0700: the unprivileged clients must reach the socket
  mkdir -p "$work/run"
  sock=$work/run/corral.sock
  "$root/usr/sbin/corrald" --config "$root/etc/corral/corral.toml" --socket "$sock" \
    --log-dir "$work/log" --state-dir "$work/state" --foreground >"$work/corrald.log" 2>&1 &
  dpid=$!
  ctl() { "$root/usr/bin/corralctl" --socket "$sock" "$@"; }
  # Ready once it answers (generous deadline: the machine may be loaded).
  for _ in $(seq 200); do
    ctl status >/dev/null 2>&1 && break
    kill -0 "$dpid" 2>/dev/null || break
    sleep 0.1
  done
  if ctl status >/dev/null 2>&1; then
    pass "corrald runs with the shipped config"
    [ "$(stat -c %U:%G:%a "$sock")" = root:corral:660 ] && pass "socket: root:corral 0660" \
      || fail "socket $(stat -c %U:%G:%a "$sock")"
    if ! setpriv --reuid=65534 --regid=65534 --clear-groups "$root/usr/bin/corralctl" --socket "$sock" status \
         >/dev/null 2>"$work/refused"; then
      pass "not in the group: cannot connect ($(cat "$work/refused"))"
    else
      fail "a user outside the group corral could use the socket"
    fi
    setpriv --reuid=65534 --regid=65534 --groups="$gid" "$root/usr/bin/corralctl" --socket "$sock" status >/dev/null \
      && pass "member of corral: status allowed" || fail "a member of corral could not read status"
    setpriv --reuid=65534 --regid=65534 --groups="$gid" "$root/usr/bin/corralctl" --socket "$sock" reload >/dev/null \
      && pass "member of corral: reload allowed" || fail "a member of corral could not reload"
  else
    fail "corrald did not come up: $(cat "$work/corrald.log")"
  fi
  kill -TERM "$dpid" 2>/dev/null || true
  # SIGTERM (what systemd sends corrald on stop) makes it exit; 20 s deadline.
  for _ in $(seq 200); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$dpid" 2>/dev/null; then
    fail "corrald still running 20 s after SIGTERM"
    kill -KILL "$dpid"
  fi
  wait "$dpid" && pass "corrald exited 0 on SIGTERM" || fail "corrald exit status $? on SIGTERM"
fi

echo "== lintian: no error and no warning on the binary and source packages"
if command -v lintian >/dev/null; then
  start=$(date +%s)
  lintian --fail-on error,warning --tag-display-limit 0 "$deb" "$demos_deb" "$dsc" >"$work/lintian" 2>&1 \
    && pass "lintian: 0 errors, 0 warnings ($(( $(date +%s) - start )) s)" || fail "lintian"
  cat "$work/lintian"
else
  fail "lintian not installed (apt-get install lintian; scripts/install-deps.sh does)"
fi

if [ "$failures" -ne 0 ]; then
  echo "package test: $failures check(s) failed" >&2
  exit 1
fi
echo "package test: all checks passed"
