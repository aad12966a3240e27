// SPDX-License-Identifier: Apache-2.0
// Each corralctl command lives in its own file and registers itself on the app here.
// A registration adds a CLI11 subcommand whose callback stores the exit code in ctx.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace corral::ctl {

struct Context {
  std::string socket_path;  // --socket; empty = the default for this user
  bool json = false;        // --json: one JSON document on stdout
  int exit_code = 0;
};

void register_inspect_commands(CLI::App& app, Context& ctx);  // ps, show, tree
void register_waits_commands(CLI::App& app, Context& ctx);    // waits
void register_sched_commands(CLI::App& app, Context& ctx);    // sched, pin, topology
void register_service_commands(CLI::App& app, Context& ctx);  // status, start, stop, restart, signal, reload, logs, run, shutdown
void register_fair_commands(CLI::App& app, Context& ctx);     // suspend, resume, group, top
void register_schedule_commands(CLI::App& app, Context& ctx);  // schedule simulate
void register_schedule_replay(CLI::App* schedule, Context& ctx);  // schedule replay, burn (needs corrald)
void register_syscalls_commands(CLI::App& app, Context& ctx); // syscalls
void register_metrics_commands(CLI::App& app, Context& ctx);  // metrics, events
void register_daemon_commands(CLI::App& app, Context& ctx);   // daemon-reexec
void register_jobs_commands(CLI::App& app, Context& ctx);     // submit, jobs, job, queue

}  // namespace corral::ctl
