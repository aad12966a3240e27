// SPDX-License-Identifier: Apache-2.0
#include "corral/pcb/pcb_json.hpp"

#include <cstdio>

#include "corral/pcb/policy_name.hpp"
#include "corral/pcb/syscall_names.hpp"

namespace corral {
namespace {
using nlohmann::json;

json syscall_json(long nr) {
  json j = {{"number", nr}};
  std::string_view name = syscall_name(nr);
  j["name"] = name.empty() ? json(nullptr) : json(std::string(name));
  return j;
}

json identification(const PcbIdentification& id) {
  return {
      {"pid", id.pid},        {"tgid", id.tgid},   {"ppid", id.ppid},
      {"pgid", id.pgid},      {"sid", id.sid},     {"uid", id.uid},
      {"euid", id.euid},      {"gid", id.gid},     {"egid", id.egid},
      {"user", id.user},      {"comm", id.comm},   {"cmdline", id.cmdline},
      {"exe", id.exe},        {"kernel_thread", id.kernel_thread},
      {"real_ids_known", id.real_ids_known},
  };
}

json processor(const PcbProcessorState& cpu) {
  json j = {{"last_cpu", cpu.last_cpu}, {"syscall_readable", cpu.syscall_readable}};
  // syscall: null = not readable; "running" = on a CPU when read (no registers to show);
  // -1 = in user space; else the syscall number and name.
  if (!cpu.syscall_readable)
    j["syscall"] = nullptr;
  else if (!cpu.syscall_nr)
    j["syscall"] = "running";
  else if (*cpu.syscall_nr < 0)
    j["syscall"] = "user";
  else
    j["syscall"] = syscall_json(*cpu.syscall_nr);
  j["stack_pointer"] = cpu.stack_pointer ? json(*cpu.stack_pointer) : json(nullptr);
  j["program_counter"] = cpu.program_counter ? json(*cpu.program_counter) : json(nullptr);
  return j;
}

std::string cap_hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

json seccomp_mode_json(int mode) {
  switch (mode) {
    case 0: return "disabled";
    case 1: return "strict";
    case 2: return "filter";
    default: return nullptr;
  }
}

// null when /proc/PID/status was not read; a field is null when the kernel did not show it.
json privileges(const PcbPrivileges& p) {
  if (!p.known) return nullptr;
  return {
      {"seccomp", seccomp_mode_json(p.seccomp_mode)},
      {"seccomp_filters", p.seccomp_filters >= 0 ? json(p.seccomp_filters) : json(nullptr)},
      {"no_new_privs", p.no_new_privs >= 0 ? json(p.no_new_privs == 1) : json(nullptr)},
      {"cap_effective", cap_hex(p.cap_eff)},
      {"cap_permitted", cap_hex(p.cap_prm)},
      {"cap_ambient", cap_hex(p.cap_amb)},
  };
}

json control(const PcbControl& c) {
  json j = {
      {"state", std::string(to_string(c.state))},
      {"kernel_state", std::string(1, c.kernel_state)},
      {"state_sampled", c.state_sampled},
      {"frozen", c.frozen},
      {"wchan", c.wchan},
      {"blocked_syscall", c.blocked_syscall ? syscall_json(*c.blocked_syscall) : json(nullptr)},
      {"policy", std::string(policy_name(c.policy))},
      {"rt_priority", c.rt_priority},
      {"nice", c.nice},
      {"priority", c.priority},
      {"affinity", c.affinity},
      {"cgroups", c.cgroups},
      {"utime_ticks", c.utime_ticks},
      {"stime_ticks", c.stime_ticks},
      {"run_time_ns", c.run_time_ns},
      {"run_delay_ns", c.run_delay_ns},
      {"voluntary_ctxt_switches", c.voluntary_ctxt},
      {"involuntary_ctxt_switches", c.involuntary_ctxt},
      {"threads", c.threads},
      {"rss_kib", c.rss_kib},
      {"vsz_kib", c.vsz_kib},
      {"open_fds", c.open_fds >= 0 ? json(c.open_fds) : json(nullptr)},
      {"start_time_ticks", c.start_time_ticks},
  };
  j["privileges"] = privileges(c.privileges);
  return j;
}
}  // namespace

nlohmann::json to_json(const Pcb& pcb) {
  json j = {
      {"identification", identification(pcb.id)},
      {"processor", processor(pcb.cpu)},
      {"control", control(pcb.control)},
  };
  if (!pcb.threads.empty()) {
    json threads = json::array();
    for (const Pcb& t : pcb.threads) threads.push_back(to_json(t));
    j["threads"] = std::move(threads);
  }
  return j;
}

}  // namespace corral
