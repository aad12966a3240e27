// SPDX-License-Identifier: Apache-2.0
// Pre-fork preparation: every lookup, allocation and open the child would need.
#include "prepared_launch.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <linux/magic.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "corral/base/signals.hpp"
#include "corral/launch/capabilities.hpp"
#include "corral/launch/exec_path.hpp"
#include "corral/launch/rlimit_names.hpp"
#include "corral/sched/apply.hpp"
#include "corral/seccomp/filter_cache.hpp"

namespace corral::launch {
namespace {

constexpr std::array<const char*, 3> kStdioNames{"stdin", "stdout", "stderr"};

std::optional<unsigned long> parse_id(const std::string& s) {
  unsigned long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

struct UserEntry {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string name;
};

// getpwnam_r / getpwuid_r with a buffer that grows on ERANGE. nullopt: no entry.
Result<std::optional<UserEntry>> lookup_user(const std::string& user) {
  auto numeric = parse_id(user);
  std::vector<char> buf(1024);
  for (;;) {
    passwd pw{};
    passwd* found = nullptr;
    int rc = numeric ? ::getpwuid_r(static_cast<uid_t>(*numeric), &pw, buf.data(), buf.size(), &found)
                     : ::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
    if (rc == ERANGE && buf.size() < (1U << 20)) {
      buf.resize(buf.size() * 2);
      continue;
    }
    if (rc != 0) return Error::from_errno(rc, "user " + user + ": look up");
    if (found == nullptr) return std::optional<UserEntry>{};
    return std::optional<UserEntry>{UserEntry{pw.pw_uid, pw.pw_gid, pw.pw_name}};
  }
}

Result<gid_t> lookup_group(const std::string& group) {
  if (auto numeric = parse_id(group)) return static_cast<gid_t>(*numeric);
  std::vector<char> buf(1024);
  for (;;) {
    struct group gr {};
    struct group* found = nullptr;
    int rc = ::getgrnam_r(group.c_str(), &gr, buf.data(), buf.size(), &found);
    if (rc == ERANGE && buf.size() < (1U << 20)) {
      buf.resize(buf.size() * 2);
      continue;
    }
    if (rc != 0) return Error::from_errno(rc, "group " + group + ": look up");
    if (found == nullptr) return Error::logic("group " + group + ": no such group", ENOENT);
    return gr.gr_gid;
  }
}

Result<std::vector<gid_t>> supplementary_groups(const std::string& name, gid_t gid) {
  std::vector<gid_t> groups(32);
  for (;;) {
    int n = static_cast<int>(groups.size());
    if (::getgrouplist(name.c_str(), gid, groups.data(), &n) >= 0) {
      groups.resize(static_cast<std::size_t>(n));
      return groups;
    }
    if (groups.size() >= 65536) return Error::logic("user " + name + ": too many groups", E2BIG);
    groups.resize(std::max<std::size_t>(static_cast<std::size_t>(n), groups.size() * 2));
  }
}

Status prepare_identity(const LaunchSpec& spec, PreparedLaunch& out) {
  std::optional<gid_t> group_override;
  if (spec.group) {
    auto g = lookup_group(*spec.group);
    if (!g) return g.error();
    group_override = *g;
  }
  if (spec.user) {
    auto entry = lookup_user(*spec.user);
    if (!entry) return entry.error();
    if (!*entry) {
      // A bare uid without a passwd entry has no primary group to take; guessing
      // one (0? the uid?) would be wrong somewhere, so ask for it.
      if (!parse_id(*spec.user)) return Error::logic("user " + *spec.user + ": no such user", ENOENT);
      if (!group_override)
        return Error::logic("user " + *spec.user + ": no passwd entry, so group must be set too", ENOENT);
      out.uid = static_cast<uid_t>(*parse_id(*spec.user));
      out.gid = *group_override;
      out.groups = {*group_override};
    } else {
      out.uid = (*entry)->uid;
      out.gid = group_override.value_or((*entry)->gid);
      auto groups = supplementary_groups((*entry)->name, *out.gid);
      if (!groups) return groups.error();
      out.groups = std::move(*groups);
    }
    out.set_groups = true;
  } else if (group_override) {
    out.gid = *group_override;
    out.groups = {*group_override};
    out.set_groups = true;
  }
  return {};
}

// One /dev/null per direction for every launch of the process, opened on first
// use above the stdio numbers and never closed: a launcher with 1,000 services
// kept 1,000 of them open, one per prepared stdin. -1 if it could not be opened
// (then each launch opens its own, as before).
int shared_dev_null(int access) {
  auto open_above_stdio = [](int flags) {
    UniqueFd fd(::open("/dev/null", flags | O_CLOEXEC | O_NOCTTY));
    return fd ? ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3) : -1;
  };
  static const int read_only = open_above_stdio(O_RDONLY);
  static const int write_only = open_above_stdio(O_WRONLY);
  return access == O_RDONLY ? read_only : write_only;
}

Status prepare_stdio(int target, const StdioTarget& t, PreparedLaunch& out) {
  std::string what = kStdioNames[static_cast<std::size_t>(target)];
  UniqueFd& owned = out.stdio_owned[static_cast<std::size_t>(target)];
  int& source = out.stdio_source[static_cast<std::size_t>(target)];
  switch (t.kind) {
    case StdioTarget::Kind::Inherit:
      source = -1;
      return {};
    case StdioTarget::Kind::Null:
      if (int shared = shared_dev_null(target == 0 ? O_RDONLY : O_WRONLY); shared >= 0) {
        source = shared;
        return {};
      }
      owned.reset(::open("/dev/null", (target == 0 ? O_RDONLY : O_WRONLY) | O_CLOEXEC | O_NOCTTY));
      if (!owned) return errno_error("open /dev/null for " + what);
      break;
    case StdioTarget::Kind::File: {
      if (t.path.empty()) return Error::logic(what + ": file target without a path", EINVAL);
      int flags = target == 0 ? O_RDONLY : O_WRONLY | O_CREAT | (t.append ? O_APPEND : O_TRUNC);
      owned.reset(::open(t.path.c_str(), flags | O_CLOEXEC | O_NOCTTY, 0640));
      if (!owned) return errno_error("open " + what + " file " + t.path);
      break;
    }
    case StdioTarget::Kind::Fd:
      if (t.fd < 0 || ::fcntl(t.fd, F_GETFD) < 0)
        return Error::from_errno(EBADF, what + " fd " + std::to_string(t.fd));
      if (t.fd >= 3) {
        source = t.fd;  // borrowed: the caller keeps it (and closes it after launch)
        return {};
      }
      // One of the launcher's own 0..2: take a copy now, before the child's dup2s
      // replace them, so "stdout to my stderr" means the launcher's stderr.
      owned.reset(::fcntl(t.fd, F_DUPFD_CLOEXEC, 3));
      if (!owned) return errno_error("dup " + what + " fd " + std::to_string(t.fd));
      break;
  }
  if (auto st = move_above_stdio(owned, what); !st) return st;
  source = owned.get();
  return {};
}

Status append_nul_free(const std::string& s, const std::string& what, std::vector<std::string>& out) {
  if (s.find('\0') != std::string::npos) return Error::logic(what + ": contains a NUL byte", EINVAL);
  out.push_back(s);
  return {};
}

// Capabilities and the syscall filter; the filter is built here, before fork.
Status prepare_hardening(const LaunchSpec& spec, PreparedLaunch& out) {
  out.last_capability = last_capability();
  out.capability_bounding = spec.capability_bounding;
  if (spec.capabilities) {
    if (!out.uid || *out.uid == 0)
      return Error::logic("capabilities: only for a service with a non-root user (root: use capability_bounding)",
                          EINVAL);
    out.capabilities = spec.capabilities;
  }
  if (!spec.syscall_filter) return {};
  const auto& f = *spec.syscall_filter;
  for (const auto& e : f.spec.entries) out.filter_text += (out.filter_text.empty() ? "" : " ") + e;
  out.filter_text += " (" + seccomp::to_string(f.action) + ", " + std::string(seccomp::to_string(f.mode)) + ")";
  auto prog = seccomp::cached_filter(f);
  if (!prog) return Error{prog.error().code, "syscall_filter " + out.filter_text + ": " + prog.error().message};
  out.filter = std::move(*prog);
  out.filter_program.len = static_cast<unsigned short>(out.filter->instructions.size());
  // The kernel copies the program and never writes it; sock_fprog just lacks a const.
  out.filter_program.filter = const_cast<sock_filter*>(out.filter->instructions.data());
  out.filter_flags = seccomp::load_flags(f.mode);
  out.load_filter = true;
  out.learn = f.mode == seccomp::FilterMode::Learn;
  out.no_new_privs = true;  // always with a filter: an unprivileged process needs it, and it closes setuid escapes
  return {};
}

// The directory of a cgroup.procs file (O_PATH), and whether it is on cgroup v2
// (for CLONE_INTO_CGROUP). Empty when it cannot be opened: the child's own write
// to cgroup.procs then names the problem.
UniqueFd open_cgroup_dir(const std::string& procs_path, bool& v2) {
  v2 = false;
  auto slash = procs_path.rfind('/');
  if (slash == std::string::npos) return {};
  std::string dir = slash == 0 ? "/" : procs_path.substr(0, slash);
  UniqueFd fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  struct statfs fs {};
  if (!fd || !move_above_stdio(fd, dir) || ::fstatfs(fd.get(), &fs) != 0) return {};
  v2 = fs.f_type == CGROUP2_SUPER_MAGIC;
  return fd;
}

std::string format_rlim(rlim_t v) { return v == RLIM_INFINITY ? "infinity" : std::to_string(v); }

}  // namespace

// The launcher may run with 0..2 closed, so a file it opens can land there.
Status move_above_stdio(UniqueFd& fd, const std::string& what) {
  if (fd.get() >= 3) return {};
  int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
  if (moved < 0) return errno_error("dup " + what);
  fd.reset(moved);
  return {};
}

Result<PreparedLaunch> prepare_launch(const LaunchSpec& spec) {
  PreparedLaunch out;
  if (spec.argv.empty()) return Error::logic("launch: argv is empty", EINVAL);
  for (std::size_t i = 0; i < spec.argv.size(); ++i)
    if (auto st = append_nul_free(spec.argv[i], "argv[" + std::to_string(i) + "]", out.argv_storage); !st)
      return st.error();
  for (auto& [key, value] : spec.env) {
    if (key.empty() || key.find('=') != std::string::npos)
      return Error::logic("env: invalid variable name \"" + key + "\"", EINVAL);
    if (auto st = append_nul_free(key + "=" + value, "env " + key, out.env_storage); !st) return st.error();
  }
  // Pointers are taken only now that the storage vectors no longer grow.
  for (auto& s : out.argv_storage) out.argv.push_back(s.data());
  out.argv.push_back(nullptr);
  for (auto& s : out.env_storage) out.envp.push_back(s.data());
  out.envp.push_back(nullptr);

  auto path = resolve_executable(spec.argv[0], spec.env);
  if (!path) return path.error();
  out.exec_path = std::move(*path);

  out.new_session = spec.new_session;
  if (spec.parent_death_signal != 0 && signal_name(spec.parent_death_signal).empty())
    return Error::logic("parent_death_signal: " + std::to_string(spec.parent_death_signal) + " is not a signal",
                        EINVAL);
  out.parent_death_signal = spec.parent_death_signal;
  out.parent_pid = ::getpid();

  if (!spec.cgroup_procs_path.empty()) {
    out.cgroup_procs_path = spec.cgroup_procs_path;
    out.cgroup_procs.reset(::open(spec.cgroup_procs_path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!out.cgroup_procs) return errno_error("open " + spec.cgroup_procs_path);
    if (auto st = move_above_stdio(out.cgroup_procs, spec.cgroup_procs_path); !st) return st.error();
    out.cgroup_dir = open_cgroup_dir(spec.cgroup_procs_path, out.cgroup_v2);
  }

  for (auto& r : spec.rlimits) {
    auto name = rlimit_name(r.resource);
    if (name.empty()) return Error::logic("rlimit: unknown resource " + std::to_string(r.resource), EINVAL);
    if (r.soft > r.hard)
      return Error::logic("rlimit " + std::string(name) + ": soft limit " + format_rlim(r.soft) +
                              " above hard limit " + format_rlim(r.hard),
                          EINVAL);
  }
  out.rlimits = spec.rlimits;
  out.sched = spec.sched;

  if (!spec.cpu_affinity.empty()) {
    CPU_ZERO(&out.affinity);
    for (int cpu : spec.cpu_affinity) {
      if (cpu < 0 || cpu >= CPU_SETSIZE)
        return Error::logic("cpu_affinity: CPU " + std::to_string(cpu) + " out of range", EINVAL);
      CPU_SET(static_cast<std::size_t>(cpu), &out.affinity);
      if (!out.affinity_text.empty()) out.affinity_text += ',';
      out.affinity_text += std::to_string(cpu);
    }
    out.set_affinity = true;
    // The kernel refuses (EBUSY/EPERM) a deadline task whose affinity is narrower
    // than its root domain; say why here rather than pass on a bare EBUSY.
    if (spec.sched && spec.sched->policy == sched::Policy::Deadline)
      return Error::logic("cpu_affinity: cannot be combined with the deadline policy "
                          "(deadline tasks must be free to run on every CPU)",
                          EINVAL);
  }

  out.cwd = spec.cwd;
  out.umask = spec.umask;
  if (spec.umask && (*spec.umask & ~07777U) != 0) return Error::logic("umask: not a file mode", EINVAL);

  const StdioTarget* targets[3] = {&spec.stdin_target, &spec.stdout_target, &spec.stderr_target};
  for (int fd = 0; fd < 3; ++fd)
    if (auto st = prepare_stdio(fd, *targets[fd], out); !st) return st.error();

  if (auto st = prepare_identity(spec, out); !st) return st.error();
  out.no_new_privs = spec.no_new_privs;
  for (auto [source, target] : spec.pass_fds) {
    if (target < 3) return Error::logic("pass_fds: fd " + std::to_string(target) + " is stdio", EINVAL);
    if (source < 0 || ::fcntl(source, F_GETFD) < 0) return Error::from_errno(EBADF, "pass_fds: fd " + std::to_string(source));
  }
  out.pass_fds = spec.pass_fds;
  if (auto st = prepare_hardening(spec, out); !st) return st.error();

  rlimit nofile{};
  if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY)
    out.fd_scan_limit = static_cast<int>(std::min<rlim_t>(nofile.rlim_cur, 65536));
  return out;
}

Error describe_failure(const PreparedLaunch& p, const ChildFailure& f) {
  std::string what(step_name(f.step));
  switch (f.step) {
    case Step::ParentDeathSignal:
      what += ' ';
      what += signal_name(p.parent_death_signal);
      break;
    case Step::ParentGone:
      return Error::logic("launch: the launcher exited before the child could watch it", f.error);
    case Step::JoinCgroup:
      what += ' ' + p.cgroup_procs_path;
      break;
    case Step::Rlimit:
      if (f.detail >= 0 && static_cast<std::size_t>(f.detail) < p.rlimits.size()) {
        auto& r = p.rlimits[static_cast<std::size_t>(f.detail)];
        what += ' ' + std::string(rlimit_name(r.resource)) + ' ' + format_rlim(r.soft) + '/' + format_rlim(r.hard);
      }
      break;
    case Step::SchedPolicy:
      if (p.sched) what += ' ' + sched::describe(sched::SchedSpec{p.sched->policy, p.sched->priority, std::nullopt,
                                                                   p.sched->runtime_ns, p.sched->deadline_ns,
                                                                   p.sched->period_ns});
      break;
    case Step::Nice:
      if (p.sched && p.sched->nice) what += " nice " + std::to_string(*p.sched->nice);
      break;
    case Step::Affinity:
      what += ' ' + p.affinity_text;
      break;
    case Step::Chdir:
      what += ' ' + p.cwd;
      break;
    case Step::Stdio:
      if (f.detail >= 0 && f.detail < 3) what += ' ' + std::string(kStdioNames[static_cast<std::size_t>(f.detail)]);
      else what += " fd " + std::to_string(f.detail);  // a pass_fds target
      break;
    case Step::SetGroups:
      for (std::size_t i = 0; i < p.groups.size(); ++i) what += (i == 0 ? ' ' : ',') + std::to_string(p.groups[i]);
      break;
    case Step::SetGid:
      if (p.gid) what += ' ' + std::to_string(*p.gid);
      break;
    case Step::SetUid:
      if (p.uid) what += ' ' + std::to_string(*p.uid);
      break;
    case Step::Exec:
      what += ' ' + p.exec_path;
      break;
    case Step::CapBounding:
      if (p.capability_bounding) what += " keeping " + format_capabilities(*p.capability_bounding);
      break;
    case Step::SetCaps:
      if (p.capabilities) what += ' ' + format_capabilities(*p.capabilities);
      break;
    case Step::AmbientCaps:
      what += ' ' + std::string(capability_name(f.detail));
      break;
    case Step::SeccompFilter:
      what += ' ' + p.filter_text;
      break;
    default:
      break;
  }
  return Error::from_errno(f.error, what);
}

}  // namespace corral::launch
