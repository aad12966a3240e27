// corrald: the corral supervisor. Runs in the foreground (systemd Type=simple,
// or a terminal); logs to stderr.
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "config_bridge.hpp"
#include "daemon.hpp"
#include "daemon_log.hpp"

namespace {

constexpr const char* kUsage =
    "usage: corrald [--config FILE] [--socket PATH] [--log-dir DIR] [--state-dir DIR]\n"
    "               [--client-timeout SECS] [--cgroup-name NAME] [--foreground] [--version] [--help]\n"
    "  --config FILE        the TOML config (default /etc/corral/corral.toml)\n"
    "  --socket PATH        control socket (default: [daemon] socket, else\n"
    "                       /run/corral/corral.sock as root, $XDG_RUNTIME_DIR/corral/corral.sock otherwise)\n"
    "  --log-dir DIR        where NAME.log files go (default: [daemon] log_dir)\n"
    "  --state-dir DIR      state directory (default: [daemon] state_dir)\n"
    "  --client-timeout S   drop control clients idle this long (default 60)\n"
    "  --cgroup-name NAME   the cgroup subtree for fair share (default: [daemon] cgroup_name, \"corral\")\n"
    "  --foreground         accepted for compatibility: corrald always stays in the foreground\n";

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

}  // namespace

int main(int argc, char** argv) {
  using namespace corral::daemon;
  std::string config = "/etc/corral/corral.toml", socket, log_dir, state_dir, cgroup_name;
  int client_timeout = 60;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](const char* flag) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "corrald: %s needs a value\n%s", flag, kUsage);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--config" || a == "-c") config = value("--config");
    else if (a == "--socket") socket = value("--socket");
    else if (a == "--log-dir") log_dir = value("--log-dir");
    else if (a == "--state-dir") state_dir = value("--state-dir");
    else if (a == "--client-timeout") client_timeout = std::atoi(value("--client-timeout"));
    else if (a == "--cgroup-name") cgroup_name = value("--cgroup-name");
    else if (a == "--foreground" || a == "-f") continue;
    else if (a == "--version") {
      std::printf("corrald %s\n", CORRAL_VERSION);
      return 0;
    } else if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "corrald: unknown option %s\n%s", argv[i], kUsage);
      return 2;
    }
  }

  // Signals go to the signalfd; this mask must be in place before any child is
  // launched (the launcher resets it in the child).
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, sig);
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
  s.client_timeout_s = client_timeout;
  // The config module has already filled in the per-user defaults.
  s.socket_path = !socket.empty() ? socket : loaded->daemon.socket;
  s.log_dir = !log_dir.empty() ? log_dir : loaded->daemon.log_dir;
  s.state_dir = !state_dir.empty() ? state_dir : loaded->daemon.state_dir;
  if (make_dirs(s.log_dir) != 0 || make_dirs(s.state_dir) != 0) return 1;

  if (!cgroup_name.empty()) loaded->daemon.cgroup_name = cgroup_name;  // reload keeps it: only init reads it
  Daemon d(s);
  if (auto st = d.init(std::move(*loaded)); !st) {
    std::fprintf(stderr, "corrald: %s\n", st.error().message.c_str());
    return 1;
  }
  return d.run();
}
