// SPDX-License-Identifier: Apache-2.0
#include "fair_share.hpp"

#include <signal.h>
#include <unistd.h>

#include <cmath>
#include <set>

#include "corral/base/file_read.hpp"
#include "corral/cgroup/cgroup_v1.hpp"
#include "corral/cgroup/limits.hpp"
#include "corral/proc/reader.hpp"
#include "corral/sched/topology.hpp"
#include "adopt/proc_cgroup.hpp"
#include "daemon_log.hpp"

namespace corral::daemon {

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

cgroup::Limits limits_of(const config::GroupConfig& g) {
  cgroup::Limits l;
  l.weight = g.weight;
  l.cpu_max = g.cpu_max;
  l.memory_max = g.memory_max;
  l.pids_max = g.pids_max;
  l.cpus = g.cpus;
  return l;
}

sched::PinMode pin_mode(config::ThreadPlacement t) {
  switch (t) {
    case config::ThreadPlacement::Spread: return sched::PinMode::Spread;
    case config::ThreadPlacement::Compact: return sched::PinMode::Compact;
    default: return sched::PinMode::None;
  }
}

const long kTicksPerSecond = ::sysconf(_SC_CLK_TCK);

}  // namespace

FairShare::FairShare(EventLoop& loop, Supervisor& sup) : loop_(loop), sup_(sup) {}

FairShare::~FairShare() {
  if (interval_timer_) loop_.cancel_timer(interval_timer_);
  if (pin_timer_) loop_.cancel_timer(pin_timer_);
}

std::string FairShare::mode_name() const { return std::string(config::to_string(mode_)); }

void FairShare::init(const config::DaemonConfig& daemon, const std::map<std::string, config::GroupConfig>& groups) {
  mode_ = daemon.fair_share;
  interval_ = daemon.fair_share_interval;
  rescan_ = daemon.rescan_interval;
  groups_ = groups;
  if (mode_ == config::FairShare::Cgroup) {
    cgroup::SetupOptions opt;
    opt.name = daemon.cgroup_name;
    auto opened = cgroup::open_cgroups(opt);
    if (!opened) {
      fall_back_to_nice(opened.error().message);
    } else {
      cg_ = std::move(*opened);
      for (const auto& [name, g] : groups_) {
        if (Status st = make_group(g); !st) {
          fall_back_to_nice("group " + name + ": " + st.error().message);
          break;
        }
      }
      if (cg_) log_line("fair share: cgroup %s at %s", std::string(cgroup::to_string(cg_->layout.mode)).c_str(),
                        cg_->base.c_str());
    }
  }
  if (mode_ == config::FairShare::Nice) {
    std::map<int, double> w;
    int i = 0;
    for (const auto& [name, g] : groups_) {
      group_index_[name] = i;
      w[i++] = g.weight;
    }
    nice_ = std::make_unique<fairshare::NiceController>(w);
    log_line("fair share: nice values, every %lld ms",
             static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(interval_).count()));
  }
  // Only nice mode needs a timer (it recomputes nice values). In cgroup mode the
  // kernel enforces the weights, and the measured share is sampled when a client
  // asks (groups_json): an idle daemon then never wakes up for it. The sample
  // taken here is the baseline of the first request.
  if (mode_ == config::FairShare::Nice) arm_interval_timer();
  else if (mode_ == config::FairShare::Cgroup) sample();
}

void FairShare::fall_back_to_nice(const std::string& why) {
  log_line("fair share: cannot use cgroups (%s); falling back to fair_share = \"nice\"", why.c_str());
  if (cg_) {
    for (const auto& [name, g] : groups_) (void)cg_->cgroups->remove(name);
    (void)cgroup::close_cgroups(*cg_);
    cg_.reset();
  }
  mode_ = config::FairShare::Nice;
}

Status FairShare::make_group(const config::GroupConfig& g) {
  if (Status st = cg_->cgroups->create(g.name); !st) return st;
  return cgroup::apply_limits(*cg_->cgroups, g.name, limits_of(g));
}

void FairShare::reload(const std::map<std::string, config::GroupConfig>& groups) {
  for (const auto& [name, g] : groups) {
    auto it = groups_.find(name);
    if (it != groups_.end() && it->second == g) continue;
    if (cg_) {
      if (Status st = make_group(g); !st) log_line("reload: group %s: %s", name.c_str(), st.error().message.c_str());
      else log_line("reload: group %s: limits applied (weight %u)", name.c_str(), g.weight);
    }
  }
  // Removed groups: their cgroups go once empty (at shutdown at the latest).
  for (const auto& [name, g] : groups_)
    if (!groups.count(name) && cg_) (void)cg_->cgroups->remove(name);
  made_.clear();  // a changed group may have been remade: check again at the next launch
  groups_ = groups;
  if (nice_) {
    std::map<int, double> w;
    group_index_.clear();
    int i = 0;
    for (const auto& [name, g] : groups_) {
      group_index_[name] = i;
      w[i++] = g.weight;
    }
    nice_ = std::make_unique<fairshare::NiceController>(w);
  }
}

void FairShare::shutdown() {
  if (interval_timer_) loop_.cancel_timer(interval_timer_);
  if (pin_timer_) loop_.cancel_timer(pin_timer_);
  interval_timer_ = pin_timer_ = 0;
  made_.clear();
  if (!cg_) return;
  for (const auto& [name, g] : groups_) {
    // Left-overs of a service that would not die would make the removal fail: kill them.
    if (Status st = cg_->cgroups->remove(name); !st) {
      if (cg_->cgroups->exists(name + "/.jobs")) continue;  // queued jobs outlive corrald (daemon/jobs/)
      (void)cg_->cgroups->kill(name, 2000ms);
      if (Status again = cg_->cgroups->remove(name); !again)
        log_line("shutdown: %s", again.error().message.c_str());
    }
  }
  if (Status st = cgroup::close_cgroups(*cg_); !st) log_line("shutdown: %s", st.error().message.c_str());
  cg_.reset();
}

Status FairShare::before_launch(const Service& s, launch::LaunchSpec& ls) {
  if (!cg_) return {};
  const auto& c = s.spec.cfg;
  if (!groups_.count(c.group)) return Error::logic("no such group '" + c.group + "'", ENOENT);
  std::string path = service_path(c);
  if (!made_.count(path) || !cg_->cgroups->exists(path)) {
    if (Status st = cg_->cgroups->create(path); !st) return st;
    made_.insert(path);
  }
  if (auto* v1 = dynamic_cast<cgroup::CgroupV1*>(cg_->cgroups.get())) {
    const auto& dirs = v1->dirs();
    auto it = dirs.find(cgroup::Controller::Freezer);
    if (it == dirs.end()) it = dirs.begin();
    ls.cgroup_procs_path = it->second + "/" + path + "/cgroup.procs";
  } else {
    ls.cgroup_procs_path = cg_->cgroups->describe(path) + "/cgroup.procs";
  }
  return {};
}

void FairShare::after_launch(const Service& s, std::string_view proc_cgroup) {
  place_in_cgroups(s, proc_cgroup);
  start_pinning(s);
}

void FairShare::after_handover(const Service& s) { start_pinning(s); }

void FairShare::place_in_cgroups(const Service& s, std::string_view proc_cgroup) {
  const auto& c = s.spec.cfg;
  if (auto* v1 = cg_ ? dynamic_cast<cgroup::CgroupV1*>(cg_->cgroups.get()) : nullptr) {
    // v1: the child joined the freezer hierarchy before exec; the others follow now,
    // one by one, so that one refusal does not keep it out of the rest. (With RT
    // group scheduling a fifo/rr task cannot join a cpu cgroup that has no
    // cpu.rt_runtime_us: it then stays in corrald's cpu cgroup, outside the weights.)
    std::set<std::string> done;
    // An adopted process (corrald restarted) is normally in its cgroups
    // already; moving it again is a cgroup migration per hierarchy, which took
    // most of the time to re-adopt 1,000 services. /proc/PID/cgroup says.
    std::string placed(proc_cgroup);  // the adopter has read it already
    if (s.adopted && placed.empty()) placed = read_proc_cgroup(s.pid);
    // The hierarchy of LaunchSpec::cgroup_procs_path (before_launch): a launched
    // child joined it before exec, or the launch failed. One write saved a launch.
    auto joined = v1->dirs().find(cgroup::Controller::Freezer);
    if (joined == v1->dirs().end()) joined = v1->dirs().begin();
    if (!s.adopted && joined != v1->dirs().end()) done.insert(joined->second);
    for (const auto& [ctl, dir] : v1->dirs()) {
      if (!done.insert(dir).second) continue;
      if (!placed.empty() && persist::placed_in_cgroup(placed, cgroup::to_string(ctl), dir, service_path(c))) continue;
      std::string procs = dir + "/" + service_path(c) + "/cgroup.procs";
      if (Status st = write_file(procs, std::to_string(s.pid)); !st)
        log_line("%s: not in its %s cgroup: %s", c.name.c_str(), std::string(cgroup::to_string(ctl)).c_str(),
                 st.error().message.c_str());
    }
  }
}

void FairShare::start_pinning(const Service& s) {
  const auto& c = s.spec.cfg;
  pinners_.erase(c.name);
  if (c.affinity && c.affinity->threads != config::ThreadPlacement::None) {
    auto topo = sched::CpuTopology::read();
    if (!topo) {
      log_line("%s: pinning: %s", c.name.c_str(), topo.error().message.c_str());
      return;
    }
    auto pl = sched::make_placement(*topo, c.affinity->cpus, pin_mode(c.affinity->threads));
    if (!pl) {
      log_line("%s: pinning: %s", c.name.c_str(), pl.error().message.c_str());
      return;
    }
    auto [it, fresh] = pinners_.emplace(c.name, sched::Pinner(s.pid, *pl));
    (void)fresh;
    if (auto r = it->second.apply(); !r) log_line("%s: pinning: %s", c.name.c_str(), r.error().message.c_str());
    arm_pin_timer();
  }
}

void FairShare::after_exit(const Service& s, bool stopping) {
  const auto& c = s.spec.cfg;
  pinners_.erase(c.name);
  suspended_.erase(c.name);
  if (stopping && cg_) {
    std::string path = service_path(c);
    if (cg_->cgroups->exists(path)) {
      auto left = cg_->cgroups->procs(path);
      if (left && !left->empty()) {
        // Members that escaped the process group (a double fork into a new session).
        if (Status st = cg_->cgroups->kill(path, 2000ms); !st)
          log_line("%s: %s", c.name.c_str(), st.error().message.c_str());
      }
    }
  }
}

std::vector<std::pair<const Service*, pid_t>> FairShare::running() const {
  std::vector<std::pair<const Service*, pid_t>> out;
  for (const auto& [name, s] : sup_.services())
    if (s->pid > 0) out.emplace_back(s.get(), s->pid);
  return out;
}

void FairShare::arm_interval_timer() {
  if (interval_timer_) return;
  interval_timer_ = loop_.add_timer(std::chrono::steady_clock::now() + interval_, [this] {
    interval_timer_ = 0;
    sample();
    arm_interval_timer();
  });
}

void FairShare::sample() {
  auto now = std::chrono::steady_clock::now();
  double dt = last_sample_ == SteadyTime{} ? 0 : std::chrono::duration<double>(now - last_sample_).count();
  last_sample_ = now;
  measured_over_s_ = dt;
  std::map<std::string, std::uint64_t> cpu_ns;  // per group, cumulative
  if (cg_) {
    for (const auto& [name, g] : groups_) {
      auto u = cg_->cgroups->usage(name);
      if (u) cpu_ns[name] = u->cpu_ns;
    }
  } else {
    // nice mode: the services' main processes, from /proc ticks.
    std::map<pid_t, std::uint64_t> ticks;
    std::map<std::string, std::uint64_t> delta;
    for (const auto& [s, pid] : running()) {
      auto t = fairshare::read_cpu_ticks(pid);
      if (!t) continue;
      ticks[pid] = *t;
      auto last = last_ticks_.find(pid);
      if (last != last_ticks_.end() && *t >= last->second)
        delta[s->spec.cfg.group] += (*t - last->second) * (1000000000ULL / static_cast<std::uint64_t>(kTicksPerSecond));
    }
    last_ticks_ = ticks;
    for (auto& [name, d] : delta) nice_total_ns_[name] += d;
    cpu_ns = nice_total_ns_;
    // Only groups that want CPU (>= 10 % of one CPU last interval) take part: an idle
    // group can never reach its share, and as the most under-served one it would
    // push every busy group to the same maximum nice.
    std::set<std::string> active;
    for (const auto& [name, d] : delta)
      if (dt > 0 && static_cast<double>(d) / 1e9 / dt >= 0.10) active.insert(name);
    if (active != active_groups_) {
      active_groups_ = active;
      std::map<int, double> w;
      group_index_.clear();
      int i = 0;
      for (const auto& name : active) {
        group_index_[name] = i;
        w[i++] = groups_.count(name) ? groups_.at(name).weight : 100;
      }
      nice_ = std::make_unique<fairshare::NiceController>(w);
    }
    std::map<pid_t, std::uint64_t> active_ticks;
    std::map<pid_t, int> active_of;
    for (const auto& [s, pid] : running()) {
      auto gi = group_index_.find(s->spec.cfg.group);
      if (gi == group_index_.end() || !ticks.count(pid)) continue;
      active_ticks[pid] = ticks[pid];
      active_of[pid] = gi->second;
    }
    if (nice_ && !active_of.empty()) {
      auto nices = nice_->update(active_ticks, active_of);
      for (const auto& [pid, n] : nices) {
        (void)fairshare::set_nice_all_threads(pid, n);
        // Each service runs in its own session, hence (with kernel.sched_autogroup_enabled)
        // its own autogroup: CFS weighs autogroups against each other by the autogroup's
        // nice, so thread nice alone would not shift CPU between services.
        (void)write_file("/proc/" + std::to_string(pid) + "/autogroup", std::to_string(n));
      }
    }
  }
  std::map<std::string, std::uint64_t> delta;
  std::uint64_t total = 0;
  for (const auto& [name, ns] : cpu_ns) {
    auto it = prev_group_ns_.find(name);
    std::uint64_t d = it != prev_group_ns_.end() && ns >= it->second ? ns - it->second : 0;
    delta[name] = d;
    total += d;
  }
  prev_group_ns_ = cpu_ns;
  for (const auto& [name, g] : groups_) {
    measured_share_[name] = total ? static_cast<double>(delta[name]) / static_cast<double>(total) : 0.0;
    cpu_percent_[name] = dt > 0 ? static_cast<double>(delta[name]) / 1e9 / dt * 100.0 : 0.0;
  }
}

void FairShare::arm_pin_timer() {
  if (pin_timer_ || pinners_.empty()) return;
  pin_timer_ = loop_.add_timer(std::chrono::steady_clock::now() + rescan_, [this] {
    pin_timer_ = 0;
    on_pin_timer();
  });
}

void FairShare::on_pin_timer() {
  for (auto& [name, p] : pinners_) (void)p.rescan();
  arm_pin_timer();  // only while some service is pinned
}

Status FairShare::suspend(const Service& s) {
  const auto& c = s.spec.cfg;
  if (s.pid <= 0) return Error::logic(c.name + " has no running process", ESRCH);
  if (suspended_.count(c.name)) return Error::logic(c.name + " is already suspended", EALREADY);
  // The state just before suspending decides Ready/Suspend or Blocked/Suspend.
  proc::ReadOptions ro;
  ro.cmdline = ro.exe = ro.fds = ro.cgroups = ro.syscall = false;
  ro.sample_running = false;  // R is Ready or Running: both become Ready/Suspend
  auto pcb = proc::read_process(s.pid, ro);
  Suspension sus;
  sus.pid = s.pid;
  bool blocked = pcb && pcb->control.state == ProcState::Blocked;
  sus.label = std::string(to_string(blocked ? ProcState::BlockedSuspend : ProcState::ReadySuspend));
  std::string path = service_path(c);
  bool frozen = false;
  if (cg_ && cg_->cgroups->exists(path)) {
    Status st = cg_->cgroups->freeze(path, 5000ms);
    if (st) frozen = true;
    else log_line("%s: freeze: %s; using SIGSTOP", c.name.c_str(), st.error().message.c_str());
  }
  if (!frozen) {
    if (::kill(-s.pid, SIGSTOP) != 0) return errno_error("SIGSTOP process group " + std::to_string(s.pid));
    sus.by_signal = true;
  }
  suspended_[c.name] = sus;
  log_line("%s: suspended (%s, %s)", c.name.c_str(), sus.label.c_str(), frozen ? "cgroup frozen" : "SIGSTOP");
  return {};
}

Status FairShare::resume(const Service& s) {
  const auto& c = s.spec.cfg;
  auto it = suspended_.find(c.name);
  if (it == suspended_.end()) return Error::logic(c.name + " is not suspended", EINVAL);
  Suspension sus = it->second;
  suspended_.erase(it);
  if (sus.by_signal) {
    if (::kill(-sus.pid, SIGCONT) != 0 && errno != ESRCH) return errno_error("SIGCONT process group " + std::to_string(sus.pid));
  } else if (cg_) {
    if (Status st = cg_->cgroups->thaw(service_path(c), 5000ms); !st) return st;
  }
  log_line("%s: resumed", c.name.c_str());
  return {};
}

std::optional<std::string> FairShare::suspend_label(const std::string& name) const {
  auto it = suspended_.find(name);
  if (it == suspended_.end()) return std::nullopt;
  return it->second.label;
}

json FairShare::groups_json() {
  // cgroup mode: the shares over the time since the previous request (or start).
  // A request sooner than 10 ms after the last sample keeps that sample: the
  // cgroups' counters would not say much over so short a window.
  if (mode_ == config::FairShare::Cgroup &&
      std::chrono::steady_clock::now() - last_sample_ >= std::chrono::milliseconds(10))
    sample();
  // Target share: weight over the weights of the groups that have a running service.
  std::map<std::string, int> running_count;
  for (const auto& [s, pid] : running()) running_count[s->spec.cfg.group]++;
  double active_weight = 0;
  for (const auto& [name, g] : groups_)
    if (running_count[name] > 0) active_weight += g.weight;
  json arr = json::array();
  for (const auto& [name, g] : groups_) {
    json j{{"name", name},
           {"weight", g.weight},
           {"services", running_count[name]},
           {"target_share", running_count[name] > 0 && active_weight > 0 ? g.weight / active_weight : 0.0},
           {"measured_share", measured_share_.count(name) ? measured_share_[name] : 0.0},
           {"cpu_percent", cpu_percent_.count(name) ? cpu_percent_[name] : 0.0},
           {"memory_bytes", nullptr},
           {"pids", nullptr},
           {"cgroup", nullptr}};
    if (cg_) {
      j["cgroup"] = cg_->cgroups->describe(name);
      if (auto u = cg_->cgroups->usage(name)) {
        if (u->memory_current) j["memory_bytes"] = *u->memory_current;
        if (u->pids_current) j["pids"] = *u->pids_current;
      }
    }
    arr.push_back(std::move(j));
  }
  // interval_s: the window the shares were measured over (the timer's interval in
  // nice mode, the time since the previous sample in cgroup mode).
  const double window = mode_ == config::FairShare::Cgroup ? measured_over_s_
                                                           : std::chrono::duration<double>(interval_).count();
  return json{{"mode", mode_name()}, {"interval_s", window}, {"groups", arr}};
}

}  // namespace corral::daemon
