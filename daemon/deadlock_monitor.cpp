// SPDX-License-Identifier: Apache-2.0
#include "deadlock_monitor.hpp"

#include <signal.h>

#include <chrono>
#include <map>
#include <vector>

#include "corral/waits/process_owner.hpp"
#include "corral/waits/scan.hpp"
#include "corral/waits/victim.hpp"
#include "daemon_log.hpp"

namespace corral::daemon {
namespace {

// Identity of a deadlock across scans: its processes and resources.
std::string deadlock_key(const waits::Snapshot& snap, const waits::Deadlock& d) {
  std::string key;
  for (pid_t p : d.pids) key += std::to_string(p) + ",";
  key += "|";
  for (std::size_t r : d.resources) key += snap.resources[r].key + ";";
  return key;
}

}  // namespace

DeadlockMonitor::~DeadlockMonitor() {
  if (timer_) loop_.cancel_timer(timer_);
}

void DeadlockMonitor::configure(std::optional<config::Duration> period, config::DeadlockAction action) {
  action_ = action;
  if (period == period_ && (timer_ || !period)) return;
  period_ = period;
  if (timer_) loop_.cancel_timer(timer_);
  timer_ = 0;
  if (!period_) {
    forget_all();
    return;
  }
  arm();
}

void DeadlockMonitor::arm() {
  timer_ = loop_.add_timer(std::chrono::steady_clock::now() + *period_, [this] {
    timer_ = 0;
    check();
    if (period_) arm();
  });
}

void DeadlockMonitor::check() {
  // Each running service's process leads its own process group (new session).
  std::map<pid_t, std::string> service_of_root;
  for (const auto& [name, s] : sup_.services())
    if (s->pid > 0) service_of_root[s->pid] = name;
  if (service_of_root.empty()) {
    forget_all();
    return;
  }
  std::vector<pid_t> roots;
  for (const auto& [pid, name] : service_of_root) roots.push_back(pid);
  auto owners = waits::processes_of(roots);
  if (!owners) {
    if (!scan_error_reported_) log_line("deadlock check: %s", owners.error().message.c_str());
    scan_error_reported_ = true;
    return;
  }
  waits::ScanOptions opts;
  for (const auto& [pid, root] : *owners) opts.pids.push_back(pid);
  if (opts.pids.empty()) return;  // every service exited since: nothing to scan
  auto snap = waits::scan_system(opts);
  if (!snap) {
    if (!scan_error_reported_) log_line("deadlock check: %s", snap.error().message.c_str());
    scan_error_reported_ = true;
    return;
  }
  scan_error_reported_ = false;
  waits::Report report = waits::analyze(*snap);

  auto service_of = [&](pid_t pid) -> std::string {
    auto it = owners->find(pid);
    return it == owners->end() ? std::string() : service_of_root[it->second];
  };

  std::map<std::string, std::set<std::string>> keys;
  std::set<std::string> marked, restarted;
  for (const waits::Deadlock& d : report.deadlocks) {
    std::set<std::string> services;
    std::vector<pid_t> ours;
    for (pid_t p : d.pids) {
      std::string svc = service_of(p);
      if (svc.empty()) continue;
      services.insert(svc);
      ours.push_back(p);
    }
    if (services.empty()) continue;  // reached through a holder, but none of ours is in it
    marked.insert(services.begin(), services.end());
    std::string key = deadlock_key(*snap, d);
    keys[key] = services;

    if (!reported_.count(key)) {
      std::string names, procs, res;
      for (const auto& n : services) names += (names.empty() ? "" : ", ") + n;
      for (pid_t p : d.pids) {
        const waits::ProcessInfo* info = snap->process(p);
        std::string svc = service_of(p);
        procs += (procs.empty() ? "" : ", ") + std::to_string(p) + " (" + (info ? info->comm : "?") + ", " +
                 (svc.empty() ? "not supervised" : "service " + svc) + ")";
      }
      for (std::size_t r : d.resources) res += (res.empty() ? "" : "; ") + snap->resources[r].label;
      log_line("deadlock found: services %s; pids %s; resources %s", names.c_str(), procs.c_str(), res.c_str());
      publish(services, "found", "pids " + procs + "; resources " + res);
    }

    if (action_ != config::DeadlockAction::RestartVictim) continue;
    auto victim = waits::choose_victim(*snap, d, ours);
    if (!victim) continue;
    std::string svc = service_of(victim->pid);
    Service* s = sup_.find(svc);
    // Already being stopped or restarted (this period or an earlier one): wait for it.
    if (!s || s->pid <= 0 || s->machine.state() == supervise::State::Stopping) continue;
    std::string reason = victim->reason;
    while (!reason.empty() && reason.back() == '\n') reason.pop_back();
    log_line("deadlock: restarting service %s (victim pid %d); why this victim:\n%s", svc.c_str(),
             static_cast<int>(victim->pid), reason.c_str());
    sup_.restart(*s);
    restarted.insert(svc);  // its new process is not (yet) in a deadlock
  }
  for (const auto& svc : restarted) marked.erase(svc);
  for (const auto& [key, services] : reported_)
    if (!keys.count(key)) publish(services, "cleared", "");
  reported_ = std::move(keys);
  in_deadlock_ = std::move(marked);
}

void DeadlockMonitor::publish(const std::set<std::string>& services, const char* what, const std::string& detail) {
  for (const auto& svc : services) {
    const Service* s = sup_.find(svc);
    events_.publish(DaemonEvent{DaemonEvent::Kind::Deadlock, 0, svc, "", what, detail, s ? s->pid : 0});
  }
}

void DeadlockMonitor::forget_all() {
  for (const auto& [key, services] : reported_) publish(services, "cleared", "");
  reported_.clear();
  in_deadlock_.clear();
}

}  // namespace corral::daemon
