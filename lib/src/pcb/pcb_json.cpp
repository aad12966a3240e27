#include "corral/pcb/pcb_json.hpp"

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
