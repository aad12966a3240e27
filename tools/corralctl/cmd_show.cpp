// SPDX-License-Identifier: Apache-2.0
// corralctl show PID: the whole PCB of one process, in the textbook's three sections
// (identification, processor state, control information).
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <string>

#include "corral/launch/capabilities.hpp"
#include "corral/pcb/pcb_json.hpp"
#include "corral/pcb/policy_name.hpp"
#include "corral/pcb/syscall_names.hpp"
#include "corral/proc/reader.hpp"
#include "exit_codes.hpp"
#include "inspect.hpp"
#include "service_client.hpp"
#include "term_width.hpp"
#include "text_out.hpp"

namespace corral::ctl {
namespace {

struct ShowArgs {
  std::string target;  // a pid (all digits) or a supervised service's name
  pid_t pid = 0;
  bool threads = false;
};

std::string syscall_text(long nr) {
  std::string_view name = syscall_name(nr);
  return (name.empty() ? std::string("syscall") : std::string(name)) + " (" + std::to_string(nr) + ")";
}

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
  return buf;
}

template <typename T>
std::string join(const std::vector<T>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) {
    if (!s.empty()) s += sep;
    if constexpr (std::is_same_v<T, std::string>) s += x;
    else s += std::to_string(x);
  }
  return s;
}

// CPU list as ranges: 0-3,6
std::string cpu_ranges(const std::vector<int>& cpus) {
  std::string s;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!s.empty()) s += ',';
    s += std::to_string(cpus[i]);
    if (j > i) s += '-' + std::to_string(cpus[j]);
    i = j + 1;
  }
  return s;
}

std::string ticks_text(std::uint64_t ticks) {
  static const long hz = ::sysconf(_SC_CLK_TCK);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.2f s (%" PRIu64 " ticks)", static_cast<double>(ticks) / static_cast<double>(hz), ticks);
  return buf;
}

std::string ns_text(std::uint64_t ns) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f s", static_cast<double>(ns) / 1e9);
  return buf;
}

const char* kernel_state_word(char k) {
  switch (k) {
    case 'R': return "running or runnable";
    case 'S': return "interruptible sleep";
    case 'D': return "uninterruptible sleep";
    case 'T': return "stopped by a signal";
    case 't': return "stopped by a tracer";
    case 'Z': return "zombie";
    case 'X': return "dead";
    case 'I': return "idle kernel thread";
    case 'P': return "parked";
    default: return "other";
  }
}

class Printer {
 public:
  explicit Printer(std::size_t width) : width_(width) {}
  void section(const char* title) { line(title); }
  void field(const char* name, const std::string& value) {
    char head[40];
    std::snprintf(head, sizeof head, "  %-22s ", name);
    line(head + value);
  }

 private:
  void line(std::string s) {
    truncate_display(s, width_);
    s += '\n';
    std::fwrite(s.data(), 1, s.size(), stdout);
  }
  std::size_t width_;
};

// "all" for root's full set, else the names.
std::string caps_text(std::uint64_t set) {
  int last = launch::last_capability();
  std::uint64_t all = last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
  return set == all ? std::string("all") : launch::format_capabilities(set);
}

// The PCB's privileges (control information): seccomp, no_new_privs, capabilities.
void print_privileges(const PcbPrivileges& p, Printer& out) {
  if (!p.known) return;
  static const char* const kModes[] = {"disabled", "strict", "filter"};
  std::string seccomp = p.seccomp_mode >= 0 && p.seccomp_mode <= 2 ? kModes[p.seccomp_mode] : "- (not shown)";
  if (p.seccomp_filters > 0) seccomp += ", " + std::to_string(p.seccomp_filters) + " filter(s)";
  out.field("seccomp", seccomp);
  out.field("no_new_privs", p.no_new_privs < 0 ? "- (not shown)" : p.no_new_privs == 1 ? "yes" : "no");
  out.field("caps effective", caps_text(p.cap_eff));
  out.field("caps permitted", caps_text(p.cap_prm));
  out.field("caps ambient", caps_text(p.cap_amb));
}

void print_pcb(const Pcb& p, Printer& out, bool thread) {
  const auto& id = p.id;
  const auto& cpu = p.cpu;
  const auto& c = p.control;
  out.section(thread ? ("Thread " + std::to_string(id.pid) + " (" + id.comm + ")").c_str()
                     : ("Process " + std::to_string(id.pid) + " (" + id.comm + ")").c_str());
  out.section("Identification");
  out.field("pid", std::to_string(id.pid));
  out.field("tgid", std::to_string(id.tgid));
  out.field("ppid", std::to_string(id.ppid));
  out.field("pgid", std::to_string(id.pgid));
  out.field("sid", std::to_string(id.sid));
  out.field("uid / euid", std::to_string(id.uid) + " / " + std::to_string(id.euid) + " (" + id.user + ")");
  out.field("gid / egid", std::to_string(id.gid) + " / " + std::to_string(id.egid));
  out.field("comm", id.comm);
  if (!thread) {
    out.field("cmdline", id.cmdline.empty() ? "-" : join(id.cmdline, " "));
    out.field("exe", !id.exe.empty() ? id.exe : id.kernel_thread ? "- (kernel thread)" : "- (not readable)");
  }
  out.field("kernel thread", id.kernel_thread ? "yes" : "no");

  out.section("Processor state");
  out.field("last CPU", std::to_string(cpu.last_cpu));
  if (id.kernel_thread) {
    out.field("syscall", "- (kernel thread: no user-space registers)");
  } else if (!cpu.syscall_readable) {
    out.field("syscall", c.kernel_state == 'Z' ? "- (zombie)" : "- (not readable)");
  } else if (!cpu.syscall_nr) {
    out.field("syscall", "running on a CPU (registers not sampled)");
  } else {
    out.field("syscall", *cpu.syscall_nr < 0 ? std::string("none (in user space)") : syscall_text(*cpu.syscall_nr));
    if (cpu.stack_pointer) out.field("stack pointer", hex(*cpu.stack_pointer));
    if (cpu.program_counter) out.field("program counter", hex(*cpu.program_counter));
  }

  out.section("Control information");
  std::string state(to_string(c.state));
  state += " (kernel ";
  state += c.kernel_state;
  state += ": ";
  state += kernel_state_word(c.kernel_state);
  if (c.frozen) state += ", frozen cgroup";
  if (c.kernel_state == 'R') state += c.state_sampled ? ", sampled" : ", not sampled";
  state += ')';
  out.field("state", state);
  std::string event = c.wchan.empty() ? "-" : c.wchan;
  if (c.blocked_syscall) event += " in " + syscall_text(*c.blocked_syscall);
  out.field("awaited event", event);
  std::string policy(policy_name(c.policy));
  if (c.rt_priority != 0) policy += " rt priority " + std::to_string(c.rt_priority);
  out.field("policy", policy);
  out.field("nice / priority", std::to_string(c.nice) + " / " + std::to_string(c.priority));
  out.field("affinity", c.affinity.empty() ? "-" : cpu_ranges(c.affinity));
  for (std::size_t i = 0; i < c.cgroups.size(); ++i) out.field(i == 0 ? "cgroups" : "", c.cgroups[i]);
  out.field("user time", ticks_text(c.utime_ticks));
  out.field("system time", ticks_text(c.stime_ticks));
  out.field("run time (on CPU)", ns_text(c.run_time_ns));
  out.field("run delay (Ready)", ns_text(c.run_delay_ns));
  out.field("context switches", std::to_string(c.voluntary_ctxt) + " voluntary, " +
                                    std::to_string(c.involuntary_ctxt) + " involuntary");
  out.field("threads", std::to_string(c.threads));
  out.field("RSS / VSZ", std::to_string(c.rss_kib) + " KiB / " + std::to_string(c.vsz_kib) + " KiB");
  out.field("open fds", c.open_fds >= 0 ? std::to_string(c.open_fds) : std::string("- (not readable)"));
  out.field("start time", ticks_text(c.start_time_ticks) + " after boot");
  print_privileges(c.privileges, out);
}

int run_show(const ShowArgs& args, const Context& ctx) {
  proc::ReadOptions opts;
  opts.threads = args.threads;
  opts.sample_running = true;
  auto pcb = proc::read_process(args.pid, opts);
  if (!pcb) {
    std::fprintf(stderr, "corralctl: %s\n", pcb.error().message.c_str());
    return kExitFailed;
  }
  if (ctx.json) {
    std::string s = to_json(*pcb).dump(2);
    s += '\n';
    std::fwrite(s.data(), 1, s.size(), stdout);
    return kExitOk;
  }
  Printer out(output_width());
  print_pcb(*pcb, out, false);
  for (const Pcb& t : pcb->threads) {
    std::fputc('\n', stdout);
    print_pcb(t, out, true);
  }
  return kExitOk;
}

// A pid is all digits; anything else names a service, which only corrald knows.
bool is_pid(const std::string& s) {
  return !s.empty() && s.size() <= 9 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

void register_show_command(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ShowArgs>();
  CLI::App* show = app.add_subcommand(
      "show", "print the whole PCB of a process (PID), or a service's settings, exits and PCB (NAME)");
  show->add_option("target", args->target, "process id, or the name of a supervised service")->required();
  show->add_flag("--threads", args->threads, "also print each thread's record (PID form)");
  show->callback([args, &ctx] {
    if (!is_pid(args->target)) {
      ctx.exit_code = show_service(args->target, ctx);
      return;
    }
    args->pid = static_cast<pid_t>(std::stol(args->target));
    ctx.exit_code = run_show(*args, ctx);
  });
}

}  // namespace corral::ctl
