// SPDX-License-Identifier: Apache-2.0
#include "metrics_view.hpp"

#include "../jobs/queue_runner.hpp"

#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstring>
#include <optional>

#include "corral/base/file_read.hpp"
#include "corral/proc/parsers.hpp"

namespace corral::daemon {

using metrics::Family;
using metrics::Labels;
using metrics::Type;

namespace {

const double kTicksPerSecond = static_cast<double>(::sysconf(_SC_CLK_TCK));
const double kPageSize = static_cast<double>(::sysconf(_SC_PAGESIZE));

double wall_seconds_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// CPU seconds and resident bytes of one process, from /proc/PID/stat.
struct ProcUsage {
  double cpu_seconds = 0;
  double rss_bytes = 0;
};
std::optional<ProcUsage> proc_usage(pid_t pid, KeptFiles& kept) {
  char path[40] = "/proc/";
  auto [end, ec] = std::to_chars(path + 6, path + sizeof path - 6, pid);
  std::memcpy(end, "/stat", 5);
  auto text = kept.read(std::string_view(path, static_cast<std::size_t>(end + 5 - path)));
  if (!text) return std::nullopt;
  auto st = proc::parse_stat(*text);
  if (!st) return std::nullopt;
  return ProcUsage{static_cast<double>(st->utime + st->stime) / kTicksPerSecond,
                   static_cast<double>(st->rss_pages) * kPageSize};
}

// A service's CPU and memory: its cgroup when fair_share = "cgroup" (every
// process of the service, children included), else its main process.
std::optional<ProcUsage> service_usage(const Service& s, const cgroup::Cgroups* cg, KeptFiles& kept) {
  if (cg) {
    if (auto u = cg->cpu_and_memory(s.spec.cfg.group + "/" + s.spec.name(), &kept)) {
      ProcUsage p{static_cast<double>(u->cpu_ns) / 1e9, 0};
      if (u->memory_current) {
        p.rss_bytes = static_cast<double>(*u->memory_current);
      } else if (s.pid > 0) {
        if (auto pu = proc_usage(s.pid, kept)) p.rss_bytes = pu->rss_bytes;
      }
      return p;
    }
  }
  if (s.pid > 0) return proc_usage(s.pid, kept);
  return std::nullopt;
}

Family family(const char* name, const char* help, Type type) { return Family{name, help, type, {}, {}}; }

void add_service_metrics(std::vector<Family>& out, const MetricsSources& src) {
  Family up = family("corral_service_up", "1 while the service's process is running, else 0.", Type::Gauge);
  Family ready = family("corral_service_ready",
                        "1 while the service is ready for work (running past start_secs), else 0.", Type::Gauge);
  Family state = family("corral_service_state", "The service's current state (label state), always 1.",
                        Type::Gauge);
  Family restarts = family("corral_service_restarts_total",
                           "Automatic restarts of the service since corrald started.", Type::Counter);
  Family start_time = family("corral_service_start_time_seconds",
                             "Unix time the service's current process started.", Type::Gauge);
  Family cpu = family("corral_service_cpu_seconds_total",
                      "CPU time used by the service (its cgroup, or its main process without cgroups).",
                      Type::Counter);
  Family mem = family("corral_service_memory_bytes",
                      "Memory of the service (cgroup memory.current, or the main process's resident set).",
                      Type::Gauge);
  Family last_exit = family("corral_service_last_exit_code",
                            "Exit code of the service's last process (128+N when killed by signal N).", Type::Gauge);

  for (Family* f : {&up, &ready, &state, &restarts, &start_time, &cpu, &mem, &last_exit})
    f->samples.reserve(src.sup.services().size());
  const cgroup::Cgroups* cg = src.fair ? src.fair->cgroups() : nullptr;
  const double now_wall = wall_seconds_now();
  const auto now_steady = supervise::Clock::now();
  for (const auto& [name, sp] : src.sup.services()) {
    const Service& s = *sp;
    Labels labels{{"service", name}, {"group", s.spec.cfg.group}};
    const supervise::State st = s.machine.state();
    const bool running = s.pid > 0 && st == supervise::State::Running;
    up.samples.push_back({labels, s.pid > 0 ? 1.0 : 0.0});
    ready.samples.push_back({labels, running ? 1.0 : 0.0});
    // Only the current state's series (value 1): seven series per service would
    // double the body for 1,000 services; Prometheus marks the old one stale.
    Labels sl = labels;
    sl.push_back({"state", std::string(supervise::state_name(st))});
    state.samples.push_back({std::move(sl), 1.0});
    restarts.samples.push_back({labels, static_cast<double>(s.machine.restarts())});
    if (s.pid > 0 && s.machine.started_at()) {
      double age = std::chrono::duration<double>(now_steady - *s.machine.started_at()).count();
      start_time.samples.push_back({labels, now_wall - age});
    }
    if (auto u = service_usage(s, cg, src.kept)) {
      cpu.samples.push_back({labels, u->cpu_seconds});
      mem.samples.push_back({labels, u->rss_bytes});
    }
    if (!s.machine.history().empty()) {
      const auto& info = s.machine.history().front().info;
      int code = info.signal != 0 ? 128 + info.signal : info.code;
      if (code >= 0) last_exit.samples.push_back({labels, static_cast<double>(code)});
    }
  }
  for (Family* f : {&up, &ready, &state, &restarts, &start_time, &cpu, &mem, &last_exit}) out.push_back(std::move(*f));
}

void add_group_metrics(std::vector<Family>& out, const MetricsSources& src) {
  if (!src.fair) return;
  Family weight = family("corral_group_weight", "The group's configured weight (cgroup v2 cpu.weight scale).",
                         Type::Gauge);
  Family cpu = family("corral_group_cpu_seconds_total", "CPU time used by the group's cgroup.", Type::Counter);
  Family share = family("corral_group_cpu_share_ratio",
                        "The group's measured share of the CPU time its active groups used (0..1), last interval.",
                        Type::Gauge);
  Family target = family("corral_group_target_share_ratio",
                         "The group's ideal share: its weight over the weights of the groups with a running service.",
                         Type::Gauge);
  Family pressure = family("corral_group_cpu_pressure_seconds_total",
                           "Time some task of the group waited for a CPU (PSI cpu.pressure \"some\" total).",
                           Type::Counter);
  nlohmann::json groups = src.fair->groups_json();
  const cgroup::Cgroups* cg = src.fair->cgroups();
  for (const auto& g : groups["groups"]) {
    std::string name = g.value("name", "");
    Labels labels{{"group", name}};
    weight.samples.push_back({labels, g.value("weight", 0.0)});
    share.samples.push_back({labels, g.value("measured_share", 0.0)});
    target.samples.push_back({labels, g.value("target_share", 0.0)});
    if (!cg) continue;
    auto u = cg->usage(name);
    if (!u) continue;
    cpu.samples.push_back({labels, static_cast<double>(u->cpu_ns) / 1e9});
    if (u->cpu_pressure)
      pressure.samples.push_back({labels, static_cast<double>(u->cpu_pressure->some.total_us) / 1e6});
  }
  for (Family* f : {&weight, &cpu, &share, &target, &pressure}) out.push_back(std::move(*f));
}

void add_daemon_metrics(std::vector<Family>& out, const MetricsSources& src) {
  out.push_back(family("corral_deadlocks",
                       "Deadlocks among the services' processes seen by the last periodic check ([daemon] deadlock_check).",
                       Type::Gauge));
  out.back().samples.push_back({{}, static_cast<double>(src.deadlocks.current_deadlocks())});

  out.push_back(family("corral_daemon_loop_iterations_total", "Wake-ups of corrald's event loop.", Type::Counter));
  out.back().samples.push_back({{}, static_cast<double>(src.loop.iterations())});

  out.push_back(family("corral_daemon_requests_total",
                       "Requests handled: control-socket commands by name, and /metrics scrapes.", Type::Counter));
  for (const auto& [req, n] : src.requests.counts())
    out.back().samples.push_back({{{"request", req}}, static_cast<double>(n)});

  out.push_back(family("corral_daemon_request_duration_seconds",
                       "Time corrald spent handling a request (all kinds together).", Type::Histogram));
  out.back().histograms.push_back({{}, src.requests.latency().snapshot()});

  if (auto u = proc_usage(::getpid(), src.kept)) {
    out.push_back(family("corral_daemon_resident_memory_bytes", "corrald's own resident memory.", Type::Gauge));
    out.back().samples.push_back({{}, u->rss_bytes});
    out.push_back(family("corral_daemon_cpu_seconds_total", "corrald's own CPU time.", Type::Counter));
    out.back().samples.push_back({{}, u->cpu_seconds});
  }

  out.push_back(family("corral_build_info", "corrald's version; the value is always 1.", Type::Gauge));
  out.back().samples.push_back({{{"version", CORRAL_VERSION}}, 1});
}

}  // namespace

std::vector<Family> collect_metrics(const MetricsSources& src) {
  std::vector<Family> out;
  out.reserve(24);
  add_service_metrics(out, src);
  add_group_metrics(out, src);
  add_daemon_metrics(out, src);
  if (src.queues) src.queues->add_metrics(out);  // corral_queue_* (daemon/jobs/queue_metrics.cpp)
  return out;
}

}  // namespace corral::daemon
