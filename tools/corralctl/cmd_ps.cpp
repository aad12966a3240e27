// SPDX-License-Identifier: Apache-2.0
// corralctl ps: every process (or thread) on the system, one row each, with the
// seven-state name beside the kernel letter. Reads only the /proc files its
// columns need: stat, wchan and cmdline (plus schedstat for R tasks, and syscall
// for stopped/frozen ones), with the owner of /proc/PID as the user.
#include <sys/types.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "corral/pcb/policy_name.hpp"
#include "corral/pcb/syscall_names.hpp"
#include "corral/proc/reader.hpp"
#include "exit_codes.hpp"
#include "inspect.hpp"
#include "term_width.hpp"
#include "text_out.hpp"

namespace corral::ctl {
namespace {

struct PsArgs {
  bool threads = false;
  bool no_sample = false;
  bool syscalls = false;
  bool privileges = false;
  std::vector<pid_t> pids;
  std::vector<std::string> users;
  std::vector<std::string> states;
  std::string sort = "pid";
};

struct Row {
  const Pcb* task;     // the process, or one of its threads
  const Pcb* process;  // the owning process
};

std::string command_of(const Pcb& p) {
  if (p.id.cmdline.empty()) return "[" + p.id.comm + "]";  // kernel thread or zombie
  std::size_t size = p.id.cmdline.size();
  for (const auto& a : p.id.cmdline) size += a.size();
  std::string s;
  s.reserve(size);
  for (const auto& a : p.id.cmdline) {
    if (!s.empty()) s += ' ';
    s += a;
  }
  for (char& c : s)
    if (c == '\n' || c == '\t') c = ' ';
  return s;
}

// EVENT: the kernel function it sleeps in, and the syscall it is blocked in when known.
// The wchan is cut to 20 characters (as `ps -o wchan:20`) so the syscall stays visible.
std::string event_of(const Pcb& p) {
  std::string e = p.control.wchan.substr(0, 20);
  if (p.control.blocked_syscall) {
    std::string_view name = syscall_name(*p.control.blocked_syscall);
    if (!e.empty()) e += ' ';
    e += '[';
    if (name.empty()) e += std::to_string(*p.control.blocked_syscall);
    else e += name;
    e += ']';
  }
  return e.empty() ? "-" : e;
}

// --sort FIELD (prefix '-' for descending).
using Less = std::function<bool(const Row&, const Row&)>;
std::optional<Less> comparator(std::string_view field) {
  auto num = [](auto get) -> Less { return [get](const Row& a, const Row& b) { return get(a) < get(b); }; };
  if (field == "pid") return num([](const Row& r) { return std::pair(r.process->id.pid, r.task->id.pid); });
  if (field == "tid") return num([](const Row& r) { return r.task->id.pid; });
  if (field == "ppid") return num([](const Row& r) { return r.task->id.ppid; });
  if (field == "user") return num([](const Row& r) { return r.task->id.user; });
  if (field == "state") return num([](const Row& r) { return static_cast<int>(r.task->control.state); });
  if (field == "k" || field == "kernel_state") return num([](const Row& r) { return r.task->control.kernel_state; });
  if (field == "policy") return num([](const Row& r) { return r.task->control.policy; });
  if (field == "ni" || field == "nice") return num([](const Row& r) { return r.task->control.nice; });
  if (field == "pri" || field == "priority") return num([](const Row& r) { return r.task->control.priority; });
  if (field == "cpu") return num([](const Row& r) { return r.task->cpu.last_cpu; });
  if (field == "rss") return num([](const Row& r) { return r.task->control.rss_kib; });
  if (field == "vsz") return num([](const Row& r) { return r.task->control.vsz_kib; });
  if (field == "thr" || field == "threads") return num([](const Row& r) { return r.task->control.threads; });
  if (field == "time")
    return num([](const Row& r) { return r.task->control.utime_ticks + r.task->control.stime_ticks; });
  if (field == "event" || field == "wchan") return num([](const Row& r) { return r.task->control.wchan; });
  if (field == "command" || field == "comm") return num([](const Row& r) { return r.task->id.comm; });
  return std::nullopt;
}

bool state_matches(const Pcb& p, const std::vector<std::string>& states) {
  if (states.empty()) return true;
  for (const auto& s : states) {
    if (s.size() == 1 && s[0] == p.control.kernel_state) return true;
    if (auto st = parse_proc_state(s); st && *st == p.control.state) return true;
  }
  return false;
}

bool user_matches(const Pcb& p, const std::vector<std::string>& users) {
  if (users.empty()) return true;
  for (const auto& u : users) {
    if (u == p.id.user) return true;
    uid_t uid = 0;
    auto [ptr, ec] = std::from_chars(u.data(), u.data() + u.size(), uid);
    if (ec == std::errc() && ptr == u.data() + u.size() && uid == p.id.uid) return true;
  }
  return false;
}

// A literal appended with its length known at compile time (+= a const char*
// measured every one at run time: callgrind showed it in ps --json).
template <std::size_t N>
void put(std::string& out, const char (&text)[N]) {
  out.append(text, N - 1);
}

void append_num(std::string& out, long long v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, p);
}

const char* seccomp_text(int mode) {
  switch (mode) {
    case 0: return "disabled";
    case 1: return "strict";
    case 2: return "filter";
    default: return nullptr;
  }
}

void append_cap(std::string& out, std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(v));
  out += buf;
}

// As `show PID --json` prints them (pcb_json.cpp): null when status was not readable,
// a field null when the kernel does not show it.
void append_privileges(std::string& out, const PcbPrivileges& p) {
  if (!p.known) {
    put(out, "null");
    return;
  }
  put(out, "{\"seccomp\":");
  if (const char* m = seccomp_text(p.seccomp_mode)) append_json_string(out, m);
  else put(out, "null");
  put(out, ",\"seccomp_filters\":");
  if (p.seccomp_filters >= 0) append_num(out, p.seccomp_filters);
  else put(out, "null");
  put(out, ",\"no_new_privs\":");
  out += p.no_new_privs < 0 ? "null" : p.no_new_privs == 1 ? "true" : "false";
  put(out, ",\"cap_effective\":"); append_cap(out, p.cap_eff);
  put(out, ",\"cap_permitted\":"); append_cap(out, p.cap_prm);
  put(out, ",\"cap_ambient\":"); append_cap(out, p.cap_amb);
  out += '}';
}

// The JSON goes out in pieces of about kJsonChunk bytes through one reused buffer:
// a buffer for the whole array (1.4 MB for 4,000 processes) was fresh memory, one
// page fault per 4 KiB, and a page fault cost more than writing the page (issue 13).
constexpr std::size_t kJsonChunk = 64 * 1024;

void print_json(const std::vector<Row>& rows, bool threads, bool privileges) {
  std::string out;
  out.reserve(kJsonChunk + 4096);
  out += '[';
  bool first = true;
  for (const Row& r : rows) {
    if (out.size() >= kJsonChunk) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
    const Pcb& p = *r.task;
    out += first ? "\n{" : ",\n{";
    first = false;
    put(out, "\"pid\":"); append_num(out, r.process->id.pid);
    if (threads) { put(out, ",\"tid\":"); append_num(out, p.id.pid); }
    put(out, ",\"ppid\":"); append_num(out, p.id.ppid);
    put(out, ",\"user\":"); append_json_string(out, p.id.user);
    put(out, ",\"uid\":"); append_num(out, p.id.uid);
    put(out, ",\"state\":"); append_json_string(out, to_string(p.control.state));
    put(out, ",\"state_sampled\":"); out += p.control.state_sampled ? "true" : "false";
    put(out, ",\"kernel_state\":"); append_json_string(out, std::string_view(&p.control.kernel_state, 1));
    put(out, ",\"frozen\":"); out += p.control.frozen ? "true" : "false";
    put(out, ",\"policy\":"); append_json_string(out, policy_name(p.control.policy));
    put(out, ",\"rt_priority\":"); append_num(out, p.control.rt_priority);
    put(out, ",\"nice\":"); append_num(out, p.control.nice);
    put(out, ",\"priority\":"); append_num(out, p.control.priority);
    put(out, ",\"cpu\":"); append_num(out, p.cpu.last_cpu);
    put(out, ",\"rss_kib\":"); append_num(out, static_cast<long long>(p.control.rss_kib));
    put(out, ",\"vsz_kib\":"); append_num(out, static_cast<long long>(p.control.vsz_kib));
    put(out, ",\"threads\":"); append_num(out, p.control.threads);
    put(out, ",\"wchan\":"); append_json_string(out, p.control.wchan);
    put(out, ",\"blocked_syscall\":");
    if (p.control.blocked_syscall) {
      std::string_view name = syscall_name(*p.control.blocked_syscall);
      if (name.empty()) append_num(out, *p.control.blocked_syscall);
      else append_json_string(out, name);
    } else {
      put(out, "null");
    }
    put(out, ",\"comm\":"); append_json_string(out, p.id.comm);
    put(out, ",\"command\":"); append_json_string(out, command_of(*r.process));
    if (privileges) { put(out, ",\"privileges\":"); append_privileges(out, p.control.privileges); }
    out += '}';
  }
  out += rows.empty() ? "]\n" : "\n]\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
}

void print_table(const std::vector<Row>& rows, bool threads, bool privileges) {
  std::vector<std::string> headers{"PID"};
  std::vector<bool> right{true};
  if (threads) { headers.push_back("TID"); right.push_back(true); }
  for (const char* h : {"PPID", "USER", "STATE", "K", "POLICY", "NI", "PRI", "CPU", "RSS", "THR", "EVENT"}) {
    headers.push_back(h);
    std::string_view v(h);
    right.push_back(v == "PPID" || v == "NI" || v == "PRI" || v == "CPU" || v == "RSS" || v == "THR");
  }
  if (privileges) {
    for (const char* h : {"SECCOMP", "NNP", "CAPEFF"}) {
      headers.push_back(h);
      right.push_back(false);
    }
  }
  headers.push_back("COMMAND");
  right.push_back(false);
  Table table(std::move(headers), std::move(right));
  for (const Row& r : rows) {
    const Pcb& p = *r.task;
    std::vector<std::string> cells;
    cells.reserve(14);
    cells.push_back(std::to_string(r.process->id.pid));
    if (threads) cells.push_back(std::to_string(p.id.pid));
    cells.push_back(std::to_string(p.id.ppid));
    cells.push_back(p.id.user);
    std::string state(to_string(p.control.state));
    if (p.control.kernel_state == 'R' && !p.control.state_sampled) state += '?';
    cells.push_back(std::move(state));
    cells.emplace_back(1, p.control.kernel_state);
    cells.emplace_back(policy_name(p.control.policy));
    cells.push_back(std::to_string(p.control.nice));
    cells.push_back(std::to_string(p.control.priority));
    cells.push_back(std::to_string(p.cpu.last_cpu));
    cells.push_back(std::to_string(p.control.rss_kib));
    cells.push_back(std::to_string(p.control.threads));
    cells.push_back(event_of(p));
    if (privileges) {
      const PcbPrivileges& pv = p.control.privileges;
      const char* mode = pv.known ? seccomp_text(pv.seccomp_mode) : nullptr;
      cells.emplace_back(mode ? mode : "-");
      cells.emplace_back(!pv.known || pv.no_new_privs < 0 ? "-" : pv.no_new_privs == 1 ? "yes" : "no");
      char cap[24] = "-";
      if (pv.known) std::snprintf(cap, sizeof cap, "%016llx", static_cast<unsigned long long>(pv.cap_eff));
      cells.emplace_back(cap);
    }
    cells.push_back(threads && p.id.pid != r.process->id.pid ? "{" + p.id.comm + "} " + command_of(*r.process)
                                                             : command_of(*r.process));
    table.add_row(std::move(cells));
  }
  table.print(stdout, output_width());
}

int run_ps(const PsArgs& args, const Context& ctx) {
  bool descending = !args.sort.empty() && args.sort[0] == '-';
  std::string field = descending ? args.sort.substr(1) : args.sort;
  auto less = comparator(field);
  if (!less) throw CLI::ValidationError("--sort", "unknown field '" + field + "'");

  proc::ReadOptions opts;
  opts.threads = args.threads;
  opts.status = false;  // USER is the effective user = owner of /proc/PID, as in procps ps
  opts.exe = false;
  opts.fds = false;
  opts.cgroups = false;
  opts.schedstat = false;
  opts.syscall = args.syscalls;
  opts.privileges = args.privileges;  // /proc/PID/status only when the columns are asked for
  opts.sample_running = !args.no_sample;

  std::vector<Pcb> pcbs;
  if (!args.pids.empty()) {
    for (pid_t pid : args.pids) {
      auto p = proc::read_process(pid, opts);
      if (!p) {
        std::fprintf(stderr, "corralctl: %s\n", p.error().message.c_str());
        return kExitFailed;
      }
      pcbs.push_back(std::move(*p));
    }
  } else {
    auto all = proc::read_all(opts);
    if (!all) {
      std::fprintf(stderr, "corralctl: %s\n", all.error().message.c_str());
      return kExitFailed;
    }
    pcbs = std::move(*all);
  }

  std::vector<Row> rows;
  rows.reserve(pcbs.size());
  for (const Pcb& p : pcbs) {
    if (args.threads && !p.threads.empty()) {
      for (const Pcb& t : p.threads)
        if (state_matches(t, args.states) && user_matches(t, args.users)) rows.push_back({&t, &p});
    } else if (state_matches(p, args.states) && user_matches(p, args.users)) {
      rows.push_back({&p, &p});
    }
  }
  if (field != "pid" || descending) {
    if (descending)
      std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) { return (*less)(b, a); });
    else
      std::stable_sort(rows.begin(), rows.end(), *less);
  }

  if (ctx.json)
    print_json(rows, args.threads, args.privileges);
  else
    print_table(rows, args.threads, args.privileges);
  return kExitOk;
}

}  // namespace

void register_ps_command(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<PsArgs>();
  CLI::App* ps = app.add_subcommand("ps", "list every process with its PCB state (no daemon needed)");
  ps->add_flag("--threads", args->threads, "one row per thread");
  ps->add_option("--pid", args->pids, "only these PIDs (repeat or comma-separate)")->delimiter(',');
  ps->add_option("--user", args->users, "only processes of these users (name or uid)")->delimiter(',');
  ps->add_option("--state", args->states,
                 "only these states: a seven-state name (Ready, Blocked/Suspend, ...) or a kernel letter")
      ->delimiter(',')
      ->check([](const std::string& s) -> std::string {
        if (s.size() == 1 || parse_proc_state(s)) return {};
        return "not a state name or kernel letter: " + s;
      });
  ps->add_option("--sort", args->sort,
                 "order by pid, tid, ppid, user, state, k, policy, nice, pri, cpu, rss, vsz, threads, time, "
                 "event, command; prefix '-' for descending (--sort=-rss)");
  ps->add_flag("--no-sample", args->no_sample,
               "do not sample R tasks to split Ready from Running (they show as Running?)");
  ps->add_flag("--syscalls", args->syscalls, "read /proc/PID/syscall to show the syscall each task is blocked in");
  ps->add_flag("--privileges", args->privileges,
               "read /proc/PID/status for the privileges: seccomp mode, no_new_privs, capability sets "
               "(SECCOMP NNP CAPEFF columns; \"privileges\" in --json)");
  ps->callback([args, &ctx] { ctx.exit_code = run_ps(*args, ctx); });
}

}  // namespace corral::ctl
