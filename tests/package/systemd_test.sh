#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The packages under a real systemd: boots a Debian 12 root (cached by
# tests/package/debian_root.sh) with `systemd-nspawn --boot`, installs the
# built .debs with apt inside and drives systemd through nsenter: enable --now,
# status, a conf.d service started by `systemctl reload`, a bad config refused
# by reload (journal names file:line:col, nothing touched), kill -9 of corrald,
# `systemctl stop`, an upgrade to a rebuilt package with a higher version, apt
# purge; then lintian on the packages. Shuts the container down and removes
# everything it made. Needs root, debootstrap and systemd-container; skips
# (exit 77) without them.
#   systemd_test.sh [BUILD_DIR]   where the packages are built (default build/deb;
#                                 scripts/build-deb.sh runs there twice: the
#                                 version of debian/changelog and an upgrade)
#   REUSE_DEBS=1                  use the packages of this version already in
#                                 BUILD_DIR instead of building them again (the
#                                 upgrade's are always built)
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath -m "${1:-$src/build/deb}")
t0=$(date +%s)

if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root (systemd-nspawn)"; exit 77; fi
for tool in systemd-nspawn debootstrap nsenter lintian dpkg-buildpackage; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool missing (scripts/install-deps.sh installs it)"; exit 77; }
done

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
elapsed() { echo "$(( $(date +%s) - t0 )) s"; }
# wait_until SECONDS COMMAND...: polls COMMAND until it succeeds or the deadline passes.
wait_until() {
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# --- the packages: this version and a rebuilt, higher one --------------------
version=$(cd "$src" && dpkg-parsechangelog -S Version)
upgrade=$version+systemdtest1
# debhelper's automatic -dbgsym packages are not what this test checks: not
# making them saves compressing 100 MB of debug symbols (about 40 s a build).
export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-parallel=$(nproc) noautodbgsym}"
echo "== building corral $version and $upgrade (scripts/build-deb.sh in $build)"
mkdir -p "$build"
: >"$build.build.log"
for v in "$version" "$upgrade"; do
  # Only this version's packages are reused (package_deb built them from this
  # tree); the upgrade is always rebuilt, or an old run's would be installed.
  if [ "${REUSE_DEBS:-0}" = 1 ] && [ "$v" = "$version" ] && compgen -G "$build/corral_${v}_*.deb" >/dev/null \
     && compgen -G "$build/corral-demos_${v}_*.deb" >/dev/null; then
    echo "reusing the packages of $v in $build"
    continue
  fi
  extra=()
  [ "$v" = "$version" ] || extra=(DEB_VERSION="$v")
  env BUILD_DIR="$build" "${extra[@]}" "$src/scripts/build-deb.sh" >>"$build.build.log" 2>&1 \
    || { cat "$build.build.log"; exit 1; }
done
debs=("$build"/corral_"$version"_*.deb "$build"/corral-demos_"$version"_*.deb)
upgrade_debs=("$build"/corral_"$upgrade"_*.deb "$build"/corral-demos_"$upgrade"_*.deb)
for f in "${debs[@]}" "${upgrade_debs[@]}"; do [ -f "$f" ] || { echo "FAIL: no $f" >&2; exit 1; }; done
echo "packages built after $(elapsed)"

# --- the container ------------------------------------------------------------
tarball=$("$src/tests/package/debian_root.sh")
t_boot=$(date +%s)
work=$(mktemp -d /var/tmp/corral-systemd-test.XXXXXX)
machine=corral-test-$$-$(basename "$work" | cut -d. -f2 | tr 'A-Z' 'a-z')
root=$work/root
nspawn_pid=""
leader=""
cleanup() {
  set +e
  if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
    # A clean shutdown first; the container's systemd stops everything in it.
    [ -n "$leader" ] && kill -RTMIN+4 "$leader" 2>/dev/null  # systemd: poweroff
    for _ in $(seq 150); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$nspawn_pid" 2>/dev/null; then
      echo "container did not power off in 30 s: SIGKILL to systemd-nspawn ($nspawn_pid)" >&2
      kill -KILL "$nspawn_pid"
    fi
    wait "$nspawn_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir "$root"
tar --numeric-owner --xattrs -C "$root" -xzf "$tarball"
mkdir "$root/debs"
cp "${debs[@]}" "${upgrade_debs[@]}" "$root/debs/"

echo "== booting $machine (systemd-nspawn --boot)"
# --register=no --keep-unit: the host need not run systemd (no machined, no
# system bus: the container stays in our own cgroup). The console is a pipe
# into the boot log, so nothing waits on a terminal.
systemd-nspawn --quiet --boot --register=no --keep-unit --machine="$machine" --directory="$root" --console=pipe \
  </dev/null >"$work/boot.log" 2>&1 &
nspawn_pid=$!
# The container's PID 1 (systemd) is a child of systemd-nspawn.
find_leader() {
  local p
  for p in $(ps -o pid= --ppid "$nspawn_pid" 2>/dev/null); do
    if [ "$(cat /proc/"$p"/comm 2>/dev/null)" = systemd ]; then leader=$p; return 0; fi
  done
  return 1
}
wait_until 30 find_leader || { cat "$work/boot.log"; echo "FAIL: no systemd in the container" >&2; exit 1; }
ct() { nsenter --target "$leader" --all env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
booted() {
  local s
  s=$(ct systemctl is-system-running 2>/dev/null) || true
  [ "$s" = running ] || [ "$s" = degraded ]
}
if wait_until 60 booted; then
  pass "container booted: $(ct systemctl is-system-running) after $(( $(date +%s) - t_boot )) s"
else
  cat "$work/boot.log"; echo "FAIL: the container did not finish booting in 60 s" >&2; exit 1
fi
[ "$(ct systemctl is-system-running)" = degraded ] && ct systemctl --failed --no-legend

# Helpers on corrald inside the container.
main_pid() { ct systemctl show --property MainPID --value corrald.service; }
ctl() { ct corralctl --socket /run/corral/corral.sock "$@"; }
# The pid of a running service (corralctl status: NAME STATE PID ...), or nothing.
service_pid() { ctl status 2>/dev/null | awk -v n="$1" '$1 == n && $2 == "running" { print $3 }'; }
service_running() { [ -n "$(service_pid "$1")" ]; }
alive_in_ct() { ct test -d "/proc/$1"; }
# Processes named sleep inside the container (the test's service runs /bin/sleep).
sleepers() { ct sh -c 'for c in /proc/[0-9]*/comm; do [ "$(cat "$c" 2>/dev/null)" = sleep ] && echo "${c%/comm}"; done' || true; }

echo "== apt install of corral $version"
# apt fetches the dependencies that are not in the root (libtomlplusplus3, ...)
# from the archive, as on a user's machine: the container shares the host's network.
ct apt-get update -qq >"$work/apt-update.log" 2>&1 || { cat "$work/apt-update.log"; fail "apt-get update"; }
names=$(for f in "${debs[@]}"; do printf ' /debs/%s' "$(basename "$f")"; done)
if ct sh -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -q $names" >"$work/apt.log" 2>&1; then
  pass "apt-get install$names"
else
  cat "$work/apt.log"; fail "apt-get install"
fi
[ "$(ct dpkg-query -W -f='${Version}' corral)" = "$version" ] && pass "corral $version installed" || fail "not installed"
ct getent group corral >/dev/null && pass "group corral made by the postinst" || fail "no group corral"
state=$(ct systemctl is-enabled corrald.service || true)
[ "$state" = disabled ] && pass "corrald.service installed, not enabled by the package" || fail "is-enabled: $state"
state=$(ct systemctl is-active corrald.service || true)
[ "$state" = inactive ] && pass "and not started" || fail "is-active after install: $state"

echo "== systemctl enable --now corrald"
ct systemctl enable --now corrald.service >/dev/null 2>&1 && pass "enable --now" || fail "enable --now"
wait_until 20 ctl status >/dev/null 2>&1 && pass "corrald answers on /run/corral/corral.sock" || fail "no answer"
if ct systemctl status --no-pager corrald.service >"$work/status" 2>&1; then
  grep -q "active (running)" "$work/status" && pass "systemctl status: active (running)" || fail "status: $(cat "$work/status")"
else
  cat "$work/status"; fail "systemctl status exited non-zero"
fi
sock_mode=$(ct stat -c %U:%G:%a /run/corral/corral.sock)
[ "$sock_mode" = root:corral:660 ] && pass "control socket is root:corral 0660" || fail "control socket: $sock_mode"

echo "== a conf.d service started by systemctl reload"
ct sh -c 'cat >/etc/corral/conf.d/sleeper.toml' <<'TOML'
[service.sleeper]
command = "/bin/sleep 100000"
TOML
ct systemctl reload corrald.service && pass "systemctl reload" || fail "systemctl reload"
wait_until 20 service_running sleeper && pass "service sleeper running (pid $(service_pid sleeper))" \
  || fail "sleeper not running: $(ctl status 2>&1)"
sleeper_pid=$(service_pid sleeper)
corrald_pid=$(main_pid)

echo "== a bad config is refused by systemctl reload"
ct sh -c 'cat >/etc/corral/conf.d/bad.toml' <<'TOML'
[service.broken]
command = 42
TOML
if ct systemctl reload corrald.service 2>"$work/reload.err"; then
  fail "systemctl reload accepted a bad config"
else
  pass "systemctl reload exits non-zero: $(head -n 1 "$work/reload.err")"
fi
in_journal() { ct journalctl --no-pager -o cat -u corrald.service | grep -E -m 1 '/etc/corral/conf.d/bad\.toml:[0-9]+:[0-9]+'; }
if line=$(wait_until 10 in_journal); then pass "journal: $line"; else fail "no file:line:col in the journal"; fi
[ "$(ct systemctl is-active corrald.service)" = active ] && [ "$(main_pid)" = "$corrald_pid" ] \
  && pass "corrald still active, same pid $corrald_pid" || fail "corrald changed: $(main_pid)"
[ "$(service_pid sleeper)" = "$sleeper_pid" ] && pass "sleeper untouched (pid $sleeper_pid)" || fail "sleeper changed"
ct rm /etc/corral/conf.d/bad.toml

echo "== kill -9 of corrald's main pid: systemd restarts it"
ct sh -c "kill -KILL $corrald_pid"  # the shell's kill: minbase has no procps
restarted() { local p; p=$(main_pid); [ "$p" != 0 ] && [ "$p" != "$corrald_pid" ] && ctl status >/dev/null 2>&1; }
if wait_until 30 restarted; then pass "corrald restarted by systemd: pid $corrald_pid -> $(main_pid)"; else fail "not restarted"; fi
# KillMode=process: systemd leaves the services alone when corrald dies, and the
# new corrald adopts them: the same process, not a restarted one.
wait_until 20 service_running sleeper && [ "$(service_pid sleeper)" = "$sleeper_pid" ] \
  && pass "sleeper adopted by the new corrald: still pid $sleeper_pid" \
  || fail "sleeper after the restart: $(ctl status 2>&1)"
[ "$(sleepers | wc -l)" = 1 ] && pass "exactly one sleep process" || fail "sleep processes: $(sleepers | tr '\n' ' ')"

echo "== systemctl stop leaves no service process"
ct systemctl stop corrald.service && pass "systemctl stop" || fail "systemctl stop"
state=$(ct systemctl is-active corrald.service || true)
[ "$state" = inactive ] && pass "corrald inactive" || fail "after stop: $state"
[ -z "$(sleepers)" ] && pass "no service process left" || fail "left behind: $(sleepers | tr '\n' ' ')"

echo "== upgrade to $upgrade"
ct systemctl start corrald.service
wait_until 20 service_running sleeper || fail "sleeper did not start again"
before=$(main_pid)
sleeper_pid=$(service_pid sleeper)
names=$(for f in "${upgrade_debs[@]}"; do printf ' /debs/%s' "$(basename "$f")"; done)
if ct sh -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -q $names" >"$work/apt-upgrade.log" 2>&1; then
  pass "apt-get install$names"
else
  cat "$work/apt-upgrade.log"; fail "upgrade"
fi
[ "$(ct dpkg-query -W -f='${Version}' corral)" = "$upgrade" ] && pass "corral $upgrade installed" || fail "version"
# The postinst moves the running corrald to the new binary with daemon-reexec:
# same MainPID, now running the new file, and the service keeps its pid (it was
# neither restarted nor adopted).
if line=$(grep -m 1 're-executed from /usr/sbin/corrald' "$work/apt-upgrade.log"); then
  pass "postinst: $line"
else
  cat "$work/apt-upgrade.log"; fail "the postinst did not re-execute corrald"
fi
[ "$(main_pid)" = "$before" ] && pass "corrald kept its pid $before across the upgrade" \
  || fail "corrald's MainPID changed: $before -> $(main_pid)"
ct test "$(ct readlink "/proc/$before/exe")" = /usr/sbin/corrald && pass "it runs the new /usr/sbin/corrald" \
  || fail "pid $before runs $(ct readlink "/proc/$before/exe")"
[ "$(ct systemctl is-active corrald.service)" = active ] && pass "corrald.service active after the upgrade" \
  || fail "corrald.service: $(ct systemctl is-active corrald.service)"
[ "$(service_pid sleeper)" = "$sleeper_pid" ] && pass "sleeper kept pid $sleeper_pid across the upgrade" \
  || fail "sleeper after the upgrade: $(ctl status 2>&1)"
[ "$(sleepers | wc -l)" = 1 ] && pass "exactly one sleep process" || fail "sleep processes: $(sleepers | tr '\n' ' ')"
ct test -f /etc/corral/conf.d/sleeper.toml && pass "the administrator's drop-in survives the upgrade" || fail "drop-in lost"
ct getent group corral >/dev/null && pass "group corral kept" || fail "group lost"

echo "== apt purge"
ct rm /etc/corral/conf.d/sleeper.toml
if ct sh -c "DEBIAN_FRONTEND=noninteractive apt-get purge -y -q corral corral-demos" >"$work/purge.log" 2>&1; then
  pass "apt-get purge corral corral-demos"
else
  cat "$work/purge.log"; fail "purge"
fi
[ -z "$(sleepers)" ] && pass "no service process left after purge" || fail "left: $(sleepers | tr '\n' ' ')"
for path in /etc/corral /var/lib/corral /var/log/corral /run/corral /lib/systemd/system/corrald.service \
            /usr/sbin/corrald /usr/bin/corralctl /etc/systemd/system/multi-user.target.wants/corrald.service; do
  ct test -e "$path" && fail "$path left after purge" || pass "purged: $path"
done
ct getent group corral >/dev/null && fail "group corral left after purge" || pass "purged: group corral"
state=$(ct dpkg-query -W -f='${db:Status-Abbrev}' corral 2>/dev/null || true)
[ -z "$state" ] || [[ $state == "un"* ]] || [[ $state == "pn"* ]] && pass "dpkg forgot corral" || fail "dpkg: $state"
state=$(ct systemctl is-active corrald.service || true)
[ "$state" != active ] && pass "no corrald.service running" || fail "corrald still $state"
echo "container checks done after $(elapsed) (boot to purge $(( $(date +%s) - t_boot )) s)"

echo "== shutting the container down"
ct systemctl poweroff --no-block >/dev/null 2>&1 || true
if wait_until 30 eval '! kill -0 "$nspawn_pid" 2>/dev/null'; then
  wait "$nspawn_pid" 2>/dev/null || true
  nspawn_pid=""
  pass "container powered off"
else
  fail "the container did not power off in 30 s"
fi

echo "== lintian"
if lintian --fail-on error,warning --tag-display-limit 0 "${debs[@]}" >"$work/lintian" 2>&1; then
  pass "lintian: 0 errors, 0 warnings on ${debs[*]##*/}"
else
  fail "lintian"
fi
cat "$work/lintian"

echo "systemd test took $(elapsed)"
if [ "$failures" -ne 0 ]; then
  echo "systemd test: $failures check(s) failed" >&2
  exit 1
fi
echo "systemd test: all checks passed"
