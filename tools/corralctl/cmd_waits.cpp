// SPDX-License-Identifier: Apache-2.0
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
#include "corral/waits/process_owner.hpp"
#include "corral/waits/report_format.hpp"
#include "corral/waits/scan.hpp"
#include "corral/waits/victim.hpp"
#include "exit_codes.hpp"
#include "service_client.hpp"

namespace corral::ctl {
namespace {

struct WaitsOptions {
  std::vector<int> pids;
  std::vector<std::string> services;  // --service: their processes, from corrald
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

// The processes of the services NAMEs (NAME covers its instances): corrald gives each
// running one's pid, which leads its process group; the group and the descendants are
// its processes. Exit code 3 when corrald cannot be reached, 1 when nothing runs.
int service_pids(const std::vector<std::string>& names, Context& ctx, std::vector<pid_t>& out) {
  protocol::Request req;
  req.command = protocol::Command::Status;
  req.names = names;
  auto resp = call(req, ctx);
  if (!resp) return ctx.exit_code;
  std::vector<pid_t> roots;
  for (const auto& row : resp->data) {
    auto st = protocol::status_from_json(row);
    if (st && st->pid > 0) roots.push_back(st->pid);
  }
  if (roots.empty()) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    std::fprintf(stderr, "corralctl waits: service %s has no running process\n", list.c_str());
    return kExitFailed;
  }
  auto owners = waits::processes_of(roots);
  if (!owners) {
    std::fprintf(stderr, "corralctl waits: %s\n", owners.error().message.c_str());
    return kExitFailed;
  }
  for (const auto& [pid, root] : *owners) out.push_back(pid);
  return kExitOk;
}

int run_waits(const WaitsOptions& o, Context& ctx) {
  waits::ScanOptions scan;
  if (!o.services.empty()) {
    if (int rc = service_pids(o.services, ctx, scan.pids); rc != kExitOk) return rc;
  }
  const bool limited = !o.pids.empty() || !scan.pids.empty();
  for (int pid : o.pids) {
    if (pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM)) {
      scan.pids.push_back(pid);
      continue;
    }
    std::fprintf(stderr, "corralctl waits: pid %d: no such process\n", pid);
  }
  if (limited && scan.pids.empty()) return kExitFailed;
  auto snap = waits::scan_system(scan);
  if (!snap) {
    std::fprintf(stderr, "corralctl waits: %s\n", snap.error().message.c_str());
    return kExitFailed;
  }
  waits::Report report = waits::analyze(*snap);
  if (ctx.json) std::printf("%s\n", waits::report_to_json_text(*snap, report).c_str());
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
  cmd->add_option("--service", opts->services,
                  "examine the processes of this corrald service (its process group and descendants)")
      ->delimiter(',');
  cmd->add_flag("--dot", opts->dot, "print the wait-for graph in Graphviz DOT");
  cmd->add_flag("--resolve", opts->resolve, "abort a victim per deadlock (asks first unless --yes)");
  cmd->add_flag("--yes", opts->yes, "with --resolve: do not ask");
  cmd->add_option("--grace", opts->grace, "seconds between SIGTERM and SIGKILL (default 5)")
      ->check(CLI::Range(0.0, 3600.0));
  cmd->callback([opts, &ctx] { ctx.exit_code = run_waits(*opts, ctx); });
}

}  // namespace corral::ctl
