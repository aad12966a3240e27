// corralctl waits: find deadlocks among real processes (file locks, pipes, mutexes,
// corral's registry), print them, and optionally resolve one by aborting a victim.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "corral/waits/report_format.hpp"
#include "corral/waits/scan.hpp"
#include "corral/waits/victim.hpp"
#include "exit_codes.hpp"

namespace corral::ctl {
namespace {

struct WaitsOptions {
  std::vector<int> pids;
  bool dot = false;
  bool resolve = false;
  bool yes = false;
  double grace = 5.0;  // seconds between SIGTERM and SIGKILL
};

bool may_signal(pid_t pid) { return ::kill(pid, 0) == 0; }

// Waits until pid has exited (a zombie counts), at most `seconds`. pidfd polling works
// for processes that are not our children.
bool wait_gone(pid_t pid, double seconds) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return errno == ESRCH;
  pollfd p{fd, POLLIN, 0};
  int r = ::poll(&p, 1, static_cast<int>(seconds * 1000));
  ::close(fd);
  return r > 0;
}

bool confirm(pid_t pid, const std::string& comm) {
  FILE* tty = std::fopen("/dev/tty", "r+");
  if (!tty) {
    std::fprintf(stderr, "corralctl: no terminal to confirm on; use --yes to resolve without asking\n");
    return false;
  }
  std::fprintf(tty, "Terminate pid %d (%s)? [y/N] ", pid, comm.c_str());
  std::fflush(tty);
  char line[16] = {};
  bool yes = std::fgets(line, sizeof line, tty) && (line[0] == 'y' || line[0] == 'Y');
  std::fclose(tty);
  return yes;
}

int run_waits(const WaitsOptions& o, const Context& ctx) {
  waits::ScanOptions scan;
  for (int pid : o.pids) {
    if (pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM)) {
      scan.pids.push_back(pid);
      continue;
    }
    std::fprintf(stderr, "corralctl waits: pid %d: no such process\n", pid);
  }
  if (!o.pids.empty() && scan.pids.empty()) return kExitFailed;
  auto snap = waits::scan_system(scan);
  if (!snap) {
    std::fprintf(stderr, "corralctl waits: %s\n", snap.error().message.c_str());
    return kExitFailed;
  }
  waits::Report report = waits::analyze(*snap);
  if (ctx.json) std::printf("%s\n", waits::report_to_json(*snap, report).dump(2).c_str());
  else if (o.dot) std::fputs(waits::report_to_dot(*snap, report).c_str(), stdout);
  else std::fputs(waits::report_to_text(*snap, report).c_str(), stdout);
  std::fflush(stdout);
  if (report.deadlocks.empty()) return kExitOk;
  if (!o.resolve) return kExitDeadlock;

  // Recovery: abort one victim at a time, re-running detection after each (textbook).
  FILE* say = ctx.json || o.dot ? stderr : stdout;
  for (int round = 0; round < 64 && !report.deadlocks.empty(); ++round) {
    const waits::Deadlock& d = report.deadlocks.front();
    std::vector<pid_t> allowed;
    for (pid_t p : d.pids)
      if (may_signal(p)) allowed.push_back(p);
    auto victim = waits::choose_victim(*snap, d, allowed);
    if (!victim) {
      std::fprintf(stderr, "corralctl waits: not allowed to signal any process of the deadlock\n");
      return kExitFailed;
    }
    std::fprintf(say, "resolving deadlock of pids");
    for (pid_t p : d.pids) std::fprintf(say, " %d", p);
    std::fprintf(say, ":\n%s", victim->reason.c_str());
    const waits::ProcessInfo* info = snap->process(victim->pid);
    if (!o.yes && !confirm(victim->pid, info ? info->comm : "?")) {
      std::fprintf(say, "not resolved\n");
      return kExitDeadlock;
    }
    if (::kill(victim->pid, SIGTERM) != 0 && errno != ESRCH) {
      std::fprintf(stderr, "corralctl waits: kill %d: %s\n", victim->pid, std::strerror(errno));
      return kExitFailed;
    }
    std::fprintf(say, "sent SIGTERM to %d\n", victim->pid);
    if (!wait_gone(victim->pid, o.grace)) {
      ::kill(victim->pid, SIGKILL);
      std::fprintf(say, "still there after %.1f s: sent SIGKILL\n", o.grace);
      if (!wait_gone(victim->pid, 10.0)) {
        std::fprintf(stderr, "corralctl waits: pid %d did not exit after SIGKILL\n", victim->pid);
        return kExitFailed;
      }
    }
    std::fprintf(say, "pid %d has exited\n", victim->pid);
    snap = waits::scan_system(scan);
    if (!snap) {
      std::fprintf(stderr, "corralctl waits: %s\n", snap.error().message.c_str());
      return kExitFailed;
    }
    report = waits::analyze(*snap);
  }
  std::fprintf(say, report.deadlocks.empty() ? "no deadlock left\n" : "deadlocks remain\n");
  return kExitDeadlock;  // one was found (and resolved, if none remain)
}

}  // namespace

void register_waits_commands(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<WaitsOptions>();
  CLI::App* cmd = app.add_subcommand("waits", "find deadlocks: file locks, pipes, mutexes, corral's registry");
  cmd->add_option("--pid", opts->pids, "examine these processes (and the holders of what they wait for)")
      ->delimiter(',');
  cmd->add_flag("--dot", opts->dot, "print the wait-for graph in Graphviz DOT");
  cmd->add_flag("--resolve", opts->resolve, "abort a victim per deadlock (asks first unless --yes)");
  cmd->add_flag("--yes", opts->yes, "with --resolve: do not ask");
  cmd->add_option("--grace", opts->grace, "seconds between SIGTERM and SIGKILL (default 5)")
      ->check(CLI::Range(0.0, 3600.0));
  cmd->callback([opts, &ctx] { ctx.exit_code = run_waits(*opts, ctx); });
}

}  // namespace corral::ctl
