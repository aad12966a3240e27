// SPDX-License-Identifier: Apache-2.0
// scan_system: examine processes (all, or the given ones and, transitively, the holders
// of what they wait for) through every source.
#include "corral/waits/scan.hpp"

#include "scan_context.hpp"

namespace corral::waits {

Result<Snapshot> scan_system(const ScanOptions& options) {
  detail::ScanContext ctx(options);
  std::optional<detail::LockSource> locks;
  std::optional<detail::PipeSource> pipes;
  std::optional<detail::RegistrySource> registry;
  // The global parts of the sources (/proc/locks, the registries, System V sets); they
  // touch the snapshot's notes, resources and holds, never the process table.
  auto set_up_sources = [&] {
    if (options.locks) locks.emplace(ctx);
    if (options.pipes) pipes.emplace(ctx);
    if (options.registry) registry.emplace(ctx);
    if (options.sysv) detail::add_sysv_notes(ctx);
  };

  if (options.pids.empty()) {
    // Every process: the whole table first (on all cores, the sources set up on this
    // thread meanwhile), then the pipe holders of just the pipes somebody waits on;
    // the loop below finds both already read.
    ctx.load_all(detail::list_pids(), set_up_sources);
    if (pipes) pipes->index_holders_of_waited();
  } else {
    set_up_sources();
    for (pid_t pid : options.pids) ctx.want(pid);
  }
  while (auto pid = ctx.next()) {
    if (!ctx.load(*pid)) continue;  // vanished
    if (locks) locks->examine(*pid);
    if (pipes) pipes->examine(*pid);
    if (options.mutexes) detail::examine_mutexes(ctx, *pid);
    if (registry) registry->examine(*pid);
    if (options.sysv) detail::examine_sysv(ctx, *pid);
  }
  // Registry holds name processes that may not have been examined (no waits of their
  // own): make sure each one has a process record so the report can name it.
  for (const auto& h : ctx.snap.holds) ctx.load(h.pid);
  if (ctx.unreadable() > 0)
    ctx.snap.notes.push_back("the system call of " + std::to_string(ctx.unreadable()) +
                             " threads is not visible (no ptrace permission); their waits are not known");
  return std::move(ctx.snap);
}

}  // namespace corral::waits
