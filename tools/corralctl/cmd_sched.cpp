// SPDX-License-Identifier: Apache-2.0
// sched, pin, topology: the chrt / taskset / lscpu of corral, on any process.
//
//   corralctl sched PID [--policy P] [--priority N] [--nice N]
//                       [--runtime D --deadline D [--period D]]
//   corralctl pin PID [--cpus LIST] [--threads spread|compact|none] [--watch SECONDS]
//   corralctl topology
//
// Both sched and pin act on every thread of the process (each TID in
// /proc/PID/task): on Linux the SCHED policy, nice and the CPU mask are per thread,
// and chrt/taskset without -a would leave the other threads as they were.
#include <sys/types.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "commands.hpp"
#include "corral/base/cpu_list.hpp"
#include "corral/base/file_read.hpp"
#include "corral/sched/apply.hpp"
#include "corral/sched/pinner.hpp"
#include "corral/sched/placement.hpp"
#include "corral/sched/topology.hpp"
#include "exit_codes.hpp"

namespace corral::ctl {
namespace {

using nlohmann::json;

// "10ms", "500us", "2s", "1000000" (ns) -> nanoseconds; false on bad input.
bool parse_duration_ns(const std::string& text, std::uint64_t& out) {
  std::size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == 0 || i > 15) return false;
  std::uint64_t n = std::stoull(text.substr(0, i));
  std::string unit = text.substr(i);
  std::uint64_t mul = unit.empty() || unit == "ns" ? 1
                      : unit == "us"               ? 1000
                      : unit == "ms"               ? 1000000
                      : unit == "s"                ? 1000000000
                                                   : 0;
  if (mul == 0) return false;
  out = n * mul;
  return true;
}

std::string comm_of(pid_t pid) {
  auto c = read_file("/proc/" + std::to_string(pid) + "/comm");
  if (!c) return "?";
  while (!c->empty() && c->back() == '\n') c->pop_back();
  return *c;
}

int show_sched(pid_t pid, bool as_json) {
  auto tids = sched::list_threads(pid);
  if (!tids) return fail(tids.error().message);
  json threads = json::array();
  std::string text;
  char line[256];
  for (pid_t tid : *tids) {
    auto s = sched::read(tid);
    if (!s) {
      if (s.error().code == ESRCH) continue;  // exited meanwhile
      return fail(s.error().message);
    }
    json t{{"tid", tid}, {"policy", sched::to_string(s->policy)}, {"priority", s->priority},
           {"nice", s->nice.value_or(0)}};
    std::string params;
    if (s->policy == sched::Policy::Deadline) {
      t["runtime_ns"] = s->runtime_ns;
      t["deadline_ns"] = s->deadline_ns;
      t["period_ns"] = s->period_ns;
      params = "runtime " + std::to_string(s->runtime_ns) + "ns deadline " + std::to_string(s->deadline_ns) +
               "ns period " + std::to_string(s->period_ns) + "ns";
    }
    threads.push_back(t);
    std::snprintf(line, sizeof line, "%-8d %-9s %4u %5d", tid, std::string(sched::to_string(s->policy)).c_str(),
                  s->priority, s->nice.value_or(0));
    text += line;
    if (!params.empty()) text += "  " + params;
    text += '\n';
  }
  if (as_json) {
    std::printf("%s\n", json{{"pid", pid}, {"comm", comm_of(pid)}, {"threads", threads}}.dump().c_str());
  } else {
    std::printf("pid %d (%s), %zu thread%s\n", pid, comm_of(pid).c_str(), threads.size(),
                threads.size() == 1 ? "" : "s");
    std::printf("%-8s %-9s %4s %5s  %s\n", "TID", "POLICY", "PRIO", "NICE", "PARAMS");
    std::printf("%s", text.c_str());
  }
  return kExitOk;
}

struct SchedArgs {
  pid_t pid = 0;
  std::string policy;
  std::optional<unsigned> priority;
  std::optional<int> nice;
  std::string runtime, deadline, period;
};

int run_sched(const SchedArgs& a, const Context& ctx) {
  bool change = !a.policy.empty() || a.priority || a.nice || !a.runtime.empty();
  if (!change) return show_sched(a.pid, ctx.json);
  auto current = sched::read(a.pid);
  if (!current) return fail(current.error().message);
  sched::SchedSpec spec = *current;
  spec.nice = a.nice;  // only an explicit --nice touches nice
  if (!a.policy.empty()) {
    auto p = sched::parse_policy(a.policy);
    if (!p) return fail("--policy " + a.policy + ": expected other, batch, idle, fifo, rr or deadline", kExitUsage);
    spec.policy = *p;
    spec.priority = 0;
  }
  bool realtime = spec.policy == sched::Policy::Fifo || spec.policy == sched::Policy::RoundRobin;
  if (a.priority) spec.priority = *a.priority;
  if (realtime && (spec.priority < 1 || spec.priority > 99))
    return fail("--priority: " + std::string(sched::to_string(spec.policy)) + " needs a priority 1..99", kExitUsage);
  if (!realtime && spec.priority != 0)
    return fail("--priority: only fifo and rr take a priority (give 0 or none)", kExitUsage);
  if (spec.policy == sched::Policy::Deadline) {
    if (a.runtime.empty() || a.deadline.empty())
      return fail("--policy deadline needs --runtime and --deadline (and optionally --period)", kExitUsage);
    if (!parse_duration_ns(a.runtime, spec.runtime_ns) || !parse_duration_ns(a.deadline, spec.deadline_ns) ||
        (!a.period.empty() && !parse_duration_ns(a.period, spec.period_ns)))
      return fail("deadline durations: expected a number with ns, us, ms or s (e.g. 10ms)", kExitUsage);
    if (a.period.empty()) spec.period_ns = spec.deadline_ns;
    if (!(spec.runtime_ns <= spec.deadline_ns && spec.deadline_ns <= spec.period_ns) || spec.runtime_ns < 1024)
      return fail("deadline parameters need 1us <= runtime <= deadline <= period", kExitUsage);
    if (spec.nice) return fail("--nice does not apply to the deadline policy", kExitUsage);
  } else if (!a.runtime.empty() || !a.deadline.empty() || !a.period.empty()) {
    return fail("--runtime/--deadline/--period apply only to --policy deadline", kExitUsage);
  }
  if (spec.nice && (*spec.nice < -20 || *spec.nice > 19)) return fail("--nice: expected -20..19", kExitUsage);
  if (auto st = sched::apply(a.pid, spec); !st) return fail(st.error().message);
  return show_sched(a.pid, ctx.json);
}

struct PinArgs {
  pid_t pid = 0;
  std::string cpus;
  std::string threads = "none";
  double watch = 0;
  double interval = 1;
};

int run_pin(const PinArgs& a, const Context& ctx) {
  auto mode = sched::parse_pin_mode(a.threads);
  if (!mode) return fail("--threads " + a.threads + ": expected spread, compact or none", kExitUsage);
  std::vector<int> allowed;
  if (!a.cpus.empty()) {
    auto l = parse_cpu_list(a.cpus);
    if (!l) return fail("--cpus: " + l.error().message, kExitUsage);
    allowed = *l;
  }
  auto topo = sched::CpuTopology::read();
  if (!topo) return fail(topo.error().message);
  auto placement = sched::make_placement(*topo, allowed, *mode);
  if (!placement) return fail(placement.error().message, kExitUsage);
  sched::Pinner pinner(a.pid, *placement);
  auto n = pinner.apply();
  if (!n) return fail(n.error().message);
  // --watch: keep rescanning so threads the process starts later are placed too.
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(a.watch);
  while (std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::duration<double>(a.interval));
    auto more = pinner.rescan();
    if (!more) {
      if (more.error().code == ENOENT) break;  // the process exited
      return fail(more.error().message);
    }
  }
  json threads = json::array();
  for (const auto& [tid, cpu] : pinner.placed()) {
    auto mask = sched::get_affinity(tid);
    threads.push_back({{"tid", tid}, {"cpus", mask ? format_cpu_list(*mask) : std::string("?")}});
  }
  if (ctx.json) {
    std::printf("%s\n", json{{"pid", a.pid},
                             {"mode", sched::to_string(*mode)},
                             {"allowed", format_cpu_list(placement->allowed)},
                             {"threads", threads}}
                            .dump()
                            .c_str());
  } else {
    std::printf("pid %d (%s): %s over CPUs %s\n", a.pid, comm_of(a.pid).c_str(),
                std::string(sched::to_string(*mode)).c_str(), format_cpu_list(placement->allowed).c_str());
    std::printf("%-8s %s\n", "TID", "CPUS");
    for (const auto& t : threads)
      std::printf("%-8d %s\n", t["tid"].get<int>(), t["cpus"].get<std::string>().c_str());
  }
  return kExitOk;
}

int run_topology(const Context& ctx) {
  auto t = sched::CpuTopology::read();
  if (!t) return fail(t.error().message);
  if (ctx.json) {
    json cpus = json::array(), cores = json::array(), nodes = json::array(), caches = json::array();
    for (const auto& c : t->cpus)
      cpus.push_back({{"cpu", c.id}, {"core", c.core}, {"core_id", c.core_id}, {"package", c.package},
                      {"node", c.node}, {"siblings", format_cpu_list(c.siblings)}});
    for (const auto& c : t->cores)
      cores.push_back({{"package", c.package}, {"core_id", c.core_id}, {"node", c.node},
                       {"cpus", format_cpu_list(c.cpus)}});
    for (const auto& n : t->nodes) nodes.push_back({{"node", n.id}, {"cpus", format_cpu_list(n.cpus)}});
    for (const auto& c : t->caches)
      caches.push_back({{"level", c.level}, {"type", c.type}, {"cpus", format_cpu_list(c.cpus)}});
    std::printf("%s\n", json{{"online", format_cpu_list(t->online())},
                             {"smt", t->smt()},
                             {"packages", t->packages},
                             {"cpus", cpus},
                             {"cores", cores},
                             {"nodes", nodes},
                             {"caches", caches}}
                            .dump()
                            .c_str());
    return kExitOk;
  }
  std::printf("CPUs online %s (%zu), %zu cores, %zu package%s, %zu NUMA node%s, SMT %s\n",
              format_cpu_list(t->online()).c_str(), t->cpus.size(), t->cores.size(), t->packages.size(),
              t->packages.size() == 1 ? "" : "s", t->nodes.size(), t->nodes.size() == 1 ? "" : "s",
              t->smt() ? "on" : "off");
  std::printf("\n%-5s %-5s %-8s %-5s %s\n", "CPU", "CORE", "PACKAGE", "NODE", "SIBLINGS");
  for (const auto& c : t->cpus)
    std::printf("%-5d %-5d %-8d %-5d %s\n", c.id, c.core, c.package, c.node, format_cpu_list(c.siblings).c_str());
  std::printf("\n%-5s %s\n", "NODE", "CPUS");
  for (const auto& n : t->nodes) std::printf("%-5d %s\n", n.id, format_cpu_list(n.cpus).c_str());
  std::printf("\n%-6s %-12s %s\n", "CACHE", "TYPE", "SHARED BY CPUS");
  for (const auto& c : t->caches)
    std::printf("L%-5d %-12s %s\n", c.level, c.type.c_str(), format_cpu_list(c.cpus).c_str());
  return kExitOk;
}

}  // namespace

void register_sched_commands(CLI::App& app, Context& ctx) {
  auto sa = std::make_shared<SchedArgs>();
  auto* s = app.add_subcommand("sched", "show or set the SCHED policy, priority and nice of every thread of PID");
  s->add_option("pid", sa->pid, "process id")->required()->check(CLI::PositiveNumber);
  s->add_option("--policy", sa->policy, "other, batch, idle, fifo, rr or deadline")
      ->check(CLI::IsMember({"other", "batch", "idle", "fifo", "rr", "deadline"}));
  s->add_option("--priority", sa->priority, "real-time priority 1..99 (fifo, rr)")->check(CLI::Range(0, 99));
  s->add_option("--nice", sa->nice, "nice -20..19 (other, batch, idle)")->check(CLI::Range(-20, 19));
  s->add_option("--runtime", sa->runtime, "deadline: runtime per period (e.g. 10ms)");
  s->add_option("--deadline", sa->deadline, "deadline: relative deadline (e.g. 30ms)");
  s->add_option("--period", sa->period, "deadline: period (default: the deadline)");
  s->callback([sa, &ctx] { ctx.exit_code = run_sched(*sa, ctx); });

  auto pa = std::make_shared<PinArgs>();
  auto* p = app.add_subcommand("pin", "set the CPU affinity of every thread of PID (spread, compact or a mask)");
  p->add_option("pid", pa->pid, "process id")->required()->check(CLI::PositiveNumber);
  p->add_option("--cpus", pa->cpus, "allowed CPUs, e.g. 0-3,8 (default: all online)");
  p->add_option("--threads", pa->threads, "spread, compact or none (default none: the mask only)")
      ->check(CLI::IsMember({"spread", "compact", "none"}));
  p->add_option("--watch", pa->watch, "keep placing new threads for this many seconds")->check(CLI::NonNegativeNumber);
  p->add_option("--interval", pa->interval, "rescan interval with --watch (seconds, default 1)")
      ->check(CLI::PositiveNumber);
  p->callback([pa, &ctx] { ctx.exit_code = run_pin(*pa, ctx); });

  auto* t = app.add_subcommand("topology", "show the CPU topology: cores, SMT siblings, packages, NUMA nodes, caches");
  t->callback([&ctx] { ctx.exit_code = run_topology(ctx); });
}

}  // namespace corral::ctl
