// SPDX-License-Identifier: Apache-2.0
// corrald: the corral supervisor. Runs in the foreground (systemd Type=simple,
// or a terminal); logs to stderr.
#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "command_line.hpp"
#include "config_bridge.hpp"
#include "daemon.hpp"
#include "daemon_log.hpp"
#include "reexec/handover_read.hpp"

namespace {

int make_dirs(const std::string& dir) {
  for (std::size_t pos = 1; pos != std::string::npos;) {
    pos = dir.find('/', pos + 1);
    std::string p = dir.substr(0, pos);
    if (::mkdir(p.c_str(), 0755) != 0 && errno != EEXIST) {
      std::fprintf(stderr, "corrald: mkdir %s: %s\n", p.c_str(), std::strerror(errno));
      return -1;
    }
  }
  return 0;
}

// The path this binary was started from, for daemon-reexec: exec'd by path
// (not /proc/self/exe), so that after an upgrade the new file is what runs.
std::string own_binary() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return {};
  std::string path(buf, static_cast<std::size_t>(n));
  const std::string deleted = " (deleted)";
  if (path.size() > deleted.size() && path.compare(path.size() - deleted.size(), deleted.size(), deleted) == 0)
    path.resize(path.size() - deleted.size());
  return path;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace corral::daemon;
  auto parsed = parse_command_line(argc, argv);
  if (!parsed.options) return parsed.exit_code;
  const CommandLine& cl = *parsed.options;
  const std::string& config = cl.config;
  // First, before anything opens a descriptor: a re-exec's hand-over (or, when
  // it cannot be read, the crash path with every inherited descriptor closed).
  std::optional<corral::persist::Handover> handover;
  if (cl.handover_fd >= 0) handover = take_handover(cl.handover_fd);

  // Signals go to the signalfd; this mask must be in place before any child is
  // launched (the launcher resets it in the child).
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR2}) sigaddset(&set, sig);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  // Orphaned grandchildren of services come to us, so we can reap them.
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) log_line("PR_SET_CHILD_SUBREAPER: %s", std::strerror(errno));
  // A pidfd, a log pipe and a log file per service, plus clients: use all we may.
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }

  auto loaded = load_daemon_config(config);
  if (!loaded) {
    std::fprintf(stderr, "corrald: %s\n", loaded.error().message.c_str());
    return 1;
  }
  DaemonSettings s;
  s.config_path = config;
  s.client_timeout_s = cl.client_timeout_s;
  // The config module has already filled in the per-user defaults.
  s.socket_path = !cl.socket.empty() ? cl.socket : loaded->daemon.socket;
  s.log_dir = !cl.log_dir.empty() ? cl.log_dir : loaded->daemon.log_dir;
  s.state_dir = !cl.state_dir.empty() ? cl.state_dir : loaded->daemon.state_dir;
  if (make_dirs(s.log_dir) != 0 || make_dirs(s.state_dir) != 0) return 1;

  const std::string& group = !cl.socket_group.empty() ? cl.socket_group : loaded->daemon.socket_group;
  if (!group.empty()) {
    const ::group* g = ::getgrnam(group.c_str());
    if (!g) {
      std::fprintf(stderr, "corrald: socket_group: no group named '%s'\n", group.c_str());
      return 1;
    }
    s.socket_gid = g->gr_gid;
  }
  s.binary = own_binary();
  s.argv.assign(argv, argv + argc);

  if (!cl.cgroup_name.empty()) loaded->daemon.cgroup_name = cl.cgroup_name;  // reload keeps it: only init reads it
  Daemon d(s);
  if (handover) d.set_handover(std::move(*handover));
  if (auto st = d.init(std::move(*loaded)); !st) {
    std::fprintf(stderr, "corrald: %s\n", st.error().message.c_str());
    return 1;
  }
  return d.run();
}
