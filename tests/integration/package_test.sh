#!/usr/bin/env bash
# The Debian package check (ctest label `package`): builds the .deb with
# scripts/build-deb.sh (incremental in its own build folder), then checks its
# control data and file list, unpacks it into a temporary root and runs what it
# unpacked, and runs the maintainer scripts' group setup twice (idempotent).
# lintian, when installed, is run and its findings printed, never failing.
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
  # The group the postinst check made, only if this run made it.
  if [ "$created_group" = 1 ] && getent group corral >/dev/null; then groupdel corral; fi
}
trap cleanup EXIT

echo "== building the package (scripts/build-deb.sh, BUILD_DIR=$build)"
BUILD_DIR=$build "$src/scripts/build-deb.sh" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
deb=$(tail -n 1 "$work/build.log")
[ -f "$deb" ] || { cat "$work/build.log"; echo "FAIL: no .deb at '$deb'" >&2; exit 1; }
echo "package: $deb"

echo "== control data (dpkg-deb --info)"
dpkg-deb --info "$deb" | tee "$work/info"
field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = corral ] && pass "Package: corral" || fail "Package is '$(field Package)'"
[ "$(field Version)" = "$version" ] && pass "Version: $version" || fail "Version is '$(field Version)', project says $version"
[ "$(field Section)" = admin ] && pass "Section: admin" || fail "Section is '$(field Section)'"
[ -n "$(field Maintainer)" ] && pass "Maintainer set" || fail "no Maintainer"
depends=$(field Depends)
# dpkg-shlibdeps found the C and C++ runtimes the programs link.
for lib in libc6 libstdc++6 adduser; do
  [[ $depends == *"$lib"* ]] && pass "Depends names $lib" || fail "Depends '$depends' lacks $lib"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -x -C "$work" -f - ./conffiles ./postinst ./prerm ./postrm
grep -qx /etc/corral/corral.toml "$work/conffiles" && pass "/etc/corral/corral.toml is a conffile" \
  || fail "conffiles: $(cat "$work/conffiles")"
for s in postinst prerm postrm; do
  [ -x "$work/$s" ] && sh -n "$work/$s" && pass "$s executable, valid sh" || fail "$s"
done

echo "== file list (dpkg-deb -c)"
dpkg-deb -c "$deb" | awk '{ print $NF }' | sed 's|^\./|/|' | tee "$work/files"
expected=(/usr/bin/corralctl /etc/corral/corral.toml /etc/corral/conf.d/
          /usr/share/bash-completion/completions/corralctl /usr/share/doc/corral/copyright
          /usr/share/doc/corral/changelog.gz)
for demo in "$src"/examples/corral-demo-*.cpp; do
  [ -e "$demo" ] && expected+=("/usr/bin/$(basename "$demo" .cpp)")
done
# corrald and its unit exist once daemon/*.cpp do.
if compgen -G "$src/daemon/*.cpp" >/dev/null; then
  expected+=(/usr/sbin/corrald /lib/systemd/system/corrald.service /usr/libexec/corral/corrald-stop-leftovers)
else
  echo "(no daemon/*.cpp in this tree: corrald and its unit are not expected)"
fi
for page in "$src"/man/*.[1-8]; do
  [ -e "$page" ] || continue
  name=$(basename "$page")
  expected+=("/usr/share/man/man${name##*.}/$name.gz")
done
for f in "${expected[@]}"; do
  grep -qxF "$f" "$work/files" && pass "contains $f" || fail "missing $f"
done
# Nothing may land under /usr/local or the build machine's own paths.
if grep -v -e '^/usr/' -e '^/etc/' -e '^/lib/' -e '^/$' "$work/files"; then fail "files outside /usr, /etc, /lib"; fi

echo "== unpacked into a temporary root (dpkg -x)"
root=$work/root
dpkg -x "$deb" "$root"
out=$("$root/usr/bin/corralctl" --version)
[ "$out" = "corralctl $version" ] && pass "unpacked corralctl --version: $out" || fail "corralctl --version: '$out'"
if [ -x "$root/usr/sbin/corrald" ]; then
  out=$("$root/usr/sbin/corrald" --version)
  [ "$out" = "corrald $version" ] && pass "unpacked corrald --version: $out" || fail "corrald --version: '$out'"
  unit=$root/lib/systemd/system/corrald.service
  for line in "Type=simple" "ExecStart=/usr/sbin/corrald --config /etc/corral/corral.toml --foreground" \
              "Delegate=yes" "KillMode=process" "ExecStopPost=/usr/libexec/corral/corrald-stop-leftovers" \
              "RuntimeDirectory=corral"; do
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
  || fail "changelog's top entry '$top' is not version $version: add one to packaging/debian/changelog"
# The completion loads and completes subcommand names.
comp=$(bash -c 'source "$1"; COMP_WORDS=(corralctl st); COMP_CWORD=1; _corralctl; echo "${COMPREPLY[*]}"' \
       _ "$root/usr/share/bash-completion/completions/corralctl")
[ "$comp" = "status start stop" ] && pass "completion: 'corralctl st' -> $comp" || fail "completion gave '$comp'"
comp=$(bash -c 'source "$1"; COMP_WORDS=(corralctl logs --f); COMP_CWORD=2; _corralctl; echo "${COMPREPLY[*]}"' \
       _ "$root/usr/share/bash-completion/completions/corralctl")
[ "$comp" = "--follow" ] && pass "completion: 'corralctl logs --f' -> $comp" || fail "completion gave '$comp'"

echo "== postinst configure: the group corral, twice (idempotent)"
if [ "$(id -u)" -ne 0 ]; then
  echo "skipped: not root (the postinst creates a system group)"
else
  getent group corral >/dev/null || created_group=1
  "$work/postinst" configure && "$work/postinst" configure && getent group corral >/dev/null \
    && pass "postinst configure twice: group $(getent group corral)" || fail "postinst configure"
fi

# The unpacked corrald with the shipped config, its socket in a setgid folder of
# the group corral, as the unit arranges for /run/corral: the socket gets the
# group, a user outside it may only read, a member may change state.
if [ -x "$root/usr/sbin/corrald" ] && [ "$(id -u)" -eq 0 ] && getent group corral >/dev/null; then
  echo "== the unpacked corrald with the shipped config and the group corral"
  gid=$(getent group corral | cut -d: -f3)
  chmod 755 "$work"  # mktemp made it 0700: the unprivileged clients must reach the socket
  mkdir -p "$work/run"
  chgrp corral "$work/run"
  chmod 2755 "$work/run"
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
    [ "$(stat -c %G "$sock")" = corral ] && pass "socket group: corral" || fail "socket group $(stat -c %G "$sock")"
    if setpriv --reuid=65534 --regid=65534 --clear-groups "$root/usr/bin/corralctl" --socket "$sock" status >/dev/null \
       && ! setpriv --reuid=65534 --regid=65534 --clear-groups "$root/usr/bin/corralctl" --socket "$sock" reload 2>"$work/refused"; then
      pass "not in the group: status allowed, reload refused ($(cat "$work/refused"))"
    else
      fail "a user outside the group corral could reload, or not read"
    fi
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

echo "== lintian (findings are reported, never fail the test)"
if command -v lintian >/dev/null; then
  lintian --tag-display-limit 0 "$deb" || true
else
  echo "lintian not installed (apt-get install lintian), skipped"
fi

if [ "$failures" -ne 0 ]; then
  echo "package test: $failures check(s) failed" >&2
  exit 1
fi
echo "package test: all checks passed"
