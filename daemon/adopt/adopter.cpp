// SPDX-License-Identifier: Apache-2.0
#include "adopter.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <optional>

#include "../daemon_log.hpp"
#include "corral/persist/fingerprint.hpp"
#include "corral/persist/state_file.hpp"
#include "proc_cgroup.hpp"
#include "recorded_probe.hpp"

namespace corral::daemon {

namespace {

std::vector<std::string> subdirs_of(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
    out.emplace_back(e->d_name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

UniqueFd open_pidfd(pid_t pid) { return UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))); }

}  // namespace

void restore_counters(Service& s, const persist::ServiceRecord& r) {
  const auto steady_now = supervise::Clock::now();
  const std::int64_t wall_now = wall_ms_now();
  std::deque<supervise::TimePoint> starts;
  for (std::int64_t ms : r.recent_starts_ms)
    starts.push_back(steady_now - std::chrono::milliseconds(std::max<std::int64_t>(0, wall_now - ms)));
  std::deque<supervise::ExitRecord> hist;
  for (const auto& e : r.history) {
    supervise::ExitRecord x;
    x.info.wall_time_ms = e.wall_time_ms;
    x.info.code = e.code;
    x.info.signal = e.signal;
    x.info.core_dumped = e.core_dumped;
    x.info.launch_failed = e.launch_failed;
    x.info.description = e.description;
    x.run_time = supervise::Duration(e.run_time_ms);
    hist.push_back(std::move(x));
  }
  s.machine.restore(r.restarts, r.failures, std::move(starts), std::move(hist));
}

Adopter::Adopter(EventLoop& loop, Supervisor& sup, FairShare* fair, std::string state_dir)
    : loop_(loop), sup_(sup), fair_(fair), dir_(std::move(state_dir)) {}

Adopter::~Adopter() {
  if (kill_timer_) loop_.cancel_timer(kill_timer_);
}

std::set<std::string> Adopter::run() {
  std::set<std::string> handled;
  std::map<std::string, persist::ServiceRecord> records;
  auto state = persist::read_state_file(dir_);
  if (!state) {
    if (state.error().code != ENOENT)
      log_line("state file ignored (%s); looking for services in their cgroups only", state.error().message.c_str());
  } else if (state->boot_id_hash != 0 && state->boot_id_hash != persist::current_boot_id_hash()) {
    log_line("state file %s was written before a reboot: nothing to adopt from it",
             persist::state_file_path(dir_).c_str());
  } else {
    for (auto& r : state->services) records[r.name] = std::move(r);
  }

  cgroup::Cgroups* cg = fair_ ? fair_->cgroups() : nullptr;
  std::optional<ServiceCgroupCheck> in_cgroup;
  if (cg) in_cgroup.emplace(*cg);
  std::map<std::string, RecordedProcess> found = probe_recorded(records, in_cgroup.has_value());
  std::set<std::string> service_cgroups;
  std::vector<Service*> all;
  for (const auto& [name, s] : sup_.services()) all.push_back(s.get());

  for (Service* sp : all) {
    Service& s = *sp;
    const std::string name = s.spec.name();
    const std::string path = fair_ ? fair_->cgroup_of(s.spec.cfg) : std::string();
    if (!path.empty()) service_cgroups.insert(path);

    auto rit = records.find(name);
    const persist::ServiceRecord* rec = rit != records.end() && !rit->second.transient ? &rit->second : nullptr;
    pid_t main = 0;
    UniqueFd pidfd;
    std::uint64_t start_time = 0;
    std::string placed;  // its /proc/PID/cgroup, when read
    std::string cannot;  // why a live process cannot be watched
    if (rec && rec->pid > 0) {
      // Read by probe_recorded: the pidfd first, then the checks. Gone (ESRCH):
      // nothing more was read.
      RecordedProcess& seen = found[name];
      pidfd = std::move(seen.pidfd);
      if (!pidfd && seen.pidfd_errno != ESRCH)
        cannot = Error::from_errno(seen.pidfd_errno, "pidfd_open " + std::to_string(rec->pid)).message;
      const auto& id = seen.identity;
      bool same = id && id->start_time == rec->start_time;
      if (same && in_cgroup && !rec->cgroup.empty()) {
        placed = std::move(seen.cgroup);
        same = in_cgroup->holds(placed, path);
      } else if (same) {
        same = id->pgid == rec->pgid;
      }
      if (same) {
        main = rec->pid;
        start_time = id->start_time;
      } else if (id) {
        log_line("%s: pid %d is alive but is not the recorded process (%s): not adopted", name.c_str(),
                 static_cast<int>(rec->pid),
                 id->start_time != rec->start_time ? "another start time"
                 : in_cgroup && !rec->cgroup.empty() ? "not in the service's cgroup"
                                                     : "another process group");
      }
    } else if (!rec && cg && !path.empty()) {
      // No record (no state file, or a corrupt one): the service's cgroup still
      // says what is its. Its main process leads its own session.
      auto members = cg->procs(path);  // fails when the cgroup does not exist
      for (pid_t p : members ? *members : std::vector<pid_t>{}) {
        UniqueFd fd = open_pidfd(p);
        auto id = fd ? persist::read_identity(p) : std::nullopt;
        if (id && id->session == p && id->pgid == p) {
          main = p;
          pidfd = std::move(fd);
          start_time = id->start_time;
          break;
        }
      }
    }
    if (rec) restore_counters(s, *rec);

    if (!cannot.empty()) {  // alive, maybe: neither adopted nor started again
      log_line("%s: cannot adopt pid %d: %s", name.c_str(), static_cast<int>(rec->pid), cannot.c_str());
      continue;
    }
    if (main > 0) {
      if (Status st = sup_.adopt(s, main, std::move(pidfd)); !st) {
        log_line("%s: cannot adopt pid %d: %s", name.c_str(), static_cast<int>(main), st.error().message.c_str());
        continue;
      }
      handled.insert(name);
      start_times_[main] = start_time;
      if (fair_) fair_->after_launch(s, placed);
      log_line("%s: adopted pid %d (restarts %d%s)", name.c_str(), static_cast<int>(main), s.machine.restarts(),
               rec ? "" : ", found in its cgroup");
      if (rec && rec->intent == persist::Intent::StoppedByHand) {
        log_line("%s: was being stopped when corrald ended: stopping it", name.c_str());
        sup_.stop(s);
      } else if (rec && rec->config_hash != persist::config_fingerprint(s.spec.cfg)) {
        log_line("%s: its config changed while corrald was down: restarting it", name.c_str());
        sup_.restart(s);
      } else if (rec && rec->intent == persist::Intent::Suspended && fair_) {
        if (Status st = fair_->suspend(s); !st)
          log_line("%s: could not keep it suspended: %s", name.c_str(), st.error().message.c_str());
      }
      continue;
    }
    if (!rec) continue;  // nothing known about it: the config decides
    handled.insert(name);
    if (rec->intent == persist::Intent::StoppedByHand) {
      log_line("%s: stays stopped (stopped by hand before corrald ended)", name.c_str());
    } else if (rec->pid > 0) {
      log_line("%s: pid %d ended while corrald was down", name.c_str(), static_cast<int>(rec->pid));
      sup_.adopt_gone(s, "ended while corrald was down (exit status unknown)");
    } else if (rec->state == "exited" || rec->state == "fatal") {
      log_line("%s: stays stopped (it was %s)", name.c_str(), rec->state.c_str());
    } else {
      sup_.start(s);  // was between processes (backoff): start it again
    }
  }

  // What no configured service claims is stopped, never left running or duplicated.
  for (const auto& [name, r] : records) {
    Service* s = sup_.find(name);
    if (s && !r.transient) continue;
    if (r.pid > 0) {
      auto id = persist::read_identity(r.pid);
      if (id && id->start_time == r.start_time)
        strays_.push_back({r.pid, r.start_time, name + (r.transient ? " (a `run` service)" : " (no longer configured)")});
    }
  }
  if (cg) {
    const std::string base = cg->describe("");
    for (const auto& group : subdirs_of(base))
      for (const auto& svc : subdirs_of(base + "/" + group)) {
        std::string path = group + "/" + svc;
        if (service_cgroups.count(path)) continue;
        if (svc.front() == '.') continue;  // no service's (names never start with '.'): the queue runner's .jobs
        auto procs = cg->procs(path);
        if (procs)
          for (pid_t p : *procs) {
            auto id = persist::read_identity(p);
            if (id && std::none_of(strays_.begin(), strays_.end(), [p](const Stray& x) { return x.pid == p; }))
              strays_.push_back({p, id->start_time, "cgroup " + path + " (no such service configured)"});
          }
        stray_cgroups_.push_back(path);
      }
  }
  if (!strays_.empty() || !stray_cgroups_.empty()) stop_strays();
  return handled;
}

void Adopter::stop_strays() {
  for (const auto& x : strays_) {
    log_line("stopping pid %d of %s: SIGTERM, SIGKILL after %lld ms", static_cast<int>(x.pid), x.what.c_str(),
             static_cast<long long>(kStrayGrace.count()));
    auto id = persist::read_identity(x.pid);
    const bool leader = id && id->pgid == x.pid;
    ::kill(leader ? -x.pid : x.pid, SIGTERM);
    ::kill(leader ? -x.pid : x.pid, SIGCONT);
  }
  kill_timer_ = loop_.add_timer(std::chrono::steady_clock::now() + kStrayGrace, [this] {
    kill_timer_ = 0;
    kill_strays();
  });
}

void Adopter::kill_strays() {
  for (const auto& x : strays_) {
    auto id = persist::read_identity(x.pid);
    if (!id || id->start_time != x.start_time) continue;  // gone (or the pid is someone else's now)
    log_line("pid %d of %s did not stop: SIGKILL", static_cast<int>(x.pid), x.what.c_str());
    ::kill(id->pgid == x.pid ? -x.pid : x.pid, SIGKILL);
  }
  strays_.clear();
  cgroup::Cgroups* cg = fair_ ? fair_->cgroups() : nullptr;
  for (const auto& path : stray_cgroups_) {
    if (!cg) break;
    if (auto procs = cg->procs(path); procs && !procs->empty()) (void)cg->kill(path, std::chrono::milliseconds(2000));
    if (Status st = cg->remove(path); !st) log_line("%s", st.error().message.c_str());
  }
  stray_cgroups_.clear();
}

}  // namespace corral::daemon
